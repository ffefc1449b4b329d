package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps messages, reactions and messages hidden by one member (dm.MessageTx).
var _ dm.MessageTx = (*tx)(nil)

const messageColumns = `m.conversation_id, m.seq, m.id, m.sender_id, a.handle, a.display_name,
	m.text, m.reply_to, m.created_at, m.edited_at, m.deleted, a.suspended_at IS NOT NULL, a.verified`

func scanMessage(s scanner) (*dm.Message, error) {
	var m dm.Message
	var created int64
	var edited sql.NullInt64
	if err := s.Scan(&m.ConversationID, &m.Seq, &m.ID, &m.Sender.ID, &m.Sender.Handle, &m.Sender.DisplayName,
		&m.Text, &m.ReplyTo, &created, &edited, &m.Deleted, &m.Sender.Suspended, &m.Sender.Verified); err != nil {
		return nil, err
	}
	m.CreatedAt = utc(created)
	m.EditedAt = nullUTC(edited)
	m.Reactions = []dm.Reaction{}
	return &m, nil
}

// InsertMessage is three statements: the insert takes seq from the
// conversation row (so a failed insert, such as a repeated client_id,
// changes nothing), then the conversation and its members' folder keys move.
func (t *tx) InsertMessage(ctx context.Context, m *dm.Message, clientID string) error {
	at := ms(m.CreatedAt)
	err := t.queryRow(ctx, `INSERT INTO messages
		(conversation_id, seq, id, sender_id, text, reply_to, created_at, edited_at, deleted, client_id)
		SELECT c.id, c.last_seq + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM conversations c WHERE c.id = ?
		RETURNING seq`,
		m.ID, m.Sender.ID, m.Text, m.ReplyTo, at, nullMS(m.EditedAt), m.Deleted, nullString(clientID), m.ConversationID).Scan(&m.Seq)
	if err != nil {
		if err == sql.ErrNoRows {
			return dm.Errorf(dm.ENOTFOUND, "conversation not found")
		}
		return wrap(err, "message")
	}
	if _, err := t.exec(ctx, `UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?`, m.Seq, at, m.ConversationID); err != nil {
		return wrap(err, "message")
	}
	if _, err := t.exec(ctx, `UPDATE members SET last_seq = ?, active_at = ? WHERE conversation_id = ?`, m.Seq, at, m.ConversationID); err != nil {
		return wrap(err, "message")
	}
	if m.Reactions == nil {
		m.Reactions = []dm.Reaction{}
	}
	if !m.Deleted && m.Text != "" {
		t.c.search = append(t.c.search, searchRow{m.ConversationID, m.Seq})
	}
	return nil
}

// searchRow names a message whose text the batch indexes for search.
type searchRow struct {
	conv string
	seq  int64
}

// Search indexing happens after the acknowledgement (migration 0960,
// searchqueue.go): a batch only queues its new messages, in one statement
// outside the savepoints, and the indexer moves them into message_fts
// later, many batches at a time.
const (
	// qQueueSearch queues the batch's new messages for the indexer.
	qQueueSearch = `INSERT INTO search_queue (conversation_id, seq) SELECT value ->> 0, value ->> 1 FROM json_each(?1)`
	// qIndexQueued indexes the queued messages up to an id under their
	// search rowid (the conversation's ordinal in the high 32 bits, the
	// seq in the low: see migration 0310). A message edited since it was
	// queued was indexed by messages_search_update already, and a deleted
	// one must not be: hence the NOT EXISTS and the WHERE. The rows go in
	// in rowid order: FTS5 writes its pending terms out as a new segment
	// whenever a rowid is lower than the one before, so rows in arrival
	// order made a segment (and merges) for nearly every message.
	qIndexQueued = `INSERT INTO message_fts (rowid, text)
		SELECT DISTINCT sc.ord << 32 | m.seq, m.text FROM search_queue q
		JOIN messages m ON m.conversation_id = q.conversation_id AND m.seq = q.seq
		JOIN search_conversations sc ON sc.conversation_id = m.conversation_id
		WHERE q.id <= ?1 AND NOT m.deleted AND m.text <> ''
		AND NOT EXISTS (SELECT 1 FROM message_fts f WHERE f.rowid = sc.ord << 32 | m.seq)
		ORDER BY 1`
)

// flushSearch queues the batch's new messages for search (see
// qQueueSearch), empties the list and returns the id of the last row it
// queued (0: none). It runs on the writer between the last RELEASE and
// COMMIT, so the queue rows are committed with the messages or not at all.
func (c *conn) flushSearch(ctx context.Context) (int64, error) {
	if len(c.search) == 0 {
		return 0, nil
	}
	keys := make([]any, len(c.search))
	for i, r := range c.search {
		keys[i] = []any{r.conv, r.seq}
	}
	c.search = c.search[:0]
	list, err := json.Marshal(keys)
	if err != nil {
		return 0, err
	}
	t := &tx{c: c, write: true}
	res, err := t.exec(ctx, qQueueSearch, string(list))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (t *tx) MessageByClientID(ctx context.Context, senderID, clientID string) (*dm.Message, error) {
	if clientID == "" || t.preparedClientID(senderID, clientID) {
		return nil, dm.Errorf(dm.ENOTFOUND, "message not found")
	}
	m, err := scanMessage(t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages m CROSS JOIN accounts a ON a.id = m.sender_id
		WHERE m.sender_id = ? AND m.client_id = ?`, senderID, clientID))
	if err != nil {
		return nil, wrap(err, "message")
	}
	return m, t.fillReactions(ctx, []*dm.Message{m}, senderID)
}

func (t *tx) Message(ctx context.Context, id, viewerID string) (*dm.Message, error) {
	m, err := scanMessage(t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages m CROSS JOIN accounts a ON a.id = m.sender_id
		WHERE m.id = ?`, id))
	if err != nil {
		return nil, wrap(err, "message")
	}
	return m, t.fillReactions(ctx, []*dm.Message{m}, viewerID)
}

// qMessagesPage is one range of the messages primary key, minus what the
// viewer cleared or hid. The senders are read after it, once each
// (qSenders): a page of 50 has one or two of them, not 50 account lookups.
const qMessagesPage = `SELECT m.conversation_id, m.seq, m.id, m.sender_id, m.text, m.reply_to, m.created_at, m.edited_at, m.deleted
	FROM messages m
	WHERE m.conversation_id = ?1 AND m.seq < ?2
	AND m.seq > coalesce((SELECT cleared_seq FROM members WHERE conversation_id = ?1 AND user_id = ?3), 0)
	AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?3 AND h.conversation_id = ?1 AND h.seq = m.seq)
	ORDER BY m.seq DESC LIMIT ?4`

// qReactionsOf summarises the reactions of a seq range, emojis by first use.
const qReactionsOf = `SELECT seq, emoji, count(*), max(user_id = ?4), min(id) AS first
	FROM reactions WHERE conversation_id = ?1 AND seq BETWEEN ?2 AND ?3
	GROUP BY seq, emoji ORDER BY seq, first`

func (t *tx) Messages(ctx context.Context, conversationID, viewerID string, beforeSeq int64, limit int) ([]dm.Message, error) {
	if beforeSeq <= 0 {
		beforeSeq = 1<<63 - 1
	}
	rows, err := t.query(ctx, qMessagesPage, conversationID, beforeSeq, viewerID, limitOr(limit, 50))
	if err != nil {
		return nil, wrap(err, "messages")
	}
	defer rows.Close()
	var page []*dm.Message
	var senders []string
	for rows.Next() {
		var m dm.Message
		var created int64
		var edited sql.NullInt64
		if err := rows.Scan(&m.ConversationID, &m.Seq, &m.ID, &m.Sender.ID, &m.Text, &m.ReplyTo, &created, &edited, &m.Deleted); err != nil {
			return nil, wrap(err, "messages")
		}
		m.CreatedAt, m.EditedAt, m.Reactions = utc(created), nullUTC(edited), []dm.Reaction{}
		if !slices.Contains(senders, m.Sender.ID) {
			senders = append(senders, m.Sender.ID)
		}
		page = append(page, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "messages")
	}
	rows.Close()
	if page, err = t.fillSenders(ctx, page, senders); err != nil {
		return nil, err
	}
	if err := t.fillReactions(ctx, page, viewerID); err != nil {
		return nil, err
	}
	out := make([]dm.Message, len(page))
	for i, m := range page {
		out[i] = *m
	}
	return out, nil
}

// qSenders reads the profiles of a page's senders (a JSON array of ids).
const qSenders = `SELECT id, handle, display_name, suspended_at IS NOT NULL, verified FROM accounts
	WHERE id IN (SELECT value FROM json_each(?))`

// fillSenders sets the sender profile of each message of a page from one
// read of its distinct senders (ids). A message whose sender has no account
// is left out, as a join with accounts would (accounts are never deleted).
func (t *tx) fillSenders(ctx context.Context, page []*dm.Message, ids []string) ([]*dm.Message, error) {
	if len(page) == 0 {
		return page, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, qSenders, string(list))
	if err != nil {
		return nil, wrap(err, "senders")
	}
	defer rows.Close()
	profiles := make([]dm.Profile, 0, len(ids))
	for rows.Next() {
		var p dm.Profile
		if err := rows.Scan(&p.ID, &p.Handle, &p.DisplayName, &p.Suspended, &p.Verified); err != nil {
			return nil, wrap(err, "senders")
		}
		profiles = append(profiles, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "senders")
	}
	kept := page[:0]
	for _, m := range page {
		i := slices.IndexFunc(profiles, func(p dm.Profile) bool { return p.ID == m.Sender.ID })
		if i < 0 {
			continue
		}
		m.Sender = profiles[i]
		kept = append(kept, m)
	}
	return kept, nil
}

// fillReactions loads the reactions of messages of one conversation (a
// page, newest first) in one range query, emojis in order of first use.
func (t *tx) fillReactions(ctx context.Context, msgs []*dm.Message, viewerID string) error {
	if len(msgs) == 0 {
		return nil
	}
	lo, hi := msgs[0].Seq, msgs[0].Seq
	bySeq := make(map[int64]*dm.Message, len(msgs))
	for _, m := range msgs {
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
		bySeq[m.Seq] = m
	}
	rows, err := t.query(ctx, qReactionsOf, msgs[0].ConversationID, lo, hi, viewerID)
	if err != nil {
		return wrap(err, "reactions")
	}
	defer rows.Close()
	for rows.Next() {
		var seq, first int64
		var r dm.Reaction
		if err := rows.Scan(&seq, &r.Emoji, &r.Count, &r.Me, &first); err != nil {
			return wrap(err, "reactions")
		}
		if m := bySeq[seq]; m != nil {
			m.Reactions = append(m.Reactions, r)
		}
	}
	return wrap(rows.Err(), "reactions")
}

func (t *tx) UpdateMessage(ctx context.Context, m *dm.Message) error {
	var convID string
	var seq int64
	// An edit never brings back a message deleted for everyone (the
	// contract both stores keep; PostgreSQL's callers can race a delete).
	err := t.queryRow(ctx, `UPDATE messages SET text = ?, edited_at = ?, deleted = ? WHERE id = ? AND (NOT deleted OR ?3) RETURNING conversation_id, seq`,
		m.Text, nullMS(m.EditedAt), m.Deleted, m.ID).Scan(&convID, &seq)
	if err == sql.ErrNoRows {
		if _, _, err := t.locate(ctx, m.ID); err != nil {
			return err
		}
		return dm.ErrMessageDeleted()
	}
	if err != nil {
		return wrap(err, "message")
	}
	if m.Deleted {
		if _, err := t.exec(ctx, `DELETE FROM reactions WHERE conversation_id = ? AND seq = ?`, convID, seq); err != nil {
			return wrap(err, "message")
		}
		m.Reactions = []dm.Reaction{}
	}
	return nil
}

// qGoneMessages lists the ids of a JSON array that the viewer (?2) can no
// longer see: each id is one probe of the messages id index, then of the
// viewer's membership and hidden messages.
const qGoneMessages = `SELECT j.value FROM json_each(?1) j
	WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = j.value AND NOT m.deleted
		AND m.seq > coalesce((SELECT cleared_seq FROM members WHERE conversation_id = m.conversation_id AND user_id = ?2), 0)
		AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?2 AND h.conversation_id = m.conversation_id AND h.seq = m.seq))`

func (t *tx) GoneMessages(ctx context.Context, viewerID string, ids []string) (map[string]bool, error) {
	gone := map[string]bool{}
	if len(ids) == 0 {
		return gone, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	found, err := t.ids(ctx, qGoneMessages, string(list), viewerID)
	if err != nil {
		return nil, fmt.Errorf("gone messages: %w", err)
	}
	for _, id := range found {
		gone[id] = true
	}
	return gone, nil
}

// locate finds the (conversation_id, seq) key of a message id.
func (t *tx) locate(ctx context.Context, messageID string) (string, int64, error) {
	var convID string
	var seq int64
	err := t.queryRow(ctx, `SELECT conversation_id, seq FROM messages WHERE id = ?`, messageID).Scan(&convID, &seq)
	return convID, seq, wrap(err, "message")
}

func (t *tx) HideMessage(ctx context.Context, messageID, userID string) error {
	convID, seq, err := t.locate(ctx, messageID)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO hidden_messages (user_id, conversation_id, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		userID, convID, seq)
	return wrap(err, "message")
}

func (t *tx) SetReaction(ctx context.Context, messageID, userID, emoji string, on bool) (bool, error) {
	var convID string
	var seq int64
	var deleted bool
	err := t.queryRow(ctx, `SELECT conversation_id, seq, deleted FROM messages WHERE id = ?`, messageID).Scan(&convID, &seq, &deleted)
	if err != nil {
		return false, wrap(err, "message")
	}
	if on && deleted {
		return false, dm.ErrMessageDeleted()
	}
	q := `INSERT INTO reactions (conversation_id, seq, emoji, user_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`
	if !on {
		q = `DELETE FROM reactions WHERE conversation_id = ? AND seq = ? AND emoji = ? AND user_id = ?`
	}
	n, err := t.affected(ctx, q, convID, seq, emoji, userID)
	return n > 0, wrap(err, "reaction")
}
