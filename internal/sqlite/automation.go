package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The automation layer (dm.AutomationTx). Rules, flows and settings are kept
// as JSON documents: the engine reads a brand's set whole and compiles it.

func (t *tx) AutomationSettings(ctx context.Context, brandID string) (*dm.AutomationSettings, error) {
	var body string
	var version, updated int64
	err := t.queryRow(ctx, `SELECT body, version, updated_at FROM automation_settings WHERE brand_id = ?`, brandID).Scan(&body, &version, &updated)
	if err != nil {
		return nil, wrap(err, "automation settings")
	}
	var s dm.AutomationSettings
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return nil, wrap(err, "automation settings")
	}
	s.BrandID, s.Version, s.UpdatedAt = brandID, version, utc(updated)
	return &s, nil
}

func (t *tx) AutomationVersion(ctx context.Context, brandID string) (int64, error) {
	var version int64
	err := t.queryRow(ctx, `SELECT version FROM automation_settings WHERE brand_id = ?`, brandID).Scan(&version)
	return version, wrap(err, "automation settings")
}

func (t *tx) PutAutomationSettings(ctx context.Context, s *dm.AutomationSettings) error {
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO automation_settings (brand_id, body, version, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (brand_id) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at`,
		s.BrandID, string(body), s.Version, ms(s.UpdatedAt))
	return wrap(err, "automation settings")
}

func (t *tx) Rules(ctx context.Context, brandID string) ([]dm.Rule, error) {
	rows, err := t.query(ctx, `SELECT body FROM automation_rules WHERE brand_id = ? ORDER BY position, id`, brandID)
	if err != nil {
		return nil, wrap(err, "rules")
	}
	defer rows.Close()
	out := []dm.Rule{}
	for rows.Next() {
		var body string
		var r dm.Rule
		if err := rows.Scan(&body); err != nil {
			return nil, wrap(err, "rules")
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, wrap(err, "rules")
		}
		r.BrandID = brandID
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "rules")
}

func (t *tx) PutRule(ctx context.Context, r *dm.Rule) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO automation_rules (brand_id, id, position, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (brand_id, id) DO UPDATE SET position = excluded.position, body = excluded.body`,
		r.BrandID, r.ID, r.Position, string(body))
	return wrap(err, "rule")
}

func (t *tx) DeleteRule(ctx context.Context, brandID, id string) error {
	return t.deleted(ctx, "rule", `DELETE FROM automation_rules WHERE brand_id = ? AND id = ?`, brandID, id)
}

// deleted runs a DELETE and answers ENOTFOUND when it removed nothing.
func (t *tx) deleted(ctx context.Context, what, query string, args ...any) error {
	n, err := t.affected(ctx, query, args...)
	if err != nil {
		return wrap(err, what)
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "%s not found", what)
	}
	return nil
}

func (t *tx) Flows(ctx context.Context, brandID string) ([]dm.Flow, error) {
	rows, err := t.query(ctx, `SELECT body FROM automation_flows WHERE brand_id = ? ORDER BY id`, brandID)
	if err != nil {
		return nil, wrap(err, "flows")
	}
	defer rows.Close()
	out := []dm.Flow{}
	for rows.Next() {
		var body string
		var f dm.Flow
		if err := rows.Scan(&body); err != nil {
			return nil, wrap(err, "flows")
		}
		if err := json.Unmarshal([]byte(body), &f); err != nil {
			return nil, wrap(err, "flows")
		}
		f.BrandID = brandID
		out = append(out, f)
	}
	return out, wrap(rows.Err(), "flows")
}

func (t *tx) PutFlow(ctx context.Context, f *dm.Flow) error {
	body, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO automation_flows (brand_id, id, body) VALUES (?, ?, ?)
		ON CONFLICT (brand_id, id) DO UPDATE SET body = excluded.body`, f.BrandID, f.ID, string(body))
	return wrap(err, "flow")
}

func (t *tx) DeleteFlow(ctx context.Context, brandID, id string) error {
	return t.deleted(ctx, "flow", `DELETE FROM automation_flows WHERE brand_id = ? AND id = ?`, brandID, id)
}

func (t *tx) BotState(ctx context.Context, conversationID string) (*dm.BotState, error) {
	s := dm.BotState{ConversationID: conversationID}
	var updated int64
	err := t.queryRow(ctx, `SELECT brand_id, silent, handed_off, streak, flow_id, flow_step, updated_at FROM bot_state WHERE conversation_id = ?`,
		conversationID).Scan(&s.BrandID, &s.Silent, &s.HandedOff, &s.Streak, &s.FlowID, &s.FlowStep, &updated)
	if err != nil {
		return nil, wrap(err, "bot state")
	}
	s.UpdatedAt = utc(updated)
	return &s, nil
}

func (t *tx) PutBotState(ctx context.Context, s *dm.BotState) error {
	_, err := t.exec(ctx, `INSERT INTO bot_state (conversation_id, brand_id, silent, handed_off, streak, flow_id, flow_step, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET silent = excluded.silent, handed_off = excluded.handed_off,
			streak = excluded.streak, flow_id = excluded.flow_id, flow_step = excluded.flow_step, updated_at = excluded.updated_at`,
		s.ConversationID, s.BrandID, s.Silent, s.HandedOff, s.Streak, s.FlowID, s.FlowStep, ms(s.UpdatedAt))
	return wrap(err, "bot state")
}

func (t *tx) CustomerAttributes(ctx context.Context, brandID, customerID string) (map[string]string, error) {
	rows, err := t.query(ctx, `SELECT key, value FROM customer_attributes WHERE brand_id = ? AND customer_id = ? ORDER BY key`, brandID, customerID)
	if err != nil {
		return nil, wrap(err, "attributes")
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, wrap(err, "attributes")
		}
		out[k] = v
	}
	return out, wrap(rows.Err(), "attributes")
}

func (t *tx) SetCustomerAttribute(ctx context.Context, brandID, customerID, key, value string) error {
	var err error
	if value == "" {
		_, err = t.exec(ctx, `DELETE FROM customer_attributes WHERE brand_id = ? AND customer_id = ? AND key = ?`, brandID, customerID, key)
	} else {
		_, err = t.exec(ctx, `INSERT INTO customer_attributes (brand_id, customer_id, key, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (brand_id, customer_id, key) DO UPDATE SET value = excluded.value`, brandID, customerID, key, value)
	}
	return wrap(err, "attribute")
}

func (t *tx) PutQuickReplies(ctx context.Context, messageID string, qrs []dm.QuickReply) error {
	body, err := json.Marshal(qrs)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO message_quick_replies (message_id, body) VALUES (?, ?)`, messageID, string(body))
	return wrap(err, "quick replies")
}

func (t *tx) QuickReplies(ctx context.Context, messageIDs []string) (map[string][]dm.QuickReply, error) {
	out := map[string][]dm.QuickReply{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(messageIDs)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT message_id, body FROM message_quick_replies WHERE message_id IN (SELECT value FROM json_each(?))`, string(ids))
	if err != nil {
		return nil, wrap(err, "quick replies")
	}
	defer rows.Close()
	for rows.Next() {
		var id, body string
		var qrs []dm.QuickReply
		if err := rows.Scan(&id, &body); err != nil {
			return nil, wrap(err, "quick replies")
		}
		if err := json.Unmarshal([]byte(body), &qrs); err != nil {
			return nil, wrap(err, "quick replies")
		}
		out[id] = qrs
	}
	return out, wrap(rows.Err(), "quick replies")
}

func (t *tx) AddAutomationLog(ctx context.Context, e *dm.AutomationLogEntry) error {
	if e.ID == "" {
		e.ID = dm.NewID()
	}
	_, err := t.exec(ctx, `INSERT INTO automation_log (brand_id, at, id, conversation_id, rule_id, event, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.BrandID, ms(e.At), e.ID, e.ConversationID, e.RuleID, e.Event, e.Outcome, e.Detail)
	return wrap(err, "automation log")
}

func (t *tx) AutomationLog(ctx context.Context, brandID, conversationID string, before time.Time, limit int) ([]dm.AutomationLogEntry, error) {
	limit = limitOr(limit, 50)
	q := `SELECT id, conversation_id, rule_id, event, outcome, detail, at FROM automation_log WHERE brand_id = ? AND at < ?`
	args := []any{brandID, ms(before)}
	if conversationID != "" {
		q += ` AND conversation_id = ?`
		args = append(args, conversationID)
	}
	rows, err := t.query(ctx, q+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, wrap(err, "automation log")
	}
	defer rows.Close()
	out := []dm.AutomationLogEntry{}
	for rows.Next() {
		e := dm.AutomationLogEntry{BrandID: brandID}
		var at int64
		if err := rows.Scan(&e.ID, &e.ConversationID, &e.RuleID, &e.Event, &e.Outcome, &e.Detail, &at); err != nil {
			return nil, wrap(err, "automation log")
		}
		e.At = utc(at)
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "automation log")
}

func (t *tx) CountAutomationLog(ctx context.Context, brandID, outcome string, from, to time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM automation_log WHERE brand_id = ? AND at >= ? AND at < ? AND outcome = ?`,
		brandID, ms(from), ms(to), outcome).Scan(&n)
	return n, wrap(err, "automation log")
}
