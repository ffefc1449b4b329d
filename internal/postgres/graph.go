package postgres

import (
	"context"
	"strconv"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the social graph: follows (with their counters) and blocks (dm.GraphTx).
var _ dm.GraphTx = (*tx)(nil)

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
	if r, ok := t.preparedRelationship(aID, bID); ok {
		return r, nil
	}
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

func (t *tx) Followers(ctx context.Context, userID, viewerID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `followee_id`, `follower_id`, userID, viewerID, cursor, limit)
}

func (t *tx) Following(ctx context.Context, userID, viewerID, cursor string, limit int) ([]dm.Account, string, error) {
	return t.follows(ctx, `follower_id`, `followee_id`, userID, viewerID, cursor, limit)
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
// follows pages a follow list, leaving out the accounts in a block with
// viewerID either way (two primary-key probes a row).
func (t *tx) follows(ctx context.Context, by, other, userID, viewerID, cursor string, limit int) ([]dm.Account, string, error) {
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
		AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = a.id AND blocked_id = $4)
		AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $4 AND blocked_id = a.id)
		ORDER BY f.id DESC LIMIT $3`, userID, before, limit+1, viewerID)
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
