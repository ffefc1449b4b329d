package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the brand console's tables (dm.ConsoleTx); they are in
// migrations/0150_console.sql.

var _ dm.ConsoleTx = (*tx)(nil)

func (t *tx) ServiceLevels(ctx context.Context, brandID string) (*dm.ServiceLevels, error) {
	var s dm.ServiceLevels
	err := t.tx.QueryRow(ctx, `SELECT brand_id, first_response_min, next_response_min, max_open_per_agent, updated_at
		FROM brand_service_levels WHERE brand_id = $1`, brandID).
		Scan(&s.BrandID, &s.FirstResponseMinutes, &s.NextResponseMinutes, &s.MaxOpenPerAgent, &s.UpdatedAt)
	if err != nil {
		return nil, wrap(err, "service levels")
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
	return &s, nil
}

func (t *tx) PutServiceLevels(ctx context.Context, s *dm.ServiceLevels) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO brand_service_levels (brand_id, first_response_min, next_response_min, max_open_per_agent, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (brand_id) DO UPDATE SET first_response_min = excluded.first_response_min,
			next_response_min = excluded.next_response_min, max_open_per_agent = excluded.max_open_per_agent, updated_at = excluded.updated_at`,
		s.BrandID, s.FirstResponseMinutes, s.NextResponseMinutes, s.MaxOpenPerAgent, s.UpdatedAt)
	return wrap(err, "service levels")
}

func (t *tx) OpenAssigned(ctx context.Context, brandID, userID string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(*) FROM brand_inbox WHERE brand_id = $1 AND assignee_id = $2 AND status <> 'resolved'`, brandID, userID).Scan(&n)
	return n, wrap(err, "open assigned")
}

func (t *tx) PutAgentTeam(ctx context.Context, a *dm.AgentTeam) error {
	members := a.Members
	if members == nil {
		members = []string{}
	}
	b, err := json.Marshal(members)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO brand_agent_teams (id, brand_id, name, members, round_robin, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, members = excluded.members, round_robin = excluded.round_robin,
			updated_at = excluded.updated_at`,
		a.ID, a.BrandID, a.Name, string(b), a.RoundRobinLast, a.CreatedAt, a.UpdatedAt)
	return wrap(err, "agent team")
}

func (t *tx) AgentTeams(ctx context.Context, brandID string) ([]dm.AgentTeam, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, brand_id, name, members, round_robin, created_at, updated_at
		FROM brand_agent_teams WHERE brand_id = $1 ORDER BY name`, brandID)
	if err != nil {
		return nil, wrap(err, "agent teams")
	}
	defer rows.Close()
	out := []dm.AgentTeam{}
	for rows.Next() {
		var a dm.AgentTeam
		var members string
		if err := rows.Scan(&a.ID, &a.BrandID, &a.Name, &members, &a.RoundRobinLast, &a.CreatedAt, &a.UpdatedAt); err != nil {
			return nil, wrap(err, "agent teams")
		}
		if err := json.Unmarshal([]byte(members), &a.Members); err != nil {
			return nil, fmt.Errorf("postgres: agent team members: %w", err)
		}
		a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
		out = append(out, a)
	}
	return out, wrap(rows.Err(), "agent teams")
}

func (t *tx) DeleteAgentTeam(ctx context.Context, brandID, id string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM brand_agent_teams WHERE id = $1 AND brand_id = $2`, id, brandID)
	if err != nil {
		return wrap(err, "agent team")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "agent team not found")
	}
	return nil
}

func (t *tx) PutMacro(ctx context.Context, m *dm.Macro) error {
	labels := m.AddLabels
	if labels == nil {
		labels = []string{}
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO brand_macros (id, brand_id, owner_id, title, text, add_labels, status, priority, assign, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text, add_labels = excluded.add_labels,
			status = excluded.status, priority = excluded.priority, assign = excluded.assign, updated_at = excluded.updated_at`,
		m.ID, m.BrandID, m.OwnerID, m.Title, m.Text, string(b), m.Status, m.Priority, m.Assign, m.CreatedAt, m.UpdatedAt)
	return wrap(err, "macro")
}

func (t *tx) Macros(ctx context.Context, brandID string) ([]dm.Macro, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, brand_id, owner_id, title, text, add_labels, status, priority, assign, created_at, updated_at
		FROM brand_macros WHERE brand_id = $1 ORDER BY title, id`, brandID)
	if err != nil {
		return nil, wrap(err, "macros")
	}
	defer rows.Close()
	out := []dm.Macro{}
	for rows.Next() {
		var m dm.Macro
		var labels string
		if err := rows.Scan(&m.ID, &m.BrandID, &m.OwnerID, &m.Title, &m.Text, &labels, &m.Status, &m.Priority, &m.Assign, &m.CreatedAt, &m.UpdatedAt); err != nil {
			return nil, wrap(err, "macros")
		}
		if err := json.Unmarshal([]byte(labels), &m.AddLabels); err != nil {
			return nil, fmt.Errorf("postgres: macro labels: %w", err)
		}
		m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "macros")
}

func (t *tx) DeleteMacro(ctx context.Context, brandID, id string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM brand_macros WHERE id = $1 AND brand_id = $2`, id, brandID)
	if err != nil {
		return wrap(err, "macro")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "macro not found")
	}
	return nil
}

func (t *tx) AddCustomerNote(ctx context.Context, n *dm.CustomerNote) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO brand_customer_notes (id, brand_id, customer_id, author_id, text, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		n.ID, n.BrandID, n.CustomerID, n.Author.ID, n.Text, n.CreatedAt)
	return wrap(err, "customer note")
}

func (t *tx) CustomerNotes(ctx context.Context, brandID, customerID string) ([]dm.CustomerNote, error) {
	rows, err := t.tx.Query(ctx, `SELECT n.id, n.brand_id, n.customer_id, a.id, a.handle, a.display_name, n.text, n.created_at
		FROM brand_customer_notes n JOIN accounts a ON a.id = n.author_id
		WHERE n.brand_id = $1 AND n.customer_id = $2 ORDER BY n.created_at, n.id`, brandID, customerID)
	if err != nil {
		return nil, wrap(err, "customer notes")
	}
	defer rows.Close()
	out := []dm.CustomerNote{}
	for rows.Next() {
		var n dm.CustomerNote
		if err := rows.Scan(&n.ID, &n.BrandID, &n.CustomerID, &n.Author.ID, &n.Author.Handle, &n.Author.DisplayName, &n.Text, &n.CreatedAt); err != nil {
			return nil, wrap(err, "customer notes")
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	return out, wrap(rows.Err(), "customer notes")
}

func (t *tx) AddAuditEntry(ctx context.Context, e *dm.AuditEntry) error {
	// after_seq is read in the insert, as for notes (brand.go).
	err := t.tx.QueryRow(ctx, `INSERT INTO brand_audit (id, brand_id, conversation_id, actor_id, field, old_value, new_value, after_seq, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce((SELECT last_seq FROM conversations WHERE id = $3), 0), $8)
		RETURNING after_seq`,
		e.ID, e.BrandID, e.ConversationID, e.ActorID, e.Field, e.From, e.To, e.At).Scan(&e.AfterSeq)
	return wrap(err, "audit entry")
}

func (t *tx) AuditEntries(ctx context.Context, brandID, conversationID string) ([]dm.AuditEntry, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, brand_id, conversation_id, actor_id, field, old_value, new_value, after_seq, at
		FROM brand_audit WHERE conversation_id = $1 AND brand_id = $2 ORDER BY after_seq, at, id`, conversationID, brandID)
	if err != nil {
		return nil, wrap(err, "audit")
	}
	defer rows.Close()
	out := []dm.AuditEntry{}
	for rows.Next() {
		var e dm.AuditEntry
		if err := rows.Scan(&e.ID, &e.BrandID, &e.ConversationID, &e.ActorID, &e.Field, &e.From, &e.To, &e.AfterSeq, &e.At); err != nil {
			return nil, wrap(err, "audit")
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "audit")
}

func (t *tx) ConversationThreads(ctx context.Context, conversationID string) ([]dm.Thread, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+threadCols+` FROM brand_threads WHERE conversation_id = $1 ORDER BY opened_at, id`, conversationID)
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
