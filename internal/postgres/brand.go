package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the brand layer (dm.BrandTx); the tables are in
// migrations/0100_brand.sql.

var _ dm.BrandTx = (*tx)(nil)

// utcPtr returns a nullable time in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (t *tx) PutTeamMember(ctx context.Context, m *dm.TeamMember) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO brand_team (brand_id, user_id, role, available, added_at, permissions) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (brand_id, user_id) DO UPDATE SET role = excluded.role, available = excluded.available, permissions = excluded.permissions`,
		m.BrandID, m.UserID, m.Role, m.Available, m.AddedAt, strings.Join(m.Permissions, ","))
	return wrap(err, "team member")
}

const teamCols = `brand_id, user_id, role, available, added_at, permissions`

func scanTeamMember(r pgx.Row) (*dm.TeamMember, error) {
	var m dm.TeamMember
	var perms string
	if err := r.Scan(&m.BrandID, &m.UserID, &m.Role, &m.Available, &m.AddedAt, &perms); err != nil {
		return nil, err
	}
	m.AddedAt = m.AddedAt.UTC()
	m.Permissions = splitPerms(perms)
	return &m, nil
}

func (t *tx) TeamMember(ctx context.Context, brandID, userID string) (*dm.TeamMember, error) {
	m, err := scanTeamMember(t.tx.QueryRow(ctx, `SELECT `+teamCols+` FROM brand_team WHERE brand_id = $1 AND user_id = $2`, brandID, userID))
	return m, wrap(err, "team member")
}

func (t *tx) teamList(ctx context.Context, query, arg string) ([]dm.TeamMember, error) {
	rows, err := t.tx.Query(ctx, query, arg)
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
	return t.teamList(ctx, `SELECT `+teamCols+` FROM brand_team WHERE brand_id = $1 ORDER BY added_at, user_id`, brandID)
}

func (t *tx) MemberBrands(ctx context.Context, userID string) ([]dm.TeamMember, error) {
	return t.teamList(ctx, `SELECT `+teamCols+` FROM brand_team WHERE user_id = $1 ORDER BY added_at, brand_id`, userID)
}

func (t *tx) DeleteTeamMember(ctx context.Context, brandID, userID string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM brand_team WHERE brand_id = $1 AND user_id = $2`, brandID, userID)
	if err != nil {
		return wrap(err, "team member")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "team member not found")
	}
	return nil
}

func (t *tx) BrandSettings(ctx context.Context, brandID string) (*dm.BrandSettings, error) {
	var s dm.BrandSettings
	var hours string
	err := t.tx.QueryRow(ctx, `SELECT brand_id, time_zone, hours_enabled, hours, away_message, show_agent_name, auto_assign, round_robin, updated_at
		FROM brand_settings WHERE brand_id = $1`, brandID).
		Scan(&s.BrandID, &s.TimeZone, &s.HoursEnabled, &hours, &s.AwayMessage, &s.ShowAgentName, &s.AutoAssign, &s.RoundRobinLast, &s.UpdatedAt)
	if err != nil {
		return nil, wrap(err, "brand settings")
	}
	if err := json.Unmarshal([]byte(hours), &s.Hours); err != nil {
		return nil, fmt.Errorf("postgres: brand settings hours: %w", err)
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
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
	_, err = t.tx.Exec(ctx, `INSERT INTO brand_settings (brand_id, time_zone, hours_enabled, hours, away_message, show_agent_name, auto_assign, round_robin, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (brand_id) DO UPDATE SET time_zone = excluded.time_zone, hours_enabled = excluded.hours_enabled,
			hours = excluded.hours, away_message = excluded.away_message, show_agent_name = excluded.show_agent_name,
			auto_assign = excluded.auto_assign, round_robin = excluded.round_robin, updated_at = excluded.updated_at`,
		s.BrandID, s.TimeZone, s.HoursEnabled, string(b), s.AwayMessage, s.ShowAgentName, s.AutoAssign, s.RoundRobinLast, s.UpdatedAt)
	return wrap(err, "brand settings")
}

// LockBrand takes a transaction-scoped advisory lock per brand: concurrent
// sends to two new conversations of one brand then take turns on the
// round-robin cursor instead of both reading the same one.
func (t *tx) LockBrand(ctx context.Context, brandID string) error {
	return t.advisoryLock(ctx, "brand", brandID)
}

const inboxCols = `i.conversation_id, i.brand_id, i.customer_id, i.status, i.snoozed_until, i.assignee_id, i.labels,
	i.priority, i.waiting_since, i.first_response_at, i.last_agent_id, i.away_sent_at, i.thread_id,
	i.last_message_at, i.created_at, i.updated_at`

func scanInboxItem(r pgx.Row) (*dm.InboxItem, error) {
	var it dm.InboxItem
	var labels string
	if err := r.Scan(&it.ConversationID, &it.BrandID, &it.CustomerID, &it.Status, &it.SnoozedUntil, &it.AssigneeID, &labels,
		&it.Priority, &it.WaitingSince, &it.FirstResponseAt, &it.LastAgentID, &it.AwaySentAt, &it.ThreadID,
		&it.LastMessageAt, &it.CreatedAt, &it.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &it.Labels); err != nil {
		return nil, fmt.Errorf("postgres: inbox labels: %w", err)
	}
	it.SnoozedUntil, it.WaitingSince, it.FirstResponseAt, it.AwaySentAt = utcPtr(it.SnoozedUntil), utcPtr(it.WaitingSince), utcPtr(it.FirstResponseAt), utcPtr(it.AwaySentAt)
	it.LastMessageAt, it.CreatedAt, it.UpdatedAt = it.LastMessageAt.UTC(), it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return &it, nil
}

// InboxItem locks the row in a write transaction: an agent's change and a
// customer's message to the same conversation then apply one after the
// other instead of one overwriting the other (READ COMMITTED).
//
// The conversation's write locks come first (lockConversation), as in every
// other write to a conversation, so that "send, then update the inbox item"
// and "lock the inbox item, then send as the brand" cannot deadlock.
func (t *tx) BrandStateVersion(ctx context.Context, brandID string) (int64, error) {
	var v int64
	err := t.tx.QueryRow(ctx, `SELECT version FROM brand_state_versions WHERE brand_id = $1`, brandID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return v, wrap(err, "brand state version")
}

func (t *tx) InboxItem(ctx context.Context, conversationID string) (*dm.InboxItem, error) {
	q := `SELECT ` + inboxCols + ` FROM brand_inbox i WHERE i.conversation_id = $1`
	if t.write {
		if err := t.lockConversation(ctx, conversationID); err != nil {
			return nil, err
		}
		q += ` FOR UPDATE`
	}
	it, err := scanInboxItem(t.tx.QueryRow(ctx, q, conversationID))
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
	_, err = t.tx.Exec(ctx, `INSERT INTO brand_inbox (conversation_id, brand_id, customer_id, status, snoozed_until, assignee_id, labels,
			priority, waiting_since, first_response_at, last_agent_id, away_sent_at, thread_id, last_message_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (conversation_id) DO UPDATE SET status = excluded.status, snoozed_until = excluded.snoozed_until,
			assignee_id = excluded.assignee_id, labels = excluded.labels, priority = excluded.priority,
			waiting_since = excluded.waiting_since, first_response_at = excluded.first_response_at,
			last_agent_id = excluded.last_agent_id, away_sent_at = excluded.away_sent_at, thread_id = excluded.thread_id,
			last_message_at = excluded.last_message_at, updated_at = excluded.updated_at`,
		it.ConversationID, it.BrandID, it.CustomerID, it.Status, it.SnoozedUntil, it.AssigneeID, string(b),
		it.Priority, it.WaitingSince, it.FirstResponseAt, it.LastAgentID, it.AwaySentAt, it.ThreadID,
		it.LastMessageAt, it.CreatedAt, it.UpdatedAt)
	if err != nil {
		return wrap(err, "inbox item")
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM brand_inbox_labels WHERE conversation_id = $1`, it.ConversationID); err != nil {
		return wrap(err, "inbox labels")
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO brand_inbox_labels (conversation_id, label, brand_id)
		SELECT $1, l, $2 FROM unnest($3::text[]) AS l ON CONFLICT DO NOTHING`, it.ConversationID, it.BrandID, labels)
	return wrap(err, "inbox labels")
}

func (t *tx) UpdateInboxItem(ctx context.Context, before, after *dm.InboxItem) error {
	cols, vals, labels := dm.InboxDiff(before, after)
	if len(cols) > 0 {
		var q strings.Builder
		q.WriteString(`UPDATE brand_inbox SET `)
		for i, c := range cols {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(c + " = $" + strconv.Itoa(i+1))
		}
		q.WriteString(` WHERE conversation_id = $` + strconv.Itoa(len(cols)+1))
		tag, err := t.tx.Exec(ctx, q.String(), append(vals, after.ConversationID)...)
		if err != nil {
			return wrap(err, "inbox item")
		}
		if tag.RowsAffected() == 0 {
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
	if _, err := t.tx.Exec(ctx, `UPDATE brand_inbox SET labels = $1 WHERE conversation_id = $2`, string(b), after.ConversationID); err != nil {
		return wrap(err, "inbox item")
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM brand_inbox_labels WHERE conversation_id = $1`, after.ConversationID); err != nil {
		return wrap(err, "inbox labels")
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO brand_inbox_labels (conversation_id, label, brand_id)
		SELECT $1, l, $2 FROM unnest($3::text[]) AS l ON CONFLICT DO NOTHING`, after.ConversationID, after.BrandID, ls)
	return wrap(err, "inbox labels")
}

// parseInboxCursor reads "last_message_at in Unix microseconds:conversation id".
func parseInboxCursor(c string) (time.Time, string, error) {
	us, id, ok := strings.Cut(c, ":")
	v, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil {
		return time.Time{}, "", dm.Errorf(dm.EINVALID, "Bad cursor.")
	}
	return time.UnixMicro(v).UTC(), id, nil
}

func (t *tx) Inbox(ctx context.Context, brandID string, f dm.InboxFilter) ([]dm.InboxItem, string, error) {
	args := []any{brandID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{`i.brand_id = $1`}
	switch f.Status {
	case "":
	case dm.InboxOpen:
		where = append(where, `(i.status = 'open' OR (i.status = 'snoozed' AND i.snoozed_until <= `+arg(f.Now)+`))`)
	case dm.InboxSnoozed:
		where = append(where, `(i.status = 'snoozed' AND i.snoozed_until > `+arg(f.Now)+`)`)
	default:
		where = append(where, `i.status = `+arg(f.Status))
	}
	if f.Unassigned {
		where = append(where, `i.assignee_id = ''`)
	} else if f.Assignee != "" {
		where = append(where, `i.assignee_id = `+arg(f.Assignee))
	}
	if f.Label != "" {
		where = append(where, `EXISTS (SELECT 1 FROM brand_inbox_labels l WHERE l.conversation_id = i.conversation_id AND l.label = `+arg(f.Label)+`)`)
	}
	if f.Query != "" {
		p := arg(likePrefix(strings.ToLower(f.Query)))
		where = append(where, `i.customer_id IN (SELECT id FROM accounts WHERE handle LIKE `+p+` OR lower(display_name) LIKE `+p+`)`)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	order, sorted := inboxOrders[f.Sort]
	offset := 0
	if sorted {
		// The other orders page by offset: their keys change as customers
		// write and agents answer, so a keyset cursor would skip or repeat.
		if f.Cursor != "" {
			var err error
			if offset, err = parseOffsetCursor(f.Cursor); err != nil {
				return nil, "", err
			}
		}
	} else {
		order = `i.last_message_at DESC, i.conversation_id DESC`
		if f.Cursor != "" {
			at, id, err := parseInboxCursor(f.Cursor)
			if err != nil {
				return nil, "", err
			}
			where = append(where, `(i.last_message_at, i.conversation_id) < (`+arg(at)+`, `+arg(id)+`)`)
		}
	}
	rows, err := t.tx.Query(ctx, `SELECT `+inboxCols+` FROM brand_inbox i WHERE `+strings.Join(where, " AND ")+`
		ORDER BY `+order+` LIMIT `+arg(limit+1)+` OFFSET `+arg(offset), args...)
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
		next = strconv.FormatInt(last.LastMessageAt.UnixMicro(), 10) + ":" + last.ConversationID
		if sorted {
			next = "o:" + strconv.Itoa(offset+limit)
		}
	}
	return out, next, nil
}

// inboxOrders are the inbox's orders other than the latest message first:
// the longest wait first (nobody waiting last), and the most urgent first.
var inboxOrders = map[string]string{
	dm.InboxSortWaiting: `i.waiting_since ASC NULLS LAST, i.last_message_at DESC, i.conversation_id DESC`,
	dm.InboxSortPriority: `CASE i.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
		i.waiting_since ASC NULLS LAST, i.last_message_at DESC, i.conversation_id DESC`,
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
	_, err := t.tx.Exec(ctx, `INSERT INTO brand_threads (id, brand_id, conversation_id, opened_at, first_response_at, first_responder_id, assignee_id, resolved_at, resolver_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET first_response_at = excluded.first_response_at, first_responder_id = excluded.first_responder_id,
			assignee_id = excluded.assignee_id, resolved_at = excluded.resolved_at, resolver_id = excluded.resolver_id`,
		th.ID, th.BrandID, th.ConversationID, th.OpenedAt, th.FirstResponseAt, th.FirstResponderID, th.AssigneeID, th.ResolvedAt, th.ResolverID)
	return wrap(err, "thread")
}

const threadCols = `id, brand_id, conversation_id, opened_at, first_response_at, first_responder_id, assignee_id, resolved_at, resolver_id`

func scanThread(r pgx.Row) (*dm.Thread, error) {
	var th dm.Thread
	if err := r.Scan(&th.ID, &th.BrandID, &th.ConversationID, &th.OpenedAt, &th.FirstResponseAt, &th.FirstResponderID,
		&th.AssigneeID, &th.ResolvedAt, &th.ResolverID); err != nil {
		return nil, err
	}
	th.OpenedAt, th.FirstResponseAt, th.ResolvedAt = th.OpenedAt.UTC(), utcPtr(th.FirstResponseAt), utcPtr(th.ResolvedAt)
	return &th, nil
}

func (t *tx) Thread(ctx context.Context, id string) (*dm.Thread, error) {
	th, err := scanThread(t.tx.QueryRow(ctx, `SELECT `+threadCols+` FROM brand_threads WHERE id = $1`, id))
	return th, wrap(err, "thread")
}

// Threads reads two index ranges (opened, resolved) rather than one OR.
func (t *tx) Threads(ctx context.Context, brandID string, from, to time.Time) ([]dm.Thread, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+threadCols+` FROM brand_threads WHERE brand_id = $1 AND opened_at >= $2 AND opened_at < $3
		UNION
		SELECT `+threadCols+` FROM brand_threads WHERE brand_id = $1 AND resolved_at >= $2 AND resolved_at < $3
		ORDER BY opened_at, id`, brandID, from, to)
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
	// after_seq is read in the insert itself; a send takes the
	// conversation's row lock for its seq, so the note and a concurrent
	// message are ordered one way or the other, never both.
	err := t.tx.QueryRow(ctx, `INSERT INTO brand_notes (id, brand_id, conversation_id, author_id, text, created_at, after_seq)
		VALUES ($1, $2, $3, $4, $5, $6, coalesce((SELECT last_seq FROM conversations WHERE id = $3), 0))
		RETURNING after_seq`,
		n.ID, n.BrandID, n.ConversationID, n.Author.ID, n.Text, n.CreatedAt).Scan(&n.AfterSeq)
	return wrap(err, "note")
}

func (t *tx) Notes(ctx context.Context, brandID, conversationID string) ([]dm.Note, error) {
	rows, err := t.tx.Query(ctx, `SELECT n.id, n.brand_id, n.conversation_id, a.id, a.handle, a.display_name, n.text, n.after_seq, n.created_at
		FROM brand_notes n JOIN accounts a ON a.id = n.author_id
		WHERE n.conversation_id = $1 AND n.brand_id = $2 ORDER BY n.after_seq, n.created_at, n.id`, conversationID, brandID)
	if err != nil {
		return nil, wrap(err, "notes")
	}
	defer rows.Close()
	out := []dm.Note{}
	for rows.Next() {
		var n dm.Note
		if err := rows.Scan(&n.ID, &n.BrandID, &n.ConversationID, &n.Author.ID, &n.Author.Handle, &n.Author.DisplayName, &n.Text, &n.AfterSeq, &n.CreatedAt); err != nil {
			return nil, wrap(err, "notes")
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	return out, wrap(rows.Err(), "notes")
}

func (t *tx) PutCannedReply(ctx context.Context, c *dm.CannedReply) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO brand_canned (id, brand_id, owner_id, title, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text, updated_at = excluded.updated_at`,
		c.ID, c.BrandID, c.OwnerID, c.Title, c.Text, c.CreatedAt, c.UpdatedAt)
	return wrap(err, "canned reply")
}

const cannedCols = `id, brand_id, owner_id, title, text, created_at, updated_at`

func scanCanned(r pgx.Row) (*dm.CannedReply, error) {
	var c dm.CannedReply
	if err := r.Scan(&c.ID, &c.BrandID, &c.OwnerID, &c.Title, &c.Text, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func (t *tx) CannedReply(ctx context.Context, brandID, id string) (*dm.CannedReply, error) {
	c, err := scanCanned(t.tx.QueryRow(ctx, `SELECT `+cannedCols+` FROM brand_canned WHERE id = $1 AND brand_id = $2`, id, brandID))
	return c, wrap(err, "canned reply")
}

func (t *tx) CannedReplies(ctx context.Context, brandID string) ([]dm.CannedReply, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+cannedCols+` FROM brand_canned WHERE brand_id = $1 ORDER BY title`, brandID)
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
	tag, err := t.tx.Exec(ctx, `DELETE FROM brand_canned WHERE id = $1 AND brand_id = $2`, id, brandID)
	if err != nil {
		return wrap(err, "canned reply")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "canned reply not found")
	}
	return nil
}

func (t *tx) PutBrandMessage(ctx context.Context, m *dm.BrandMessage) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO brand_messages (message_id, brand_id, conversation_id, direction, agent_id, automated, agent_name, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.MessageID, m.BrandID, m.ConversationID, m.Direction, m.AgentID, m.Automated, m.AgentName, m.At)
	return wrap(err, "brand message")
}

const brandMessageCols = `message_id, brand_id, conversation_id, direction, agent_id, automated, agent_name, at`

func (t *tx) brandMessages(ctx context.Context, query string, args ...any) ([]dm.BrandMessage, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "brand messages")
	}
	defer rows.Close()
	out := []dm.BrandMessage{}
	for rows.Next() {
		var m dm.BrandMessage
		if err := rows.Scan(&m.MessageID, &m.BrandID, &m.ConversationID, &m.Direction, &m.AgentID, &m.Automated, &m.AgentName, &m.At); err != nil {
			return nil, wrap(err, "brand messages")
		}
		m.At = m.At.UTC()
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "brand messages")
}

func (t *tx) BrandMessagesByID(ctx context.Context, ids []string) ([]dm.BrandMessage, error) {
	if len(ids) == 0 {
		return []dm.BrandMessage{}, nil
	}
	return t.brandMessages(ctx, `SELECT `+brandMessageCols+` FROM brand_messages WHERE message_id = ANY($1)`, ids)
}

func (t *tx) BrandMessages(ctx context.Context, brandID string, from, to time.Time) ([]dm.BrandMessage, error) {
	return t.brandMessages(ctx, `SELECT `+brandMessageCols+` FROM brand_messages WHERE brand_id = $1 AND at >= $2 AND at < $3 ORDER BY at, message_id`,
		brandID, from, to)
}

// splitPerms reads a member's permissions, kept comma-separated.
func splitPerms(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
