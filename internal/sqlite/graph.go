package sqlite

import (
	"context"
	"strconv"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the social graph: follows (with their counters) and blocks (dm.GraphTx).
var _ dm.GraphTx = (*tx)(nil)

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
	if r, ok := t.preparedRelationship(aID, bID); ok {
		return r, nil
	}
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

func (t *tx) Followers(ctx context.Context, userID, viewerID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `SELECT f.id, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.follower_id
		WHERE f.followee_id = ?1 AND f.id < ?2`+notBlockedWith+` ORDER BY f.id DESC LIMIT ?3`, userID, viewerID, cursor, limit)
}

func (t *tx) Following(ctx context.Context, userID, viewerID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `SELECT f.id, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.followee_id
		WHERE f.follower_id = ?1 AND f.id < ?2`+notBlockedWith+` ORDER BY f.id DESC LIMIT ?3`, userID, viewerID, cursor, limit)
}

// notBlockedWith leaves out of a follow list the accounts (a) in a block
// with the viewer (?4), either way: two primary-key probes a row.
const notBlockedWith = `
		AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = a.id AND blocked_id = ?4)
		AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ?4 AND blocked_id = a.id)`

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
func (t *tx) follows(ctx context.Context, query, userID, viewerID, cursor string, limit int) ([]dm.Account, string, error) {
	before := int64(1<<63 - 1)
	if cursor != "" {
		var err error
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", dm.Errorf(dm.EINVALID, "Invalid cursor.")
		}
	}
	limit = limitOr(limit, 50)
	rows, err := t.query(ctx, query, userID, before, limit+1, viewerID)
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
