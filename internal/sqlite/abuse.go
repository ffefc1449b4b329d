package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Strikes against accounts (dm.AbuseTx).

func (t *tx) AddStrike(ctx context.Context, accountID, byID, kind string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO strikes (account_id, by_id, kind, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, by_id, kind) DO UPDATE SET at = excluded.at`,
		accountID, byID, kind, ms(at))
	return wrap(err, "strike")
}

func (t *tx) Strikes(ctx context.Context, accountID string, since time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT count(DISTINCT by_id) FROM strikes WHERE account_id = ? AND at >= ?`, accountID, ms(since)).Scan(&n)
	return n, wrap(err, "strike")
}

// Allowances (abuse limits counted in the store). Every write runs on the
// one writer goroutine, so reading the bucket and writing it back needs no
// lock.

func (t *tx) TakeAllowance(ctx context.Context, key string, a dm.Allowance, cost float64, now time.Time) (time.Duration, error) {
	tokens, at := a.Burst, now
	var atMS int64
	err := t.queryRow(ctx, `SELECT tokens, at FROM allowances WHERE key = ?`, key).Scan(&tokens, &atMS)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, wrap(err, "allowance")
	default:
		at = time.UnixMilli(atMS)
	}
	left, asOf, wait := a.Spend(tokens, at, now, cost)
	if wait > 0 {
		return wait, nil
	}
	_, err = t.exec(ctx, `INSERT INTO allowances (key, tokens, at, full_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at, full_at = excluded.full_at`,
		key, left, ms(asOf), ms(a.FullAt(left, asOf)))
	return 0, wrap(err, "allowance")
}

func (t *tx) PruneAllowances(ctx context.Context, before time.Time, limit int) (int64, error) {
	r, err := t.exec(ctx, `DELETE FROM allowances WHERE key IN (SELECT key FROM allowances WHERE full_at < ? LIMIT ?)`, ms(before), limit)
	if err != nil {
		return 0, wrap(err, "allowance")
	}
	n, err := r.RowsAffected()
	return n, wrap(err, "allowance")
}
