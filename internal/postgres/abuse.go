package postgres

import (
	"context"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Strikes against accounts (dm.AbuseTx).

func (t *tx) AddStrike(ctx context.Context, accountID, byID, kind string, at time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO strikes (account_id, by_id, kind, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, by_id, kind) DO UPDATE SET at = excluded.at`,
		accountID, byID, kind, at)
	return wrap(err, "strike")
}

func (t *tx) Strikes(ctx context.Context, accountID string, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(DISTINCT by_id) FROM strikes WHERE account_id = $1 AND at >= $2`, accountID, since).Scan(&n)
	return n, wrap(err, "strike")
}

// Allowances (abuse limits counted in the store). The first statement
// creates the bucket full if it is missing and locks its row either way
// (a no-op update), so that two nodes taking the same key take turns;
// the bucket's rule is applied here, and the row written back only when
// something was spent.

func (t *tx) TakeAllowance(ctx context.Context, key string, a dm.Allowance, cost float64, now time.Time) (time.Duration, error) {
	var tokens float64
	var at time.Time
	err := t.tx.QueryRow(ctx, `INSERT INTO allowances AS a (key, tokens, at, full_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (key) DO UPDATE SET key = a.key
		RETURNING tokens, at`, key, a.Burst, now).Scan(&tokens, &at)
	if err != nil {
		return 0, wrap(err, "allowance")
	}
	left, asOf, wait := a.Spend(tokens, at, now, cost)
	if wait > 0 {
		return wait, nil
	}
	_, err = t.tx.Exec(ctx, `UPDATE allowances SET tokens = $2, at = $3, full_at = $4 WHERE key = $1`,
		key, left, asOf, a.FullAt(left, asOf))
	return 0, wrap(err, "allowance")
}

func (t *tx) PruneAllowances(ctx context.Context, before time.Time, limit int) (int64, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM allowances WHERE key IN (SELECT key FROM allowances WHERE full_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, limit)
	if err != nil {
		return 0, wrap(err, "allowance")
	}
	return tag.RowsAffected(), nil
}
