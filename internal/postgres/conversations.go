package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps conversations and each member's view of them (folders) (dm.ConversationTx).
var _ dm.ConversationTx = (*tx)(nil)

// CreateConversation inserts the conversation and its members. A direct
// conversation carries direct_key, whose unique index makes a second direct
// conversation for the same pair impossible even when two nodes race: the
// second INSERT waits for the first to commit, then does nothing, and the
// caller gets ECONFLICT (and can read the winner's id).
func (t *tx) CreateConversation(ctx context.Context, c *dm.Conversation, members []dm.Membership) error {
	var key *string
	if c.Kind == dm.ConversationDirect {
		if len(members) != 2 || members[0].UserID == members[1].UserID {
			return dm.Errorf(dm.EINVALID, "A direct conversation has two members.")
		}
		k := dm.DirectKey(members[0].UserID, members[1].UserID)
		key = &k
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	var n int
	err := t.tx.QueryRow(ctx, `
		WITH c AS (
			INSERT INTO conversations (id, kind, title, created_at, updated_at, direct_key)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT DO NOTHING RETURNING id
		) SELECT count(*) FROM c`, c.ID, c.Kind, c.Title, c.CreatedAt, c.UpdatedAt, key).Scan(&n)
	if err != nil {
		return wrap(err, "conversation")
	}
	if n == 0 {
		if key != nil {
			return dm.Errorf(dm.ECONFLICT, "These two people already have a direct conversation.")
		}
		return dm.Errorf(dm.ECONFLICT, "conversation %s already exists", c.ID)
	}
	if len(members) > 0 {
		if err := t.insertMembers(ctx, c, members); err != nil {
			return err
		}
	}
	// The new row is locked by its INSERT; lock the members' logs too, in
	// order, for the events that follow.
	if err := t.lockLogs(ctx, c.ID); err != nil {
		return err
	}
	t.markLocked(c.ID)
	return nil
}

// insertMembers inserts members in the given order with one statement.
func (t *tx) insertMembers(ctx context.Context, c *dm.Conversation, members []dm.Membership) error {
	n := len(members)
	users, roles, statuses := make([]string, n), make([]string, n), make([]string, n)
	muted, archived := make([]bool, n), make([]bool, n)
	read, cleared := make([]int64, n), make([]int64, n)
	joined := make([]time.Time, n)
	for i, m := range members {
		users[i], roles[i], statuses[i] = m.UserID, m.Role, m.Status
		muted[i], archived[i] = m.Muted, m.Archived
		read[i], cleared[i] = m.LastReadSeq, m.ClearedSeq
		joined[i] = m.JoinedAt
		if joined[i].IsZero() {
			joined[i] = c.CreatedAt
		}
	}
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO members (conversation_id, user_id, role, status, muted, archived,
			last_read_seq, cleared_seq, hidden, joined_at, sort_at)
		SELECT $1, u.user_id, u.role, u.status, u.muted, u.archived,
			u.last_read_seq, u.cleared_seq, u.cleared_seq > 0, u.joined_at, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[],
			$8::bigint[], $9::bigint[], $10::timestamptz[])
			WITH ORDINALITY AS u(user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, n)
		ORDER BY u.n
		ON CONFLICT DO NOTHING`,
		c.ID, c.UpdatedAt, users, roles, statuses, muted, archived, read, cleared, joined)
	if err != nil {
		return wrap(err, "member")
	}
	if int(tag.RowsAffected()) != n {
		return dm.Errorf(dm.ECONFLICT, "a member is listed twice")
	}
	return nil
}

// DirectConversationID, in a write transaction, first takes an advisory lock
// on the pair, held until commit. Get-or-create ("look up, create if
// missing") then runs one at a time per pair across all nodes, as it does on
// SQLite's single writer: the second caller waits for the first to commit,
// and its lookup (a new statement, hence a new snapshot at READ COMMITTED)
// finds the conversation instead of failing on the unique index.
func (t *tx) DirectConversationID(ctx context.Context, aID, bID string) (string, error) {
	key := dm.DirectKey(aID, bID)
	if err := t.advisoryLock(ctx, "direct", key); err != nil {
		return "", err
	}
	var id string
	err := t.tx.QueryRow(ctx, `SELECT id FROM conversations WHERE direct_key = $1`, key).Scan(&id)
	return id, wrap(err, "direct conversation")
}

func (t *tx) Conversation(ctx context.Context, id, userID string) (*dm.Conversation, error) {
	cs, err := t.views(ctx, userID, []string{id})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, dm.Errorf(dm.ENOTFOUND, "conversation %s not found", id)
	}
	return &cs[0], nil
}

// folderWhere returns a folder's condition on members (m); each matches the
// predicate of one partial index of the migrations, so a page of a folder is
// one range scan, whatever the number of the user's conversations.
func folderWhere(folder string) (string, bool) {
	switch folder {
	case dm.FolderInbox:
		return `m.status = 'accepted' AND NOT m.archived AND NOT m.hidden`, true
	case dm.FolderRequests:
		return `m.status = 'request' AND NOT m.hidden`, true
	case dm.FolderArchived:
		// A request stays in Requests even when archived.
		return `m.status = 'accepted' AND m.archived AND NOT m.hidden`, true
	}
	return "", false
}

// FolderCounts reads, of the member's FolderCountScan most recently active
// conversations of each folder (one range of the folder's partial index),
// those not muted with a message the unread count would count, and the
// requests with a message (or groups), as Conversations lists them.
func (t *tx) FolderCounts(ctx context.Context, userID string, directOnly bool) (*dm.FolderCounts, error) {
	unread := func(folder string) ([]string, error) {
		where, _ := folderWhere(folder)
		return t.ids(ctx, `
			SELECT s.conversation_id FROM (
				SELECT m.conversation_id, m.user_id, m.sort_at, greatest(m.last_read_seq, m.cleared_seq) AS seen
				FROM members m WHERE m.user_id = $1 AND `+where+` AND NOT m.muted
				ORDER BY m.sort_at DESC, m.conversation_id DESC LIMIT $2) s
			JOIN conversations c ON c.id = s.conversation_id
			WHERE c.last_seq > s.seen AND (NOT $4 OR c.kind = 'direct') AND EXISTS (SELECT 1 FROM messages x
				WHERE x.conversation_id = s.conversation_id AND x.seq > s.seen
				  AND x.sender_id <> s.user_id AND NOT x.deleted
				  AND NOT EXISTS (SELECT 1 FROM hidden_messages h
					WHERE h.user_id = s.user_id AND h.conversation_id = s.conversation_id AND h.message_id = x.id))
			ORDER BY s.sort_at DESC, s.conversation_id DESC LIMIT $3`, userID, dm.FolderCountScan, dm.MaxFolderCount, directOnly)
	}
	var out dm.FolderCounts
	var err error
	if out.InboxUnread, err = unread(dm.FolderInbox); err != nil {
		return nil, err
	}
	if out.RequestsUnread, err = unread(dm.FolderRequests); err != nil {
		return nil, err
	}
	reqWhere, _ := folderWhere(dm.FolderRequests)
	out.Requests, err = t.ids(ctx, `
		SELECT s.conversation_id FROM (
			SELECT m.conversation_id, m.sort_at FROM members m WHERE m.user_id = $1 AND `+reqWhere+`
			ORDER BY m.sort_at DESC, m.conversation_id DESC LIMIT $2) s
		JOIN conversations c ON c.id = s.conversation_id
		WHERE (c.last_seq > 0 OR c.kind <> 'direct') AND (NOT $4 OR c.kind = 'direct')
		ORDER BY s.sort_at DESC, s.conversation_id DESC LIMIT $3`, userID, dm.FolderCountScan, dm.MaxFolderCount, directOnly)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Conversations pages a folder by (sort_at, conversation_id) descending; the
// cursor is the last row's key, "microseconds:id".
func (t *tx) Conversations(ctx context.Context, userID, folder, cursor string, limit int) ([]dm.Conversation, string, error) {
	where, ok := folderWhere(folder)
	if !ok {
		return nil, "", dm.Errorf(dm.EINVALID, "Unknown folder %q.", folder)
	}
	if limit <= 0 {
		limit = 50
	}
	args := []any{userID, limit + 1}
	if cursor != "" {
		us, id, ok := strings.Cut(cursor, ":")
		n, err := strconv.ParseInt(us, 10, 64)
		if !ok || err != nil || id == "" {
			return nil, "", dm.Errorf(dm.EINVALID, "Bad cursor.")
		}
		where += ` AND (m.sort_at, m.conversation_id) < ($3, $4)`
		args = append(args, time.UnixMicro(n).UTC(), id)
	}
	// A direct conversation without a message yet is in no list, the other
	// person's Requests included: pressing Message on a profile must tell
	// nobody anything until something is sent (a group is listed at once:
	// being added to one is news). The check is one primary-key probe per
	// row of the range, which stays one scan of the folder's index.
	rows, err := t.tx.Query(ctx, `
		SELECT m.conversation_id, m.sort_at FROM members m
		WHERE m.user_id = $1 AND `+where+`
		  AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id
		    AND (c.last_seq > 0 OR c.kind <> 'direct'))
		ORDER BY m.sort_at DESC, m.conversation_id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, "", wrap(err, "conversations")
	}
	var ids []string
	var keys []time.Time
	for rows.Next() {
		var id string
		var key time.Time
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return nil, "", wrap(err, "conversations")
		}
		ids = append(ids, id)
		keys = append(keys, key)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "conversations")
	}
	next := ""
	if len(ids) > limit {
		ids = ids[:limit]
		next = fmt.Sprintf("%d:%s", keys[limit-1].UnixMicro(), ids[limit-1])
	}
	cs, err := t.views(ctx, userID, ids)
	if err != nil {
		return nil, "", err
	}
	return cs, next, nil
}

// views builds the conversations ids as member userID sees them, in the order
// of ids, leaving out those userID is not a member of. Its three queries
// (conversations with the member's state, members, last messages) go in one
// batch: one round trip however many ids there are.
func (t *tx) views(ctx context.Context, userID string, ids []string) ([]dm.Conversation, error) {
	if len(ids) == 0 {
		return []dm.Conversation{}, nil
	}
	b := &pgx.Batch{}
	// The unread count is an index-only range scan of messages_seq from
	// the member's read marker, minus the few of those messages the member
	// hid (one range of hidden_messages), rather than a per-message probe.
	b.Queue(`
		SELECT c.id, c.kind, c.title, c.created_at, c.updated_at,
			m.status, m.muted, m.archived, m.last_read_seq,
			(SELECT count(*) FROM messages x
			 WHERE x.conversation_id = c.id AND x.seq > greatest(m.last_read_seq, m.cleared_seq)
			   AND x.sender_id <> m.user_id AND NOT x.deleted)
			- (SELECT count(*) FROM hidden_messages h JOIN messages x ON x.id = h.message_id
			   WHERE h.user_id = m.user_id AND h.conversation_id = c.id
			     AND x.seq > greatest(m.last_read_seq, m.cleared_seq)
			     AND x.sender_id <> m.user_id AND NOT x.deleted)
		FROM members m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.user_id = $1 AND m.conversation_id = ANY($2)`, userID, ids)
	// Members of conversations userID is not in are never shown: the first
	// query leaves those conversations out. Whether a member is suspended
	// shows to Bluesky clients (chatDisabled).
	b.Queue(`
		SELECT m.conversation_id, a.id, a.handle, a.display_name, a.suspended_at IS NOT NULL, m.role
		FROM members m JOIN accounts a ON a.id = m.user_id
		WHERE m.conversation_id = ANY($1)
		ORDER BY m.conversation_id, m.ord`, ids)
	// The last message, kept on the conversation row, unless the member
	// cleared it.
	b.Queue(messageQuery(`WHERE x.id IN (
			SELECT c.last_message_id FROM conversations c JOIN members m ON m.conversation_id = c.id
			WHERE m.user_id = $1 AND c.id = ANY($2) AND c.last_seq > m.cleared_seq)`, 2), userID, ids, userID)
	br := t.tx.SendBatch(ctx, b)
	defer br.Close()

	rows, err := br.Query()
	if err != nil {
		return nil, wrap(err, "conversation")
	}
	byID := make(map[string]*dm.Conversation, len(ids))
	for rows.Next() {
		var c dm.Conversation
		if err := rows.Scan(&c.ID, &c.Kind, &c.Title, &c.CreatedAt, &c.UpdatedAt,
			&c.Status, &c.Muted, &c.Archived, &c.LastReadSeq, &c.UnreadCount); err != nil {
			rows.Close()
			return nil, wrap(err, "conversation")
		}
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		c.Members = []dm.Member{}
		byID[c.ID] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "conversation")
	}

	rows, err = br.Query()
	if err != nil {
		return nil, wrap(err, "members")
	}
	for rows.Next() {
		var cid string
		var mb dm.Member
		if err := rows.Scan(&cid, &mb.ID, &mb.Handle, &mb.DisplayName, &mb.Suspended, &mb.Role); err != nil {
			rows.Close()
			return nil, wrap(err, "members")
		}
		if c := byID[cid]; c != nil {
			c.Members = append(c.Members, mb)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "members")
	}

	rows, err = br.Query()
	if err != nil {
		return nil, wrap(err, "messages")
	}
	msgs, err := collectMessages(rows)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if c := byID[msgs[i].ConversationID]; c != nil {
			c.LastMessage = &msgs[i]
		}
	}
	if err := br.Close(); err != nil {
		return nil, wrap(err, "conversation")
	}

	out := make([]dm.Conversation, 0, len(byID))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			out = append(out, *c)
		}
	}
	return out, nil
}

// SetTitle renames a conversation and moves it to the top of its members'
// folders, since at becomes its UpdatedAt (the folder order).
func (t *tx) SetTitle(ctx context.Context, conversationID, title string, at time.Time) error {
	if err := t.lockConversation(ctx, conversationID); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `
		WITH c AS (UPDATE conversations SET title = $2, updated_at = $3 WHERE id = $1)
		UPDATE members SET sort_at = $3 WHERE conversation_id = $1`, conversationID, title, at)
	return wrap(err, "conversation")
}
