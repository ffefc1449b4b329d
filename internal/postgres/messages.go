package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps messages, reactions and messages hidden by one member (dm.MessageTx).
var _ dm.MessageTx = (*tx)(nil)

// messageSelect selects messages (x) with their sender (a) and, as JSON, their
// reactions as the viewer sees them: per emoji the count and whether the
// viewer is among the reactors, emoji in order of first use. The reactions
// come in the same statement so that loading messages is one round trip.
// %d is the number of the viewer's parameter.
const messageSelect = `SELECT x.id, x.conversation_id, x.seq, x.sender_id, a.handle, a.display_name,
	x.text, x.reply_to, x.created_at, x.edited_at, x.deleted,
	(SELECT json_agg(json_build_object('emoji', q.emoji, 'count', q.n, 'me', q.me) ORDER BY q.first)
	 FROM (SELECT r.emoji, count(*) AS n, bool_or(r.user_id = $%d) AS me, min(r.id) AS first
	       FROM reactions r WHERE r.message_id = x.id GROUP BY r.emoji) q),
	a.suspended_at IS NOT NULL, a.verified
	FROM messages x JOIN accounts a ON a.id = x.sender_id `

// messageQuery returns messageSelect followed by tail, the viewer being the
// parameter after the nargs of tail.
func messageQuery(tail string, nargs int) string {
	return fmt.Sprintf(messageSelect, nargs+1) + tail
}

// queryMessages runs messageSelect with a WHERE (and ORDER BY) tail whose
// arguments are args.
func (t *tx) queryMessages(ctx context.Context, viewerID, tail string, args ...any) ([]dm.Message, error) {
	rows, err := t.tx.Query(ctx, messageQuery(tail, len(args)), append(args, viewerID)...)
	if err != nil {
		return nil, wrap(err, "messages")
	}
	return collectMessages(rows)
}

func collectMessages(rows pgx.Rows) ([]dm.Message, error) {
	defer rows.Close()
	out := []dm.Message{}
	for rows.Next() {
		var m dm.Message
		var reactions []byte
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.Sender.ID, &m.Sender.Handle, &m.Sender.DisplayName,
			&m.Text, &m.ReplyTo, &m.CreatedAt, &m.EditedAt, &m.Deleted, &reactions, &m.Sender.Suspended, &m.Sender.Verified); err != nil {
			return nil, wrap(err, "messages")
		}
		m.CreatedAt = m.CreatedAt.UTC()
		if m.EditedAt != nil {
			e := m.EditedAt.UTC()
			m.EditedAt = &e
		}
		m.Reactions = []dm.Reaction{}
		if reactions != nil {
			if err := json.Unmarshal(reactions, &m.Reactions); err != nil {
				return nil, fmt.Errorf("postgres: reactions of %s: %w", m.ID, err)
			}
		}
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "messages")
}

// InsertMessage appends m to its conversation.
//
// The seq comes from `UPDATE conversations SET last_seq = last_seq + 1 ...
// RETURNING last_seq` on the conversation row, under the row lock that
// lockConversation took first. This keeps seqs gap-free and in commit order
// under any number of concurrent writers on any number of nodes:
//   - the row lock is held until commit or rollback, so a second writer of
//     the same conversation waits, and at READ COMMITTED PostgreSQL then
//     re-reads the row's newest committed version: it gets N+1, never N again;
//   - seq N+1 can only be taken after the transaction holding N has
//     committed, so a reader never sees N+1 before N;
//   - a rollback undoes the increment with the rest, so it leaves no gap
//     (a PostgreSQL sequence would: nextval is never rolled back, and its
//     values commit in any order).
//
// The unique index on (conversation_id, seq) is a second guard. A duplicate id
// or client_id is ECONFLICT; ON CONFLICT DO NOTHING reports it without
// aborting the transaction, and the increment is then undone by hand (safe:
// this transaction still holds the row lock, so nobody saw it).
func (t *tx) InsertMessage(ctx context.Context, m *dm.Message, clientID string) error {
	if m.ID == "" {
		m.ID = dm.NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	if err := t.lockConversation(ctx, m.ConversationID); err != nil {
		return err
	}
	var cid *string
	if clientID != "" {
		cid = &clientID
	}
	if last, ok := t.convSeq[m.ConversationID]; ok && (clientID == "" || t.noClientID == m.Sender.ID+"\x00"+clientID) {
		// A prepared send (send.go): the row is locked and its last_seq
		// known, so the message is numbered here and its insert waits in
		// the queue. It checks its own conflict: the insert and both
		// updates happen together or the transaction fails as below.
		seq := last + 1
		t.pipe.queueStmt("message", queuedInsertSQL,
			m.ID, m.ConversationID, m.Sender.ID, m.Text, m.ReplyTo, cid, m.EditedAt, m.CreatedAt, m.Deleted, seq,
			dm.ECONFLICT, fmt.Sprintf("message %s or its client_id already exists", m.ID))
		t.queuedInsert = queuedInsert{conv: m.ConversationID, sender: m.Sender.ID, flushes: t.pipe.flushes, n: len(t.pipe.stmts)}
		t.convSeq[m.ConversationID] = seq
		m.Seq = seq
		if m.Reactions == nil {
			m.Reactions = []dm.Reaction{}
		}
		return nil
	}
	var seq int64
	var inserted bool
	var oldUpdated time.Time
	var oldLast *string
	err := t.tx.QueryRow(ctx, `
		WITH o AS (
			SELECT updated_at, last_message_id FROM conversations WHERE id = $2
		), s AS (
			UPDATE conversations SET last_seq = last_seq + 1, last_message_id = $1, updated_at = $8
			WHERE id = $2 RETURNING last_seq
		), ins AS (
			INSERT INTO messages (id, conversation_id, seq, sender_id, text, reply_to, client_id, created_at, edited_at, deleted)
			SELECT $1, $2, s.last_seq, $3, $4, $5, $6, $8, $7, $9 FROM s
			ON CONFLICT DO NOTHING RETURNING seq
		), mb AS (
			UPDATE members SET sort_at = $8, hidden = false FROM ins WHERE members.conversation_id = $2
		)
		SELECT s.last_seq, EXISTS (SELECT 1 FROM ins), o.updated_at, o.last_message_id FROM s, o`,
		m.ID, m.ConversationID, m.Sender.ID, m.Text, m.ReplyTo, cid, m.EditedAt, m.CreatedAt, m.Deleted).
		Scan(&seq, &inserted, &oldUpdated, &oldLast)
	if err != nil {
		return wrap(err, "message")
	}
	if !inserted {
		if _, err := t.tx.Exec(ctx, `UPDATE conversations SET last_seq = last_seq - 1, last_message_id = $2, updated_at = $3
			WHERE id = $1`, m.ConversationID, oldLast, oldUpdated); err != nil {
			return wrap(err, "message")
		}
		return dm.Errorf(dm.ECONFLICT, "message %s or its client_id already exists", m.ID)
	}
	m.Seq = seq
	if _, ok := t.convSeq[m.ConversationID]; ok {
		t.convSeq[m.ConversationID] = seq
	}
	if m.Reactions == nil {
		m.Reactions = []dm.Reaction{}
	}
	return nil
}

// queuedInsertHead is the message insert and the conversation's update of
// a prepared send, as CTEs ins and s: $10 is the seq. Both queued forms
// below go on with their own update of the members (mb).
const queuedInsertHead = `
	WITH ins AS (
		INSERT INTO messages (id, conversation_id, seq, sender_id, text, reply_to, client_id, created_at, edited_at, deleted)
		VALUES ($1, $2, $10, $3, $4, $5, $6, $8, $7, $9)
		ON CONFLICT DO NOTHING RETURNING 1
	), s AS (
		UPDATE conversations SET last_seq = $10, last_message_id = $1, updated_at = $8
		WHERE id = $2 AND EXISTS (SELECT 1 FROM ins)
	), `

// queuedInsertSQL is InsertMessage in a prepared send, queued: $11 and $12
// are the code and message of a conflict.
const queuedInsertSQL = queuedInsertHead + `mb AS (
		UPDATE members SET sort_at = $8, hidden = false WHERE conversation_id = $2 AND EXISTS (SELECT 1 FROM ins)
	)
	SELECT parley_expect(EXISTS (SELECT 1 FROM ins), $11, $12)`

// queuedInsertMemberSQL is queuedInsertSQL followed by the sender's
// UpdateMembership ($13-$19: user, status, muted, archived, last_read_seq,
// cleared_seq, role; $20 the message if they are not a member), in one
// update of the members: each row changes once, not twice. The checks come
// in the order of the calls.
const queuedInsertMemberSQL = queuedInsertHead + `mb AS (
		UPDATE members SET sort_at = $8,
			hidden = user_id = $13 AND $18::bigint > 0 AND $18::bigint >= $10::bigint,
			status = CASE WHEN user_id = $13 THEN $14 ELSE status END,
			muted = CASE WHEN user_id = $13 THEN $15 ELSE muted END,
			archived = CASE WHEN user_id = $13 THEN $16 ELSE archived END,
			last_read_seq = CASE WHEN user_id = $13 THEN $17 ELSE last_read_seq END,
			cleared_seq = CASE WHEN user_id = $13 THEN $18 ELSE cleared_seq END,
			role = CASE WHEN user_id = $13 THEN $19 ELSE role END
		WHERE conversation_id = $2 AND EXISTS (SELECT 1 FROM ins)
		RETURNING user_id
	)
	SELECT parley_expect(EXISTS (SELECT 1 FROM ins), $11, $12),
		parley_expect(EXISTS (SELECT 1 FROM mb WHERE user_id = $13), 'not_found', $20)`

// queuedInsert is where a prepared send's insert waits: the n-th queued
// statement since the queue's flushes-th batch.
type queuedInsert struct {
	conv, sender string
	flushes, n   int
}

// MessageByClientID, in a write transaction, first takes an advisory lock on
// (sender, client_id), held until commit, for the same reason as
// DirectConversationID: two retries of one send racing on two nodes run one
// after the other, and the second finds the first's message rather than
// failing on the unique index.
func (t *tx) MessageByClientID(ctx context.Context, senderID, clientID string) (*dm.Message, error) {
	tail := `WHERE x.sender_id = $1 AND x.client_id = $2`
	var ms []dm.Message
	var err error
	if m, ok := t.preparedClientID(senderID, clientID); ok {
		ms = []dm.Message{}
		if m != nil {
			ms = append(ms, *m)
		}
	} else if t.write {
		// The lock and the lookup in one round trip.
		b := &pgx.Batch{}
		b.Queue(advisoryLockSQL, "parley.client_id."+senderID+":"+clientID)
		b.Queue(messageQuery(tail, 2), senderID, clientID, senderID)
		br := t.tx.SendBatch(ctx, b)
		_, err = br.Exec()
		if err == nil {
			var rows pgx.Rows
			if rows, err = br.Query(); err == nil {
				ms, err = collectMessages(rows)
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		err = wrap(err, "message")
	} else {
		ms, err = t.queryMessages(ctx, senderID, tail, senderID, clientID)
	}
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, dm.Errorf(dm.ENOTFOUND, "message not found")
	}
	return &ms[0], nil
}

func (t *tx) Message(ctx context.Context, id, viewerID string) (*dm.Message, error) {
	ms, err := t.queryMessages(ctx, viewerID, `WHERE x.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, dm.Errorf(dm.ENOTFOUND, "message %s not found", id)
	}
	return &ms[0], nil
}

// Messages is one backward range scan of messages_seq.
func (t *tx) Messages(ctx context.Context, conversationID, viewerID string, beforeSeq int64, limit int) ([]dm.Message, error) {
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	if limit <= 0 {
		limit = 50
	}
	return t.queryMessages(ctx, viewerID, `
		WHERE x.conversation_id = $1 AND x.seq < $3
		  AND x.seq > coalesce((SELECT cleared_seq FROM members WHERE conversation_id = $1 AND user_id = $2), 0)
		  AND NOT EXISTS (SELECT 1 FROM hidden_messages h
		                  WHERE h.user_id = $2 AND h.conversation_id = x.conversation_id AND h.message_id = x.id)
		ORDER BY x.seq DESC LIMIT $4`, conversationID, viewerID, beforeSeq, limit)
}

func (t *tx) UpdateMessage(ctx context.Context, m *dm.Message) error {
	if _, err := t.lockMessageConversation(ctx, m.ID); err != nil {
		return err
	}
	// The caller decided on a read taken before the lock: a delete for
	// everyone that committed in between is seen now (a new statement
	// after the lock), and an edit does not bring the message back.
	tag, err := t.tx.Exec(ctx, `
		WITH r AS (DELETE FROM reactions WHERE message_id = $1 AND $4)
		UPDATE messages SET text = $2, edited_at = $3, deleted = $4 WHERE id = $1 AND (NOT deleted OR $4)`,
		m.ID, m.Text, m.EditedAt, m.Deleted)
	if err != nil {
		return wrap(err, "message")
	}
	if tag.RowsAffected() == 0 {
		return dm.ErrMessageDeleted()
	}
	if m.Deleted {
		m.Reactions = []dm.Reaction{}
	}
	return nil
}

func (t *tx) GoneMessages(ctx context.Context, viewerID string, ids []string) (map[string]bool, error) {
	gone := map[string]bool{}
	if len(ids) == 0 {
		return gone, nil
	}
	found, err := t.ids(ctx, `
		SELECT x FROM unnest($1::text[]) AS x
		WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = x AND NOT m.deleted
			AND m.seq > coalesce((SELECT cleared_seq FROM members WHERE conversation_id = m.conversation_id AND user_id = $2), 0)
			AND NOT EXISTS (SELECT 1 FROM hidden_messages h
			                WHERE h.user_id = $2 AND h.conversation_id = m.conversation_id AND h.message_id = m.id))`, ids, viewerID)
	if err != nil {
		return nil, fmt.Errorf("gone messages: %w", err)
	}
	for _, id := range found {
		gone[id] = true
	}
	return gone, nil
}

func (t *tx) HideMessage(ctx context.Context, messageID, userID string) error {
	// INSERT ... SELECT: an unknown message inserts nothing instead of
	// failing the transaction on the foreign key.
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO hidden_messages (user_id, conversation_id, message_id)
		SELECT $2, conversation_id, id FROM messages WHERE id = $1
		ON CONFLICT DO NOTHING`, messageID, userID)
	if err != nil {
		return wrap(err, "message")
	}
	if tag.RowsAffected() == 0 {
		return t.messageExists(ctx, messageID)
	}
	return nil
}

func (t *tx) messageExists(ctx context.Context, id string) error {
	var ok bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE id = $1)`, id).Scan(&ok); err != nil {
		return wrap(err, "message")
	}
	if !ok {
		return dm.Errorf(dm.ENOTFOUND, "message %s not found", id)
	}
	return nil
}

func (t *tx) SetReaction(ctx context.Context, messageID, userID, emoji string, on bool) (bool, error) {
	if _, err := t.lockMessageConversation(ctx, messageID); err != nil {
		return false, err
	}
	q := `DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3`
	if on {
		// Not on a message deleted for everyone, even by a delete that
		// committed after the caller's read (seen now, after the lock).
		q = `INSERT INTO reactions (message_id, user_id, emoji)
			SELECT $1, $2, $3 FROM messages WHERE id = $1 AND NOT deleted
			ON CONFLICT DO NOTHING`
	}
	tag, err := t.tx.Exec(ctx, q, messageID, userID, emoji)
	if err != nil {
		return false, wrap(err, "reaction")
	}
	if on && tag.RowsAffected() == 0 {
		var deleted bool
		if err := t.tx.QueryRow(ctx, `SELECT deleted FROM messages WHERE id = $1`, messageID).Scan(&deleted); err != nil {
			return false, wrap(err, "message")
		}
		if deleted {
			return false, dm.ErrMessageDeleted()
		}
	}
	return tag.RowsAffected() == 1, nil
}
