package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps accounts, their settings and password hashes, and sessions (dm.AccountTx).
var _ dm.AccountTx = (*tx)(nil)

const accountCols = `a.id, a.handle, a.display_name, a.bio, a.kind, a.created_at`

func scanAccount(row pgx.Row) (*dm.Account, error) {
	var a dm.Account
	if err := row.Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &a.CreatedAt); err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// CreateAccount inserts the account and its event-log counter row. ON
// CONFLICT DO NOTHING turns a taken handle (or id) into zero rows rather than
// an error, so the transaction stays usable after an ECONFLICT.
func (t *tx) CreateAccount(ctx context.Context, a *dm.Account, s dm.Settings, passwordHash string) error {
	var n int
	err := t.tx.QueryRow(ctx, `
		WITH a AS (
			INSERT INTO accounts (id, handle, display_name, bio, kind, created_at, password_hash, allow_incoming, read_receipts)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT DO NOTHING
			RETURNING id
		), l AS (
			INSERT INTO event_logs (user_id) SELECT id FROM a ON CONFLICT DO NOTHING
		)
		SELECT count(*) FROM a`,
		a.ID, a.Handle, a.DisplayName, a.Bio, a.Kind, a.CreatedAt, passwordHash, s.AllowIncoming, s.ReadReceipts).Scan(&n)
	if err != nil {
		return wrap(err, "account")
	}
	if n == 0 {
		return dm.Errorf(dm.ECONFLICT, "The handle %s is taken.", a.Handle)
	}
	return nil
}

func (t *tx) Account(ctx context.Context, id string) (*dm.Account, error) {
	a, err := scanAccount(t.tx.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = $1`, id))
	return a, wrap(err, "account")
}

func (t *tx) AccountByHandle(ctx context.Context, handle string) (*dm.Account, error) {
	a, err := scanAccount(t.tx.QueryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.handle = $1`, handle))
	return a, wrap(err, "account")
}

func (t *tx) Credentials(ctx context.Context, handle string) (*dm.Account, string, error) {
	var a dm.Account
	var hash string
	err := t.tx.QueryRow(ctx, `SELECT `+accountCols+`, a.password_hash FROM accounts a WHERE a.handle = $1`, handle).
		Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &a.CreatedAt, &hash)
	if err != nil {
		return nil, "", wrap(err, "account")
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, hash, nil
}

func (t *tx) Settings(ctx context.Context, userID string) (dm.Settings, error) {
	var s dm.Settings
	err := t.tx.QueryRow(ctx, `SELECT allow_incoming, read_receipts, time_zone FROM accounts WHERE id = $1`, userID).
		Scan(&s.AllowIncoming, &s.ReadReceipts, &s.TimeZone)
	return s, wrap(err, "account")
}

func (t *tx) UpdateAccount(ctx context.Context, a *dm.Account, s dm.Settings) error {
	tag, err := t.tx.Exec(ctx, `
		UPDATE accounts SET display_name = $2, bio = $3, allow_incoming = $4, read_receipts = $5, time_zone = $6
		WHERE id = $1`, a.ID, a.DisplayName, a.Bio, s.AllowIncoming, s.ReadReceipts, s.TimeZone)
	if err != nil {
		return wrap(err, "account")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account %s not found", a.ID)
	}
	return nil
}

// likePrefix escapes LIKE's wildcards (handles contain "_") and appends "%".
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// SearchAccounts runs two index range scans (handle prefix, display-name
// prefix) rather than one OR that would defeat both indexes.
func (t *tx) SearchAccounts(ctx context.Context, query string, limit int) ([]dm.Account, error) {
	query = strings.ToLower(strings.TrimSpace(query))
	if limit <= 0 {
		limit = 20
	}
	rows, err := t.tx.Query(ctx, `
		SELECT id, handle, display_name, bio, kind, created_at FROM (
			(SELECT `+accountCols+`, 0 AS rank FROM accounts a
			 WHERE a.handle LIKE $1 ORDER BY a.handle LIMIT $2)
			UNION ALL
			(SELECT `+accountCols+`, 1 AS rank FROM accounts a
			 WHERE lower(a.display_name) LIKE $1 AND a.handle NOT LIKE $1
			 ORDER BY a.handle LIMIT $2)
		) r
		ORDER BY rank, handle LIMIT $2`, likePrefix(query), limit)
	if err != nil {
		return nil, wrap(err, "accounts")
	}
	return collectAccounts(rows)
}

func collectAccounts(rows pgx.Rows) ([]dm.Account, error) {
	defer rows.Close()
	out := []dm.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, wrap(err, "accounts")
		}
		out = append(out, *a)
	}
	return out, wrap(rows.Err(), "accounts")
}

// Sessions.

func (t *tx) CreateSession(ctx context.Context, tokenHash, userID string, expires time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
		tokenHash, userID, expires)
	return wrap(err, "session")
}

func (t *tx) SessionAccount(ctx context.Context, tokenHash string, now time.Time) (*dm.Account, error) {
	a, err := scanAccount(t.tx.QueryRow(ctx, `
		SELECT `+accountCols+` FROM sessions s JOIN accounts a ON a.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`, tokenHash, now))
	return a, wrap(err, "session")
}

func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return wrap(err, "session")
}
