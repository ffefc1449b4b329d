package sqlite

import (
	"context"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps accounts, their settings and password hashes, and sessions (dm.AccountTx).
var _ dm.AccountTx = (*tx)(nil)

const accountColumns = `a.id, a.handle, a.display_name, a.bio, a.kind, a.created_at`

func scanAccount(s scanner, extra ...any) (*dm.Account, error) {
	var a dm.Account
	var created int64
	dest := append([]any{&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &created}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt = utc(created)
	return &a, nil
}

// accountFlagColumns follow accountColumns where the moderation flags are
// read too (an account by id or handle, a session's account).
const accountFlagColumns = accountColumns + `, a.role, a.suspended_at IS NOT NULL, a.verified`

func scanFlaggedAccount(s scanner, extra ...any) (*dm.Account, error) {
	var a dm.Account
	var created int64
	dest := append([]any{&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &created, &a.Role, &a.Suspended, &a.Verified}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt = utc(created)
	return &a, nil
}

func (t *tx) CreateAccount(ctx context.Context, a *dm.Account, s dm.Settings, passwordHash string) error {
	_, err := t.exec(ctx, `INSERT INTO accounts
		(id, handle, display_name, bio, kind, created_at, password_hash, allow_incoming, read_receipts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Handle, a.DisplayName, a.Bio, a.Kind, ms(a.CreatedAt), passwordHash, s.AllowIncoming, s.ReadReceipts)
	return wrap(err, "account "+a.Handle)
}

func (t *tx) Account(ctx context.Context, id string) (*dm.Account, error) {
	a, err := scanFlaggedAccount(t.queryRow(ctx, `SELECT `+accountFlagColumns+` FROM accounts a WHERE a.id = ?`, id))
	return a, wrap(err, "account")
}

func (t *tx) AccountByHandle(ctx context.Context, handle string) (*dm.Account, error) {
	a, err := scanFlaggedAccount(t.queryRow(ctx, `SELECT `+accountFlagColumns+` FROM accounts a WHERE a.handle = ?`, handle))
	return a, wrap(err, "account @"+handle)
}

func (t *tx) Credentials(ctx context.Context, handle string) (*dm.Account, string, error) {
	var hash string
	a, err := scanFlaggedAccount(t.queryRow(ctx, `SELECT `+accountFlagColumns+`, a.password_hash FROM accounts a WHERE a.handle = ?`, handle), &hash)
	if err != nil {
		return nil, "", wrap(err, "account @"+handle)
	}
	return a, hash, nil
}

func (t *tx) Settings(ctx context.Context, userID string) (dm.Settings, error) {
	var s dm.Settings
	err := t.queryRow(ctx, `SELECT allow_incoming, read_receipts, time_zone FROM accounts WHERE id = ?`, userID).Scan(&s.AllowIncoming, &s.ReadReceipts, &s.TimeZone)
	return s, wrap(err, "account")
}

func (t *tx) UpdateAccount(ctx context.Context, a *dm.Account, s dm.Settings) error {
	n, err := t.affected(ctx, `UPDATE accounts SET display_name = ?, bio = ?, allow_incoming = ?, read_receipts = ?, time_zone = ? WHERE id = ?`,
		a.DisplayName, a.Bio, s.AllowIncoming, s.ReadReceipts, s.TimeZone, a.ID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account not found")
	}
	return wrap(err, "account")
}

const (
	qSearchHandles = `SELECT ` + accountColumns + ` FROM accounts a
		WHERE a.handle >= ?1 AND a.handle < ?2 ORDER BY a.handle LIMIT ?3`
	qSearchNames = `SELECT ` + accountColumns + ` FROM accounts a
		WHERE a.display_name >= ?1 AND a.display_name < ?2 AND NOT (a.handle >= ?1 AND a.handle < ?2)
		ORDER BY a.display_name LIMIT ?3`
)

// SearchAccounts reads two ranges of NOCASE indexes: handles starting with
// query in handle order, then display names starting with it (for accounts
// not found by handle) in display name order. U+10FFFF sorts after every
// character that can follow the prefix.
func (t *tx) SearchAccounts(ctx context.Context, query string, limit int) ([]dm.Account, error) {
	limit = limitOr(limit, 20)
	hi := query + "\U0010FFFF"
	out := []dm.Account{}
	for _, q := range []string{qSearchHandles, qSearchNames} {
		if len(out) == limit {
			break
		}
		rows, err := t.query(ctx, q, query, hi, limit-len(out))
		if err != nil {
			return nil, wrap(err, "accounts")
		}
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				rows.Close()
				return nil, wrap(err, "accounts")
			}
			out = append(out, *a)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap(err, "accounts")
		}
	}
	return out, nil
}

func (t *tx) CreateSession(ctx context.Context, tokenHash, userID string, expires time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)`, tokenHash, userID, ms(expires))
	return wrap(err, "session")
}

func (t *tx) SessionAccount(ctx context.Context, tokenHash string, now time.Time) (*dm.Account, error) {
	a, err := scanFlaggedAccount(t.queryRow(ctx, `SELECT `+accountFlagColumns+` FROM sessions s JOIN accounts a ON a.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, ms(now)))
	return a, wrap(err, "session")
}

func (t *tx) ShortenSession(ctx context.Context, tokenHash string, expires time.Time) error {
	_, err := t.exec(ctx, `UPDATE sessions SET expires_at = min(expires_at, ?) WHERE token_hash = ?`, ms(expires), tokenHash)
	return wrap(err, "session")
}

func (t *tx) SetSessionFamily(ctx context.Context, tokenHash, family string) error {
	_, err := t.exec(ctx, `UPDATE sessions SET family = ? WHERE token_hash = ?`, family, tokenHash)
	return wrap(err, "session")
}

func (t *tx) SessionFamily(ctx context.Context, tokenHash string) (string, string, error) {
	var userID, family string
	err := t.queryRow(ctx, `SELECT user_id, family FROM sessions WHERE token_hash = ?`, tokenHash).Scan(&userID, &family)
	return userID, family, wrap(err, "session")
}

func (t *tx) DeleteSessionFamily(ctx context.Context, userID, family string) ([]string, error) {
	if family == "" {
		return nil, dm.Errorf(dm.EINVALID, "no session family")
	}
	return t.ids(ctx, `DELETE FROM sessions WHERE user_id = ? AND family = ? RETURNING token_hash`, userID, family)
}

func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return wrap(err, "session")
}

func (t *tx) TouchSession(ctx context.Context, tokenHash string, at time.Time, userAgent, address string) error {
	_, err := t.exec(ctx, `UPDATE sessions SET last_seen_at = ?1,
		created_at = CASE WHEN created_at = 0 THEN ?1 ELSE created_at END,
		user_agent = CASE WHEN ?2 = '' THEN user_agent ELSE ?2 END,
		address = CASE WHEN ?3 = '' THEN address ELSE ?3 END
		WHERE token_hash = ?4`, ms(at), userAgent, address, tokenHash)
	return wrap(err, "session")
}

func (t *tx) Sessions(ctx context.Context, userID string, now time.Time) ([]dm.SessionInfo, error) {
	rows, err := t.query(ctx, `SELECT token_hash, created_at, last_seen_at, expires_at, user_agent, address
		FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, token_hash`, userID, ms(now))
	if err != nil {
		return nil, wrap(err, "sessions")
	}
	defer rows.Close()
	out := []dm.SessionInfo{}
	for rows.Next() {
		var si dm.SessionInfo
		var created, seen, expires int64
		if err := rows.Scan(&si.TokenHash, &created, &seen, &expires, &si.UserAgent, &si.Address); err != nil {
			return nil, wrap(err, "sessions")
		}
		if created > 0 {
			si.CreatedAt = utc(created)
		}
		if seen > 0 {
			si.LastSeenAt = utc(seen)
		}
		si.ExpiresAt = utc(expires)
		out = append(out, si)
	}
	return out, wrap(rows.Err(), "sessions")
}

func (t *tx) DeleteUserSessions(ctx context.Context, userID, exceptHash string) ([]string, error) {
	return t.ids(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash != ? RETURNING token_hash`, userID, exceptHash)
}

func (t *tx) SetPasswordHash(ctx context.Context, userID, hash string) error {
	n, err := t.affected(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, hash, userID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account not found")
	}
	return wrap(err, "account")
}

func (t *tx) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := t.queryRow(ctx, `SELECT password_hash FROM accounts WHERE id = ?`, userID).Scan(&h)
	return h, wrap(err, "account")
}

func (t *tx) CreatePasswordReset(ctx context.Context, tokenHash, userID string, created, expires time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, userID, ms(created), ms(expires))
	return wrap(err, "password reset")
}

func (t *tx) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	var userID string
	var expires int64
	err := t.queryRow(ctx, `DELETE FROM password_resets WHERE token_hash = ? RETURNING user_id, expires_at`, tokenHash).Scan(&userID, &expires)
	if err != nil {
		return "", wrap(err, "password reset")
	}
	if expires <= ms(now) {
		return "", dm.Errorf(dm.ENOTFOUND, "password reset not found")
	}
	return userID, nil
}

func (t *tx) SetRole(ctx context.Context, userID, role string) error {
	n, err := t.affected(ctx, `UPDATE accounts SET role = ? WHERE id = ?`, role, userID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account not found")
	}
	return wrap(err, "account")
}

func (t *tx) SetSuspended(ctx context.Context, userID string, at *time.Time) error {
	n, err := t.affected(ctx, `UPDATE accounts SET suspended_at = ? WHERE id = ?`, nullMS(at), userID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account not found")
	}
	return wrap(err, "account")
}

func (t *tx) SetVerified(ctx context.Context, userID string, verified bool) error {
	n, err := t.affected(ctx, `UPDATE accounts SET verified = ? WHERE id = ?`, verified, userID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "account not found")
	}
	return wrap(err, "account")
}
