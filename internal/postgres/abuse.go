package postgres

import (
	"context"
	"time"
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
