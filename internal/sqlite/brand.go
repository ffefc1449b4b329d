package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the brand layer (dm.BrandTx); the tables are in
// migrations/0100_brand.sql.

var _ dm.BrandTx = (*tx)(nil)

func (t *tx) PutTeamMember(ctx context.Context, m *dm.TeamMember) error {
	_, err := t.exec(ctx, `INSERT INTO brand_team (brand_id, user_id, role, available, added_at, permissions) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (brand_id, user_id) DO UPDATE SET role = excluded.role, available = excluded.available, permissions = excluded.permissions`,
		m.BrandID, m.UserID, m.Role, m.Available, ms(m.AddedAt), strings.Join(m.Permissions, ","))
	return wrap(err, "team member")
}

const teamCols = `brand_id, user_id, role, available, added_at, permissions`

func scanTeamMember(r interface{ Scan(...any) error }) (*dm.TeamMember, error) {
	var m dm.TeamMember
	var added int64
	var perms string
	if err := r.Scan(&m.BrandID, &m.UserID, &m.Role, &m.Available, &added, &perms); err != nil {
		return nil, err
	}
	m.AddedAt = utc(added)
	m.Permissions = splitPerms(perms)
	return &m, nil
}

func (t *tx) TeamMember(ctx context.Context, brandID, userID string) (*dm.TeamMember, error) {
	m, err := scanTeamMember(t.queryRow(ctx, `SELECT `+teamCols+` FROM brand_team WHERE brand_id = ? AND user_id = ?`, brandID, userID))
	return m, wrap(err, "team member")
}

func (t *tx) teamList(ctx context.Context, query string, arg string) ([]dm.TeamMember, error) {
	rows, err := t.query(ctx, query, arg)
	if err != nil {
		return nil, wrap(err, "team")
	}
	defer rows.Close()
	out := []dm.TeamMember{}
	for rows.Next() {
		m, err := scanTeamMember(rows)
		if err != nil {
			return nil, wrap(err, "team")
		}
		out = append(out, *m)
	}
	return out, wrap(rows.Err(), "team")
}

func (t *tx) TeamMembers(ctx context.Context, brandID string) ([]dm.TeamMember, error) {
	return t.teamList(ctx, `SELECT `+teamCols+` FROM brand_team WHERE brand_id = ? ORDER BY added_at, user_id`, brandID)
}

func (t *tx) MemberBrands(ctx context.Context, userID string) ([]dm.TeamMember, error) {
	return t.teamList(ctx, `SELECT `+teamCols+` FROM brand_team WHERE user_id = ? ORDER BY added_at, brand_id`, userID)
}

func (t *tx) DeleteTeamMember(ctx context.Context, brandID, userID string) error {
	n, err := t.affected(ctx, `DELETE FROM brand_team WHERE brand_id = ? AND user_id = ?`, brandID, userID)
	if err != nil {
		return wrap(err, "team member")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "team member not found")
	}
	return nil
}

func (t *tx) BrandSettings(ctx context.Context, brandID string) (*dm.BrandSettings, error) {
	var s dm.BrandSettings
	var hours string
	var updated int64
	err := t.queryRow(ctx, `SELECT brand_id, time_zone, hours_enabled, hours, away_message, show_agent_name, auto_assign, round_robin, updated_at
		FROM brand_settings WHERE brand_id = ?`, brandID).
		Scan(&s.BrandID, &s.TimeZone, &s.HoursEnabled, &hours, &s.AwayMessage, &s.ShowAgentName, &s.AutoAssign, &s.RoundRobinLast, &updated)
	if err != nil {
		return nil, wrap(err, "brand settings")
	}
	if err := json.Unmarshal([]byte(hours), &s.Hours); err != nil {
		return nil, fmt.Errorf("sqlite: brand settings hours: %w", err)
	}
	s.UpdatedAt = utc(updated)
	return &s, nil
}

func (t *tx) PutBrandSettings(ctx context.Context, s *dm.BrandSettings) error {
	hours := s.Hours
	if hours == nil {
		hours = []dm.OpenSpan{}
	}
	b, err := json.Marshal(hours)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO brand_settings (brand_id, time_zone, hours_enabled, hours, away_message, show_agent_name, auto_assign, round_robin, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (brand_id) DO UPDATE SET time_zone = excluded.time_zone, hours_enabled = excluded.hours_enabled,
			hours = excluded.hours, away_message = excluded.away_message, show_agent_name = excluded.show_agent_name,
			auto_assign = excluded.auto_assign, round_robin = excluded.round_robin, updated_at = excluded.updated_at`,
		s.BrandID, s.TimeZone, s.HoursEnabled, string(b), s.AwayMessage, s.ShowAgentName, s.AutoAssign, s.RoundRobinLast, ms(s.UpdatedAt))
	return wrap(err, "brand settings")
}

// LockBrand has nothing to do: the single writer already serialises every
// write transaction.
func (t *tx) LockBrand(ctx context.Context, brandID string) error { return nil }

func (t *tx) BrandStateVersion(ctx context.Context, brandID string) (int64, error) {
	var v int64
	err := t.queryRow(ctx, `SELECT version FROM brand_state_versions WHERE brand_id = ?`, brandID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, wrap(err, "brand state version")
}

const inboxCols = `i.conversation_id, i.brand_id, i.customer_id, i.status, i.snoozed_until, i.assignee_id, i.labels,
	i.priority, i.waiting_since, i.first_response_at, i.last_agent_id, i.away_sent_at, i.thread_id,
	i.last_message_at, i.created_at, i.updated_at`

func scanInboxItem(r interface{ Scan(...any) error }) (*dm.InboxItem, error) {
	var it dm.InboxItem
	var snoozed, waiting, first, away sql.NullInt64
	var labels string
	var last, created, updated int64
	if err := r.Scan(&it.ConversationID, &it.BrandID, &it.CustomerID, &it.Status, &snoozed, &it.AssigneeID, &labels,
		&it.Priority, &waiting, &first, &it.LastAgentID, &away, &it.ThreadID, &last, &created, &updated); err != nil {
		return nil, err
	}
	if err := parseLabels(labels, &it.Labels); err != nil {
		return nil, fmt.Errorf("sqlite: inbox labels: %w", err)
	}
	it.SnoozedUntil, it.WaitingSince, it.FirstResponseAt, it.AwaySentAt = nullUTC(snoozed), nullUTC(waiting), nullUTC(first), nullUTC(away)
	it.LastMessageAt, it.CreatedAt, it.UpdatedAt = utc(last), utc(created), utc(updated)
	return &it, nil
}

func (t *tx) InboxItem(ctx context.Context, conversationID string) (*dm.InboxItem, error) {
	it, err := scanInboxItem(t.queryRow(ctx, `SELECT `+inboxCols+` FROM brand_inbox i WHERE i.conversation_id = ?`, conversationID))
	return it, wrap(err, "inbox item")
}

func (t *tx) PutInboxItem(ctx context.Context, it *dm.InboxItem) error {
	labels := it.Labels
	if labels == nil {
		labels = []string{}
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO brand_inbox (conversation_id, brand_id, customer_id, status, snoozed_until, assignee_id, labels,
			priority, waiting_since, first_response_at, last_agent_id, away_sent_at, thread_id, last_message_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET status = excluded.status, snoozed_until = excluded.snoozed_until,
			assignee_id = excluded.assignee_id, labels = excluded.labels, priority = excluded.priority,
			waiting_since = excluded.waiting_since, first_response_at = excluded.first_response_at,
			last_agent_id = excluded.last_agent_id, away_sent_at = excluded.away_sent_at, thread_id = excluded.thread_id,
			last_message_at = excluded.last_message_at, updated_at = excluded.updated_at`,
		it.ConversationID, it.BrandID, it.CustomerID, it.Status, nullMS(it.SnoozedUntil), it.AssigneeID, string(b),
		it.Priority, nullMS(it.WaitingSince), nullMS(it.FirstResponseAt), it.LastAgentID, nullMS(it.AwaySentAt), it.ThreadID,
		ms(it.LastMessageAt), ms(it.CreatedAt), ms(it.UpdatedAt))
	if err != nil {
		return wrap(err, "inbox item")
	}
	if _, err := t.exec(ctx, `DELETE FROM brand_inbox_labels WHERE conversation_id = ?`, it.ConversationID); err != nil {
		return wrap(err, "inbox labels")
	}
	for _, l := range labels {
		if _, err := t.exec(ctx, `INSERT INTO brand_inbox_labels (conversation_id, label, brand_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			it.ConversationID, l, it.BrandID); err != nil {
			return wrap(err, "inbox labels")
		}
	}
	return nil
}

func (t *tx) UpdateInboxItem(ctx context.Context, before, after *dm.InboxItem) error {
	cols, vals, labels := dm.InboxDiff(before, after)
	if len(cols) > 0 {
		// One statement per set of columns, each prepared once on the
		// writer (a message to a waiting conversation: two columns).
		var q strings.Builder
		q.WriteString(`UPDATE brand_inbox SET `)
		args := make([]any, 0, len(vals)+1)
		for i, c := range cols {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(c + " = ?")
			switch v := vals[i].(type) {
			case *time.Time:
				args = append(args, nullMS(v))
			case time.Time:
				args = append(args, ms(v))
			default:
				args = append(args, v)
			}
		}
		q.WriteString(` WHERE conversation_id = ?`)
		args = append(args, after.ConversationID)
		n, err := t.affected(ctx, q.String(), args...)
		if err != nil {
			return wrap(err, "inbox item")
		}
		if n == 0 {
			return dm.Errorf(dm.ENOTFOUND, "inbox item not found")
		}
	}
	if !labels {
		return nil
	}
	ls := after.Labels
	if ls == nil {
		ls = []string{}
	}
	b, err := json.Marshal(ls)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE brand_inbox SET labels = ? WHERE conversation_id = ?`, string(b), after.ConversationID); err != nil {
		return wrap(err, "inbox item")
	}
	if _, err := t.exec(ctx, `DELETE FROM brand_inbox_labels WHERE conversation_id = ?`, after.ConversationID); err != nil {
		return wrap(err, "inbox labels")
	}
	for _, l := range ls {
		if _, err := t.exec(ctx, `INSERT INTO brand_inbox_labels (conversation_id, label, brand_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			after.ConversationID, l, after.BrandID); err != nil {
			return wrap(err, "inbox labels")
		}
	}
	return nil
}

// inboxCursor is "last_message_at milliseconds:conversation id".
func parseInboxCursor(c string) (int64, string, error) {
	msPart, id, ok := strings.Cut(c, ":")
	v, err := strconv.ParseInt(msPart, 10, 64)
	if !ok || err != nil {
		return 0, "", dm.Errorf(dm.EINVALID, "Bad cursor.")
	}
	return v, id, nil
}

func (t *tx) Inbox(ctx context.Context, brandID string, f dm.InboxFilter) ([]dm.InboxItem, string, error) {
	var where []string
	args := []any{brandID}
	where = append(where, `i.brand_id = ?`)
	now := ms(f.Now)
	switch f.Status {
	case "":
	case dm.InboxOpen:
		where = append(where, `(i.status = 'open' OR (i.status = 'snoozed' AND i.snoozed_until <= ?))`)
		args = append(args, now)
	case dm.InboxSnoozed:
		where = append(where, `(i.status = 'snoozed' AND i.snoozed_until > ?)`)
		args = append(args, now)
	default:
		where = append(where, `i.status = ?`)
		args = append(args, f.Status)
	}
	if f.Unassigned {
		where = append(where, `i.assignee_id = ''`)
	} else if f.Assignee != "" {
		where = append(where, `i.assignee_id = ?`)
		args = append(args, f.Assignee)
	}
	if f.Label != "" {
		where = append(where, `EXISTS (SELECT 1 FROM brand_inbox_labels l WHERE l.conversation_id = i.conversation_id AND l.label = ?)`)
		args = append(args, f.Label)
	}
	if f.Query != "" {
		q := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
		where = append(where, `i.customer_id IN (SELECT id FROM accounts WHERE handle LIKE ? ESCAPE '\' OR display_name LIKE ? ESCAPE '\')`)
		args = append(args, q, q)
	}
	limit := limitOr(f.Limit, 50)
	var rows *sql.Rows
	var err error
	offset := 0
	if order, ok := inboxOrders[f.Sort]; ok {
		// The other orders page by offset: their keys change as customers
		// write and agents answer, so a keyset cursor would skip or repeat.
		if f.Cursor != "" {
			if offset, err = parseOffsetCursor(f.Cursor); err != nil {
				return nil, "", err
			}
		}
		args = append(args, limit+1, offset)
		rows, err = t.query(ctx, `SELECT `+inboxCols+` FROM brand_inbox i WHERE `+strings.Join(where, " AND ")+`
			ORDER BY `+order+` LIMIT ? OFFSET ?`, args...)
	} else {
		if f.Cursor != "" {
			at, id, err := parseInboxCursor(f.Cursor)
			if err != nil {
				return nil, "", err
			}
			where = append(where, `(i.last_message_at < ? OR (i.last_message_at = ? AND i.conversation_id < ?))`)
			args = append(args, at, at, id)
		}
		args = append(args, limit+1)
		rows, err = t.query(ctx, `SELECT `+inboxCols+` FROM brand_inbox i INDEXED BY brand_inbox_recent WHERE `+strings.Join(where, " AND ")+`
			ORDER BY i.last_message_at DESC, i.conversation_id DESC LIMIT ?`, args...)
	}
	if err != nil {
		return nil, "", wrap(err, "inbox")
	}
	defer rows.Close()
	out := []dm.InboxItem{}
	for rows.Next() {
		it, err := scanInboxItem(rows)
		if err != nil {
			return nil, "", wrap(err, "inbox")
		}
		out = append(out, *it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "inbox")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = strconv.FormatInt(ms(last.LastMessageAt), 10) + ":" + last.ConversationID
		if _, ok := inboxOrders[f.Sort]; ok {
			next = "o:" + strconv.Itoa(offset+limit)
		}
	}
	return out, next, nil
}

// inboxOrders are the inbox's orders other than the latest message first:
// the longest wait first (nobody waiting last), and the most urgent first.
var inboxOrders = map[string]string{
	dm.InboxSortWaiting: `i.waiting_since IS NULL, i.waiting_since, i.last_message_at DESC, i.conversation_id DESC`,
	dm.InboxSortPriority: `CASE i.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
		i.waiting_since IS NULL, i.waiting_since, i.last_message_at DESC, i.conversation_id DESC`,
}

// parseOffsetCursor reads "o:N", the cursor of the offset-paged orders.
func parseOffsetCursor(c string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(c, "o:"))
	if !strings.HasPrefix(c, "o:") || err != nil || n < 0 || n > 1_000_000 {
		return 0, dm.Errorf(dm.EINVALID, "Bad cursor.")
	}
	return n, nil
}

func (t *tx) PutThread(ctx context.Context, th *dm.Thread) error {
	_, err := t.exec(ctx, `INSERT INTO brand_threads (id, brand_id, conversation_id, opened_at, first_response_at, first_responder_id, assignee_id, resolved_at, resolver_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET first_response_at = excluded.first_response_at, first_responder_id = excluded.first_responder_id,
			assignee_id = excluded.assignee_id, resolved_at = excluded.resolved_at, resolver_id = excluded.resolver_id`,
		th.ID, th.BrandID, th.ConversationID, ms(th.OpenedAt), nullMS(th.FirstResponseAt), th.FirstResponderID, th.AssigneeID,
		nullMS(th.ResolvedAt), th.ResolverID)
	return wrap(err, "thread")
}

const threadCols = `id, brand_id, conversation_id, opened_at, first_response_at, first_responder_id, assignee_id, resolved_at, resolver_id`

func scanThread(r interface{ Scan(...any) error }) (*dm.Thread, error) {
	var th dm.Thread
	var opened int64
	var first, resolved sql.NullInt64
	if err := r.Scan(&th.ID, &th.BrandID, &th.ConversationID, &opened, &first, &th.FirstResponderID, &th.AssigneeID, &resolved, &th.ResolverID); err != nil {
		return nil, err
	}
	th.OpenedAt, th.FirstResponseAt, th.ResolvedAt = utc(opened), nullUTC(first), nullUTC(resolved)
	return &th, nil
}

func (t *tx) Thread(ctx context.Context, id string) (*dm.Thread, error) {
	th, err := scanThread(t.queryRow(ctx, `SELECT `+threadCols+` FROM brand_threads WHERE id = ?`, id))
	return th, wrap(err, "thread")
}

// Threads reads two index ranges (opened, resolved) rather than one OR.
func (t *tx) Threads(ctx context.Context, brandID string, from, to time.Time) ([]dm.Thread, error) {
	rows, err := t.query(ctx, `SELECT `+threadCols+` FROM brand_threads WHERE brand_id = ?1 AND opened_at >= ?2 AND opened_at < ?3
		UNION
		SELECT `+threadCols+` FROM brand_threads WHERE brand_id = ?1 AND resolved_at >= ?2 AND resolved_at < ?3
		ORDER BY opened_at, id`, brandID, ms(from), ms(to))
	if err != nil {
		return nil, wrap(err, "threads")
	}
	defer rows.Close()
	out := []dm.Thread{}
	for rows.Next() {
		th, err := scanThread(rows)
		if err != nil {
			return nil, wrap(err, "threads")
		}
		out = append(out, *th)
	}
	return out, wrap(rows.Err(), "threads")
}

func (t *tx) AddNote(ctx context.Context, n *dm.Note) error {
	// after_seq is read in the insert itself, inside the writer's
	// transaction, so no message can slip between the read and the note.
	err := t.queryRow(ctx, `INSERT INTO brand_notes (id, brand_id, conversation_id, author_id, text, created_at, after_seq)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce((SELECT last_seq FROM conversations WHERE id = ?3), 0))
		RETURNING after_seq`,
		n.ID, n.BrandID, n.ConversationID, n.Author.ID, n.Text, ms(n.CreatedAt)).Scan(&n.AfterSeq)
	return wrap(err, "note")
}

func (t *tx) Notes(ctx context.Context, brandID, conversationID string) ([]dm.Note, error) {
	rows, err := t.query(ctx, `SELECT n.id, n.brand_id, n.conversation_id, a.id, a.handle, a.display_name, n.text, n.after_seq, n.created_at
		FROM brand_notes n JOIN accounts a ON a.id = n.author_id
		WHERE n.conversation_id = ? AND n.brand_id = ? ORDER BY n.after_seq, n.created_at, n.id`, conversationID, brandID)
	if err != nil {
		return nil, wrap(err, "notes")
	}
	defer rows.Close()
	out := []dm.Note{}
	for rows.Next() {
		var n dm.Note
		var created int64
		if err := rows.Scan(&n.ID, &n.BrandID, &n.ConversationID, &n.Author.ID, &n.Author.Handle, &n.Author.DisplayName, &n.Text, &n.AfterSeq, &created); err != nil {
			return nil, wrap(err, "notes")
		}
		n.CreatedAt = utc(created)
		out = append(out, n)
	}
	return out, wrap(rows.Err(), "notes")
}

func (t *tx) PutCannedReply(ctx context.Context, c *dm.CannedReply) error {
	_, err := t.exec(ctx, `INSERT INTO brand_canned (id, brand_id, owner_id, title, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text, updated_at = excluded.updated_at`,
		c.ID, c.BrandID, c.OwnerID, c.Title, c.Text, ms(c.CreatedAt), ms(c.UpdatedAt))
	return wrap(err, "canned reply")
}

const cannedCols = `id, brand_id, owner_id, title, text, created_at, updated_at`

func scanCanned(r interface{ Scan(...any) error }) (*dm.CannedReply, error) {
	var c dm.CannedReply
	var created, updated int64
	if err := r.Scan(&c.ID, &c.BrandID, &c.OwnerID, &c.Title, &c.Text, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
	return &c, nil
}

func (t *tx) CannedReply(ctx context.Context, brandID, id string) (*dm.CannedReply, error) {
	c, err := scanCanned(t.queryRow(ctx, `SELECT `+cannedCols+` FROM brand_canned WHERE id = ? AND brand_id = ?`, id, brandID))
	return c, wrap(err, "canned reply")
}

func (t *tx) CannedReplies(ctx context.Context, brandID string) ([]dm.CannedReply, error) {
	rows, err := t.query(ctx, `SELECT `+cannedCols+` FROM brand_canned WHERE brand_id = ? ORDER BY title`, brandID)
	if err != nil {
		return nil, wrap(err, "canned replies")
	}
	defer rows.Close()
	out := []dm.CannedReply{}
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			return nil, wrap(err, "canned replies")
		}
		out = append(out, *c)
	}
	return out, wrap(rows.Err(), "canned replies")
}

func (t *tx) DeleteCannedReply(ctx context.Context, brandID, id string) error {
	n, err := t.affected(ctx, `DELETE FROM brand_canned WHERE id = ? AND brand_id = ?`, id, brandID)
	if err != nil {
		return wrap(err, "canned reply")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "canned reply not found")
	}
	return nil
}

func (t *tx) PutBrandMessage(ctx context.Context, m *dm.BrandMessage) error {
	_, err := t.exec(ctx, `INSERT INTO brand_messages (message_id, brand_id, conversation_id, direction, agent_id, automated, agent_name, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.MessageID, m.BrandID, m.ConversationID, m.Direction, m.AgentID, m.Automated, m.AgentName, ms(m.At))
	return wrap(err, "brand message")
}

const brandMessageCols = `message_id, brand_id, conversation_id, direction, agent_id, automated, agent_name, at`

func (t *tx) brandMessages(ctx context.Context, query string, args ...any) ([]dm.BrandMessage, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "brand messages")
	}
	defer rows.Close()
	out := []dm.BrandMessage{}
	for rows.Next() {
		var m dm.BrandMessage
		var at int64
		if err := rows.Scan(&m.MessageID, &m.BrandID, &m.ConversationID, &m.Direction, &m.AgentID, &m.Automated, &m.AgentName, &at); err != nil {
			return nil, wrap(err, "brand messages")
		}
		m.At = utc(at)
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "brand messages")
}

func (t *tx) BrandMessagesByID(ctx context.Context, ids []string) ([]dm.BrandMessage, error) {
	if len(ids) == 0 {
		return []dm.BrandMessage{}, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return t.brandMessages(ctx, `SELECT `+brandMessageCols+` FROM brand_messages WHERE message_id IN (SELECT value FROM json_each(?))`, string(b))
}

func (t *tx) BrandMessages(ctx context.Context, brandID string, from, to time.Time) ([]dm.BrandMessage, error) {
	return t.brandMessages(ctx, `SELECT `+brandMessageCols+` FROM brand_messages WHERE brand_id = ? AND at >= ? AND at < ? ORDER BY at, message_id`,
		brandID, ms(from), ms(to))
}

// splitPerms reads a member's permissions, kept comma-separated.
func splitPerms(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
