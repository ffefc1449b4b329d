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

// accountFlagCols follow accountCols where the moderation flags are read too
// (an account by id or handle, a session's account).
const accountFlagCols = accountCols + `, a.role, a.suspended_at IS NOT NULL, a.verified`

func scanFlaggedAccount(row pgx.Row, extra ...any) (*dm.Account, error) {
	var a dm.Account
	dest := append([]any{&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &a.CreatedAt, &a.Role, &a.Suspended, &a.Verified}, extra...)
	if err := row.Scan(dest...); err != nil {
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
	a, err := scanFlaggedAccount(t.tx.QueryRow(ctx, `SELECT `+accountFlagCols+` FROM accounts a WHERE a.id = $1`, id))
	return a, wrap(err, "account")
}

func (t *tx) AccountByHandle(ctx context.Context, handle string) (*dm.Account, error) {
	a, err := scanFlaggedAccount(t.tx.QueryRow(ctx, `SELECT `+accountFlagCols+` FROM accounts a WHERE a.handle = $1`, handle))
	return a, wrap(err, "account")
}

func (t *tx) Credentials(ctx context.Context, handle string) (*dm.Account, string, error) {
	var hash string
	a, err := scanFlaggedAccount(t.tx.QueryRow(ctx, `SELECT `+accountFlagCols+`, a.password_hash FROM accounts a WHERE a.handle = $1`, handle), &hash)
	if err != nil {
		return nil, "", wrap(err, "account")
	}
	return a, hash, nil
}

func (t *tx) Settings(ctx context.Context, userID string) (dm.Settings, error) {
	if s, ok := t.preparedSettings(userID); ok {
		return s, nil
	}
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
	a, err := scanFlaggedAccount(t.tx.QueryRow(ctx, `
		SELECT `+accountFlagCols+` FROM sessions s JOIN accounts a ON a.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2`, tokenHash, now))
	return a, wrap(err, "session")
}

func (t *tx) ShortenSession(ctx context.Context, tokenHash string, expires time.Time) error {
	_, err := t.tx.Exec(ctx, `UPDATE sessions SET expires_at = LEAST(expires_at, $1) WHERE token_hash = $2`, expires, tokenHash)
	return wrap(err, "session")
}

func (t *tx) SetSessionFamily(ctx context.Context, tokenHash, family string) error {
	_, err := t.tx.Exec(ctx, `UPDATE sessions SET family = $1 WHERE token_hash = $2`, family, tokenHash)
	return wrap(err, "session")
}

func (t *tx) SessionFamily(ctx context.Context, tokenHash string) (string, string, error) {
	var userID, family string
	err := t.tx.QueryRow(ctx, `SELECT user_id, family FROM sessions WHERE token_hash = $1`, tokenHash).Scan(&userID, &family)
	return userID, family, wrap(err, "session")
}

func (t *tx) DeleteSessionFamily(ctx context.Context, userID, family string) ([]string, error) {
	if family == "" {
		return nil, dm.Errorf(dm.EINVALID, "no session family")
	}
	return t.ids(ctx, `DELETE FROM sessions WHERE user_id = $1 AND family = $2 RETURNING token_hash`, userID, family)
}

func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return wrap(err, "session")
}

func (t *tx) TouchSession(ctx context.Context, tokenHash string, at time.Time, userAgent, address string) error {
	_, err := t.tx.Exec(ctx, `UPDATE sessions SET last_seen_at = $1,
		created_at = CASE WHEN created_at = 'epoch' THEN $1 ELSE created_at END,
		user_agent = CASE WHEN $2 = '' THEN user_agent ELSE $2 END,
		address = CASE WHEN $3 = '' THEN address ELSE $3 END
		WHERE token_hash = $4`, at, userAgent, address, tokenHash)
	return wrap(err, "session")
}

func (t *tx) Sessions(ctx context.Context, userID string, now time.Time) ([]dm.SessionInfo, error) {
	rows, err := t.tx.Query(ctx, `SELECT token_hash, created_at, last_seen_at, expires_at, user_agent, address
		FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash`, userID, now)
	if err != nil {
		return nil, wrap(err, "sessions")
	}
	defer rows.Close()
	out := []dm.SessionInfo{}
	epoch := time.Unix(0, 0)
	for rows.Next() {
		var si dm.SessionInfo
		if err := rows.Scan(&si.TokenHash, &si.CreatedAt, &si.LastSeenAt, &si.ExpiresAt, &si.UserAgent, &si.Address); err != nil {
			return nil, wrap(err, "sessions")
		}
		for _, p := range []*time.Time{&si.CreatedAt, &si.LastSeenAt} {
			if p.Equal(epoch) {
				*p = time.Time{}
			} else {
				*p = p.UTC()
			}
		}
		si.ExpiresAt = si.ExpiresAt.UTC()
		out = append(out, si)
	}
	return out, wrap(rows.Err(), "sessions")
}

func (t *tx) DeleteUserSessions(ctx context.Context, userID, exceptHash string) ([]string, error) {
	return t.ids(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash != $2 RETURNING token_hash`, userID, exceptHash)
}

// updateAccount runs an UPDATE of one account: ENOTFOUND if there is none.
func (t *tx) updateAccount(ctx context.Context, query string, args ...any) error {
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return wrap(err, "account")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account not found")
	}
	return nil
}

func (t *tx) SetPasswordHash(ctx context.Context, userID, hash string) error {
	return t.updateAccount(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, userID, hash)
}

func (t *tx) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := t.tx.QueryRow(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, userID).Scan(&h)
	return h, wrap(err, "account")
}

func (t *tx) CreatePasswordReset(ctx context.Context, tokenHash, userID string, created, expires time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, userID, created, expires)
	return wrap(err, "password reset")
}

func (t *tx) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	var userID string
	var expires time.Time
	err := t.tx.QueryRow(ctx, `DELETE FROM password_resets WHERE token_hash = $1 RETURNING user_id, expires_at`, tokenHash).Scan(&userID, &expires)
	if err != nil {
		return "", wrap(err, "password reset")
	}
	if !expires.After(now) {
		return "", dm.Errorf(dm.ENOTFOUND, "password reset not found")
	}
	return userID, nil
}

func (t *tx) SetRole(ctx context.Context, userID, role string) error {
	return t.updateAccount(ctx, `UPDATE accounts SET role = $2 WHERE id = $1`, userID, role)
}

func (t *tx) SetSuspended(ctx context.Context, userID string, at *time.Time) error {
	return t.updateAccount(ctx, `UPDATE accounts SET suspended_at = $2 WHERE id = $1`, userID, at)
}

func (t *tx) SetVerified(ctx context.Context, userID string, verified bool) error {
	return t.updateAccount(ctx, `UPDATE accounts SET verified = $2 WHERE id = $1`, userID, verified)
}
