package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps conversations and each member's view of them (folders) (dm.ConversationTx).
var _ dm.ConversationTx = (*tx)(nil)

func (t *tx) CreateConversation(ctx context.Context, c *dm.Conversation, members []dm.Membership) error {
	var key any
	if c.Kind == dm.ConversationDirect {
		if len(members) != 2 || members[0].UserID == members[1].UserID {
			return dm.Errorf(dm.EINVALID, "A direct conversation has two members.")
		}
		key = dm.DirectKey(members[0].UserID, members[1].UserID)
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	_, err := t.exec(ctx, `INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, c.Title, key, ms(c.CreatedAt), ms(c.UpdatedAt))
	if err != nil {
		return wrap(err, "conversation")
	}
	for i := range members {
		m := members[i]
		m.ConversationID = c.ID
		if m.JoinedAt.IsZero() {
			m.JoinedAt = c.CreatedAt
		}
		if err := t.AddMembership(ctx, &m); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) DirectConversationID(ctx context.Context, aID, bID string) (string, error) {
	var id string
	err := t.queryRow(ctx, `SELECT id FROM conversations WHERE direct_key = ?`, dm.DirectKey(aID, bID)).Scan(&id)
	return id, wrap(err, "conversation")
}

// viewQuery selects a conversation as member mb sees it: the unread count
// counts others' messages after max(last read, cleared) that are neither
// deleted for everyone nor hidden by the viewer (a range of the messages
// primary key); the last message is the newest one unless it was cleared.
const viewQuery = `SELECT c.id, c.kind, c.title, c.created_at, c.updated_at,
		mb.status, mb.muted, mb.archived, mb.last_read_seq, mb.active_at,
		(SELECT count(*) FROM messages x
			WHERE x.conversation_id = mb.conversation_id
			AND x.seq > max(mb.last_read_seq, mb.cleared_seq)
			AND x.sender_id <> mb.user_id AND x.deleted = 0
			AND NOT EXISTS (SELECT 1 FROM hidden_messages h
				WHERE h.user_id = mb.user_id AND h.conversation_id = x.conversation_id AND h.seq = x.seq)),
		lm.seq, lm.id, lm.sender_id, la.handle, la.display_name, lm.text, lm.reply_to, lm.created_at, lm.edited_at, lm.deleted,
		mb.ord, mb.user_id, va.handle, va.display_name, va.suspended_at IS NOT NULL, mb.role,
		om.ord, om.user_id, oa.handle, oa.display_name, oa.suspended_at IS NOT NULL, om.role
	FROM members mb
	CROSS JOIN conversations c ON c.id = mb.conversation_id
	LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = c.last_seq AND c.last_seq > mb.cleared_seq
	LEFT JOIN accounts la ON la.id = lm.sender_id
	LEFT JOIN accounts va ON va.id = mb.user_id
	LEFT JOIN members om ON c.kind = 'direct' AND om.conversation_id = c.id AND om.user_id <> mb.user_id
		AND (SELECT count(*) FROM members n WHERE n.conversation_id = c.id) = 2
	LEFT JOIN accounts oa ON oa.id = om.user_id
`

// scanView scans one row of viewQuery; it returns the member's active_at
// (the folder ordering key) for the cursor, and whether the row carried
// all the members. It does for a direct conversation of two members (the
// viewer and the other, joined in the row, which spares the page a second
// query); the members of the others come from fillMembers.
func scanView(s scanner) (*dm.Conversation, int64, bool, error) {
	var c dm.Conversation
	var created, updated, active int64
	var lmSeq, lmCreated, lmEdited sql.NullInt64
	var lmID, lmSender, lmHandle, lmName, lmText, lmReply sql.NullString
	var lmDeleted sql.NullBool
	var me, other dm.Member
	var meOrd int64
	var meHandle, meName sql.NullString
	var otherOrd sql.NullInt64
	var otherID, otherHandle, otherName, otherRole sql.NullString
	err := s.Scan(&c.ID, &c.Kind, &c.Title, &created, &updated,
		&c.Status, &c.Muted, &c.Archived, &c.LastReadSeq, &active, &c.UnreadCount,
		&lmSeq, &lmID, &lmSender, &lmHandle, &lmName, &lmText, &lmReply, &lmCreated, &lmEdited, &lmDeleted,
		&meOrd, &me.ID, &meHandle, &meName, &me.Suspended, &me.Role, &otherOrd, &otherID, &otherHandle, &otherName, &other.Suspended, &otherRole)
	if err != nil {
		return nil, 0, false, err
	}
	c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
	if lmSeq.Valid {
		c.LastMessage = &dm.Message{
			ID:             lmID.String,
			ConversationID: c.ID,
			Seq:            lmSeq.Int64,
			Sender:         dm.Profile{ID: lmSender.String, Handle: lmHandle.String, DisplayName: lmName.String},
			Text:           lmText.String,
			ReplyTo:        lmReply.String,
			Reactions:      []dm.Reaction{},
			CreatedAt:      utc(lmCreated.Int64),
			EditedAt:       nullUTC(lmEdited),
			Deleted:        lmDeleted.Bool,
		}
	}
	c.Members = []dm.Member{}
	// Without the accounts rows (which foreign keys promise) fillMembers
	// decides, as it does for every other conversation.
	filled := otherOrd.Valid && meHandle.Valid && otherHandle.Valid
	if filled {
		me.Handle, me.DisplayName = meHandle.String, meName.String
		other.Profile = dm.Profile{ID: otherID.String, Handle: otherHandle.String, DisplayName: otherName.String, Suspended: other.Suspended}
		other.Role = otherRole.String
		c.Members = make([]dm.Member, 0, 2)
		if meOrd < otherOrd.Int64 {
			c.Members = append(c.Members, me, other)
		} else {
			c.Members = append(c.Members, other, me)
		}
	}
	return &c, active, filled, nil
}

func (t *tx) Conversation(ctx context.Context, id, userID string) (*dm.Conversation, error) {
	c, _, filled, err := scanView(t.queryRow(ctx, viewQuery+`WHERE mb.conversation_id = ? AND mb.user_id = ?`, id, userID))
	if err != nil {
		return nil, wrap(err, "conversation")
	}
	if !filled {
		if err := t.fillMembers(ctx, []*dm.Conversation{c}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// qFolderPage is one range of members_folder. A direct conversation
// without a message yet is in no list, the other person's Requests included:
// pressing Message on a profile must tell nobody anything until something is
// sent (a group is listed at once: being added to one is news).
const qFolderPage = viewQuery + `WHERE mb.user_id = ?1 AND mb.folder = ?2
	AND (mb.last_seq > 0 OR c.kind <> 'direct')
	AND (mb.active_at, mb.conversation_id) < (?3, ?4)
	ORDER BY mb.active_at DESC, mb.conversation_id DESC LIMIT ?5`

// qMembersOf lists the members of a JSON array of conversation ids, with
// whether each is suspended (Bluesky clients show them as chatDisabled).
const qMembersOf = `SELECT mb.conversation_id, a.id, a.handle, a.display_name, a.suspended_at IS NOT NULL, mb.role
	FROM members mb CROSS JOIN accounts a ON a.id = mb.user_id
	WHERE mb.conversation_id IN (SELECT value FROM json_each(?))
	ORDER BY mb.conversation_id, mb.ord`

var folders = map[string]int{dm.FolderInbox: 1, dm.FolderRequests: 2, dm.FolderArchived: 3}

// Conversations pages a folder by (active_at, conversation_id) descending,
// one range of members_folder; the cursor is "active_at.conversation_id" of
// the last conversation returned.
func (t *tx) Conversations(ctx context.Context, userID, folder, cursor string, limit int) ([]dm.Conversation, string, error) {
	code, ok := folders[folder]
	if !ok {
		return nil, "", dm.Errorf(dm.EINVALID, "Unknown folder %q.", folder)
	}
	beforeAt, beforeID := int64(1<<63-1), ""
	if cursor != "" {
		at, id, ok := strings.Cut(cursor, ".")
		v, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || id == "" {
			return nil, "", dm.Errorf(dm.EINVALID, "Invalid cursor.")
		}
		beforeAt, beforeID = v, id
	}
	limit = limitOr(limit, 50)
	rows, err := t.query(ctx, qFolderPage, userID, code, beforeAt, beforeID, limit+1)
	if err != nil {
		return nil, "", wrap(err, "conversations")
	}
	defer rows.Close()
	var page, unfilled []*dm.Conversation
	var actives []int64
	for rows.Next() {
		c, active, filled, err := scanView(rows)
		if err != nil {
			return nil, "", wrap(err, "conversations")
		}
		page = append(page, c)
		actives = append(actives, active)
		if !filled && len(page) <= limit {
			unfilled = append(unfilled, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "conversations")
	}
	rows.Close()
	next := ""
	if len(page) > limit {
		page = page[:limit]
		next = strconv.FormatInt(actives[limit-1], 10) + "." + page[limit-1].ID
	}
	if err := t.fillMembers(ctx, unfilled); err != nil {
		return nil, "", err
	}
	out := make([]dm.Conversation, len(page))
	for i, c := range page {
		out[i] = *c
	}
	return out, next, nil
}

// qUnreadIn lists, of the member's FolderCountScan most recently active
// conversations of folder ?4 (one range of members_folder), those not
// muted with a message the viewQuery would count as unread, groups only
// when ?5 is 0; qRequests lists the requests with a message (or groups), as
// qFolderPage does.
const (
	qUnreadIn = `SELECT s.conversation_id FROM (
		SELECT mb.conversation_id, mb.user_id, mb.active_at, mb.muted, max(mb.last_read_seq, mb.cleared_seq) AS seen, mb.last_seq
		FROM members mb WHERE mb.user_id = ?1 AND mb.folder = ?4
		ORDER BY mb.active_at DESC, mb.conversation_id DESC LIMIT ?2) s
	CROSS JOIN conversations c ON c.id = s.conversation_id
	WHERE s.muted = 0 AND s.last_seq > s.seen AND (?5 = 0 OR c.kind = 'direct')
	AND EXISTS (SELECT 1 FROM messages x
		WHERE x.conversation_id = s.conversation_id AND x.seq > s.seen
		AND x.sender_id <> s.user_id AND x.deleted = 0
		AND NOT EXISTS (SELECT 1 FROM hidden_messages h
			WHERE h.user_id = s.user_id AND h.conversation_id = x.conversation_id AND h.seq = x.seq))
	ORDER BY s.active_at DESC, s.conversation_id DESC LIMIT ?3`
	qRequests = `SELECT s.conversation_id FROM (
		SELECT mb.conversation_id, mb.active_at, mb.last_seq
		FROM members mb WHERE mb.user_id = ?1 AND mb.folder = 2
		ORDER BY mb.active_at DESC, mb.conversation_id DESC LIMIT ?2) s
	CROSS JOIN conversations c ON c.id = s.conversation_id
	WHERE (s.last_seq > 0 OR c.kind <> 'direct') AND (?4 = 0 OR c.kind = 'direct')
	ORDER BY s.active_at DESC, s.conversation_id DESC LIMIT ?3`
)

func (t *tx) FolderCounts(ctx context.Context, userID string, directOnly bool) (*dm.FolderCounts, error) {
	var out dm.FolderCounts
	var err error
	if out.InboxUnread, err = t.ids(ctx, qUnreadIn, userID, dm.FolderCountScan, dm.MaxFolderCount, folders[dm.FolderInbox], directOnly); err != nil {
		return nil, err
	}
	if out.RequestsUnread, err = t.ids(ctx, qUnreadIn, userID, dm.FolderCountScan, dm.MaxFolderCount, folders[dm.FolderRequests], directOnly); err != nil {
		return nil, err
	}
	if out.Requests, err = t.ids(ctx, qRequests, userID, dm.FolderCountScan, dm.MaxFolderCount, directOnly); err != nil {
		return nil, err
	}
	return &out, nil
}

// fillMembers loads the members of a page of conversations in one query.
func (t *tx) fillMembers(ctx context.Context, convs []*dm.Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	ids := make([]string, len(convs))
	byID := make(map[string]*dm.Conversation, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
		byID[c.ID] = c
	}
	list, _ := json.Marshal(ids)
	rows, err := t.query(ctx, qMembersOf, string(list))
	if err != nil {
		return wrap(err, "members")
	}
	defer rows.Close()
	for rows.Next() {
		var convID string
		var m dm.Member
		if err := rows.Scan(&convID, &m.ID, &m.Handle, &m.DisplayName, &m.Suspended, &m.Role); err != nil {
			return wrap(err, "members")
		}
		if c := byID[convID]; c != nil {
			c.Members = append(c.Members, m)
		}
	}
	return wrap(rows.Err(), "members")
}

func (t *tx) SetTitle(ctx context.Context, conversationID, title string, at time.Time) error {
	n, err := t.affected(ctx, `UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?`, title, ms(at), conversationID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "conversation not found")
	}
	if err != nil {
		return wrap(err, "conversation")
	}
	// The folders order by the conversation's updated_at.
	_, err = t.exec(ctx, `UPDATE members SET active_at = ? WHERE conversation_id = ?`, ms(at), conversationID)
	return wrap(err, "conversation")
}
