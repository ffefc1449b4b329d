package sqlite

import (
	"context"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

const accountColumns = `a.id, a.handle, a.display_name, a.bio, a.kind, a.created_at`

type scanner interface{ Scan(dest ...any) error }

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

func (t *tx) CreateAccount(ctx context.Context, a *dm.Account, s dm.Settings, passwordHash string) error {
	_, err := t.exec(ctx, `INSERT INTO accounts
		(id, handle, display_name, bio, kind, created_at, password_hash, allow_incoming, read_receipts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Handle, a.DisplayName, a.Bio, a.Kind, ms(a.CreatedAt), passwordHash, s.AllowIncoming, s.ReadReceipts)
	return wrap(err, "account "+a.Handle)
}

func (t *tx) Account(ctx context.Context, id string) (*dm.Account, error) {
	a, err := scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = ?`, id))
	return a, wrap(err, "account")
}

func (t *tx) AccountByHandle(ctx context.Context, handle string) (*dm.Account, error) {
	a, err := scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.handle = ?`, handle))
	return a, wrap(err, "account @"+handle)
}

func (t *tx) Credentials(ctx context.Context, handle string) (*dm.Account, string, error) {
	var hash string
	a, err := scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+`, a.password_hash FROM accounts a WHERE a.handle = ?`, handle), &hash)
	if err != nil {
		return nil, "", wrap(err, "account @"+handle)
	}
	return a, hash, nil
}

func (t *tx) Settings(ctx context.Context, userID string) (dm.Settings, error) {
	var s dm.Settings
	err := t.queryRow(ctx, `SELECT allow_incoming, read_receipts FROM accounts WHERE id = ?`, userID).Scan(&s.AllowIncoming, &s.ReadReceipts)
	return s, wrap(err, "account")
}

func (t *tx) UpdateAccount(ctx context.Context, a *dm.Account, s dm.Settings) error {
	n, err := t.affected(ctx, `UPDATE accounts SET display_name = ?, bio = ?, allow_incoming = ?, read_receipts = ? WHERE id = ?`,
		a.DisplayName, a.Bio, s.AllowIncoming, s.ReadReceipts, a.ID)
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
	a, err := scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+` FROM sessions s JOIN accounts a ON a.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, ms(now)))
	return a, wrap(err, "session")
}

func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return wrap(err, "session")
}

func (t *tx) SetFollow(ctx context.Context, followerID, followeeID string, on bool) error {
	q := `INSERT INTO follows (follower_id, followee_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	delta := 1
	if !on {
		q = `DELETE FROM follows WHERE follower_id = ? AND followee_id = ?`
		delta = -1
	}
	n, err := t.affected(ctx, q, followerID, followeeID)
	if err != nil || n == 0 {
		return wrap(err, "account")
	}
	_, err = t.exec(ctx, `UPDATE accounts SET
			following_count = following_count + CASE WHEN id = ?1 THEN ?3 ELSE 0 END,
			followers_count = followers_count + CASE WHEN id = ?2 THEN ?3 ELSE 0 END
		WHERE id IN (?1, ?2)`, followerID, followeeID, delta)
	return wrap(err, "account")
}

func (t *tx) SetBlock(ctx context.Context, blockerID, blockedID string, on bool) error {
	q := `INSERT INTO blocks (blocker_id, blocked_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	if !on {
		q = `DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?`
	}
	_, err := t.exec(ctx, q, blockerID, blockedID)
	return wrap(err, "account")
}

func (t *tx) Relationship(ctx context.Context, aID, bID string) (dm.Relationship, error) {
	var r dm.Relationship
	err := t.queryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM follows WHERE follower_id = ?1 AND followee_id = ?2),
			EXISTS (SELECT 1 FROM follows WHERE follower_id = ?2 AND followee_id = ?1),
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ?1 AND blocked_id = ?2),
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ?2 AND blocked_id = ?1)`, aID, bID).
		Scan(&r.AFollowsB, &r.BFollowsA, &r.ABlocksB, &r.BBlocksA)
	return r, wrap(err, "relationship")
}

func (t *tx) FollowCounts(ctx context.Context, userID string) (followers, following int, err error) {
	err = t.queryRow(ctx, `SELECT followers_count, following_count FROM accounts WHERE id = ?`, userID).Scan(&followers, &following)
	return followers, following, wrap(err, "account")
}

func (t *tx) Followers(ctx context.Context, userID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `SELECT f.id, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.id < ? ORDER BY f.id DESC LIMIT ?`, userID, cursor, limit)
}

func (t *tx) Following(ctx context.Context, userID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `SELECT f.id, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.followee_id
		WHERE f.follower_id = ? AND f.id < ? ORDER BY f.id DESC LIMIT ?`, userID, cursor, limit)
}

func (t *tx) Blocked(ctx context.Context, userID, cursor string, limit int) ([]dm.Account, string, error) {
	limit = limitOr(limit, 50)
	rows, err := t.query(ctx, `SELECT `+accountColumns+` FROM blocks b JOIN accounts a ON a.id = b.blocked_id
		WHERE b.blocker_id = ? AND a.handle > ? ORDER BY a.handle LIMIT ?`, userID, cursor, limit+1)
	if err != nil {
		return nil, "", wrap(err, "blocks")
	}
	defer rows.Close()
	out := []dm.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, "", wrap(err, "blocks")
		}
		out = append(out, *a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "blocks")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Handle
	}
	return out, next, nil
}

// follows pages a follow list newest first; the cursor is the follows rowid
// of the last account returned.
func (t *tx) follows(ctx context.Context, query, userID, cursor string, limit int) ([]dm.Account, string, error) {
	before := int64(1<<63 - 1)
	if cursor != "" {
		var err error
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", dm.Errorf(dm.EINVALID, "Invalid cursor.")
		}
	}
	limit = limitOr(limit, 50)
	rows, err := t.query(ctx, query, userID, before, limit+1)
	if err != nil {
		return nil, "", wrap(err, "follows")
	}
	defer rows.Close()
	out := []dm.Account{}
	var ids []int64
	for rows.Next() {
		var id int64
		a, err := scanAccount(scanFirst{rows, &id})
		if err != nil {
			return nil, "", wrap(err, "follows")
		}
		out = append(out, *a)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "follows")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(ids[limit-1], 10)
	}
	return out, next, nil
}

// scanFirst scans one extra leading column into first.
type scanFirst struct {
	s     scanner
	first any
}

func (f scanFirst) Scan(dest ...any) error {
	return f.s.Scan(append([]any{f.first}, dest...)...)
}
