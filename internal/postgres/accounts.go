package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// tx is one transaction; it implements dm.Tx.
type tx struct {
	tx pgx.Tx
	// write is true in Update, false in View.
	write bool
	// locked remembers the conversations whose write locks this transaction
	// already holds (see lockConversation).
	locked map[string]bool
}

var _ dm.Tx = (*tx)(nil)

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
	err := t.tx.QueryRow(ctx, `SELECT allow_incoming, read_receipts FROM accounts WHERE id = $1`, userID).
		Scan(&s.AllowIncoming, &s.ReadReceipts)
	return s, wrap(err, "account")
}

func (t *tx) UpdateAccount(ctx context.Context, a *dm.Account, s dm.Settings) error {
	tag, err := t.tx.Exec(ctx, `
		UPDATE accounts SET display_name = $2, bio = $3, allow_incoming = $4, read_receipts = $5
		WHERE id = $1`, a.ID, a.DisplayName, a.Bio, s.AllowIncoming, s.ReadReceipts)
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

// The social graph.

func (t *tx) SetFollow(ctx context.Context, followerID, followeeID string, on bool) error {
	// The counters change only when a row did; both accounts are updated by
	// one statement (one primary-key scan, in id order), so that "a follows
	// b" and "b follows a" at once lock the two rows in the same order.
	q := `WITH f AS (
			DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING -1 AS d
		)`
	if on {
		q = `WITH f AS (
			INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS d
		)`
	}
	_, err := t.tx.Exec(ctx, q+`
		UPDATE accounts SET
			following_count = following_count + CASE WHEN id = $1 THEN f.d ELSE 0 END,
			followers_count = followers_count + CASE WHEN id = $2 THEN f.d ELSE 0 END
		FROM f WHERE id IN ($1, $2)`, followerID, followeeID)
	return wrap(err, "follow")
}

func (t *tx) SetBlock(ctx context.Context, blockerID, blockedID string, on bool) error {
	var err error
	if on {
		_, err = t.tx.Exec(ctx, `INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			blockerID, blockedID)
	} else {
		_, err = t.tx.Exec(ctx, `DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2`, blockerID, blockedID)
	}
	return wrap(err, "block")
}

func (t *tx) Relationship(ctx context.Context, aID, bID string) (dm.Relationship, error) {
	var r dm.Relationship
	err := t.tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2),
		EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1)`, aID, bID).
		Scan(&r.AFollowsB, &r.BFollowsA, &r.ABlocksB, &r.BBlocksA)
	return r, wrap(err, "relationship")
}

func (t *tx) FollowCounts(ctx context.Context, userID string) (followers, following int, err error) {
	err = t.tx.QueryRow(ctx, `SELECT followers_count, following_count FROM accounts WHERE id = $1`, userID).
		Scan(&followers, &following)
	return followers, following, wrap(err, "follow counts")
}

func (t *tx) Followers(ctx context.Context, userID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `followee_id`, `follower_id`, userID, cursor, limit)
}

func (t *tx) Following(ctx context.Context, userID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `follower_id`, `followee_id`, userID, cursor, limit)
}

func (t *tx) Blocked(ctx context.Context, userID, cursor string, limit int) ([]dm.Account, string, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := t.tx.Query(ctx, `
		SELECT `+accountCols+` FROM blocks b JOIN accounts a ON a.id = b.blocked_id
		WHERE b.blocker_id = $1 AND a.handle > $2
		ORDER BY a.handle LIMIT $3`, userID, cursor, limit+1)
	if err != nil {
		return nil, "", wrap(err, "blocks")
	}
	defer rows.Close()
	out := []dm.Account{}
	for rows.Next() {
		var a dm.Account
		if err := rows.Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &a.CreatedAt); err != nil {
			return nil, "", wrap(err, "blocks")
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
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

// follows pages one side of the follow graph, newest follow first; the
// cursor is the follows.id of the last row returned.
func (t *tx) follows(ctx context.Context, by, other, userID, cursor string, limit int) ([]dm.Account, string, error) {
	if limit <= 0 {
		limit = 50
	}
	before := int64(1<<63 - 1)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, "", dm.Errorf(dm.EINVALID, "Bad cursor.")
		}
		before = n
	}
	rows, err := t.tx.Query(ctx, `
		SELECT `+accountCols+`, f.id FROM follows f JOIN accounts a ON a.id = f.`+other+`
		WHERE f.`+by+` = $1 AND f.id < $2
		ORDER BY f.id DESC LIMIT $3`, userID, before, limit+1)
	if err != nil {
		return nil, "", wrap(err, "follows")
	}
	defer rows.Close()
	out := []dm.Account{}
	var ids []int64
	for rows.Next() {
		var a dm.Account
		var id int64
		if err := rows.Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &a.CreatedAt, &id); err != nil {
			return nil, "", wrap(err, "follows")
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
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
