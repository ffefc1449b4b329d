package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// qBrandConversation reads a brand conversation's inbox item, bot state,
// consent row and open text survey in one statement: four LEFT JOINs to a
// single row, so a missing row is a row of NULLs. The columns of each part
// that are NOT NULL in their table are read through COALESCE; the part's
// first column tells whether the row exists. In a write transaction the
// inbox item is locked as InboxItem locks it: FOR UPDATE cannot apply to
// the nullable side of an outer join, so the item is read FOR UPDATE in a
// materialized CTE (which runs exactly once) and joined from there. The
// last column tells whether the customer has a campaign delivery whose
// funnel marks a message of theirs would set (MarkBrandReplied's rows,
// through its partial index). A delivery is marked sent in its message's
// transaction, which holds the conversation's row lock from the message's
// insert on, as the customer's message does before this read: the read
// sees every delivery sent before the customer's message.
func qBrandConversation(lock bool) string {
	item := `SELECT * FROM brand_inbox WHERE conversation_id = $1`
	if lock {
		item += ` FOR UPDATE`
	}
	return `WITH i AS MATERIALIZED (` + item + `)
SELECT
	i.conversation_id IS NOT NULL, COALESCE(i.brand_id, ''), COALESCE(i.customer_id, ''), COALESCE(i.status, ''), i.snoozed_until,
	COALESCE(i.assignee_id, ''), COALESCE(i.labels, '[]'), COALESCE(i.priority, ''), i.waiting_since, i.first_response_at,
	COALESCE(i.last_agent_id, ''), i.away_sent_at, COALESCE(i.thread_id, ''), i.last_message_at, i.created_at, i.updated_at,
	b.conversation_id IS NOT NULL, COALESCE(b.brand_id, ''), COALESCE(b.silent, false), COALESCE(b.handed_off, false),
	COALESCE(b.streak, 0), COALESCE(b.flow_id, ''), COALESCE(b.flow_step, ''), b.updated_at,
	c.brand_id IS NOT NULL, COALESCE(c.opted_in, false), COALESCE(c.opted_out, false), c.last_inbound,
	COALESCE(c.unanswered, 0), COALESCE(c.promos, ''), c.updated_at,
	s.id IS NOT NULL, COALESCE(s.id, ''), COALESCE(s.survey_id, ''), COALESCE(s.brand_id, ''), COALESCE(s.user_id, ''),
	COALESCE(s.conversation_id, ''), COALESCE(s.message_id, ''), COALESCE(s.agent_id, ''), COALESCE(s.campaign_id, ''),
	s.sent_at, s.score, COALESCE(s.text, ''), s.answered_at,
	COALESCE((SELECT version FROM brand_state_versions WHERE brand_id = $2), 0),
	EXISTS (SELECT 1 FROM campaign_deliveries d WHERE d.user_id = $3 AND d.brand_id = $2 AND d.state = 'sent'
		AND (d.read_at IS NULL OR d.replied_at IS NULL))
FROM (SELECT 1) AS one
LEFT JOIN i ON true
LEFT JOIN bot_state b ON b.conversation_id = $1
LEFT JOIN consent c ON c.brand_id = $2 AND c.user_id = $3
LEFT JOIN survey_sends s ON s.id = (SELECT s2.id FROM survey_sends s2 JOIN surveys v ON v.id = s2.survey_id
	WHERE s2.conversation_id = $1 AND s2.sent_at >= $4 AND s2.answered_at IS NULL AND v.kind = 'text'
	ORDER BY s2.sent_at DESC LIMIT 1)`
}

var (
	qBrandConversationRead  = qBrandConversation(false)
	qBrandConversationWrite = qBrandConversation(true)
)

func (t *tx) BrandConversation(ctx context.Context, conversationID, brandID, customerID string, surveySince time.Time) (*dm.BrandConversation, error) {
	q := qBrandConversationRead
	if t.write {
		// As InboxItem: the conversation first, then the item's row.
		if err := t.lockConversation(ctx, conversationID); err != nil {
			return nil, err
		}
		q = qBrandConversationWrite
	}
	var (
		hasItem, hasBot, hasConsent, hasSurvey bool
		it                                     dm.InboxItem
		labels                                 string
		last, created, updated                 *time.Time
		bot                                    dm.BotState
		streak                                 int64
		botUpdated                             *time.Time
		c                                      dm.Consent
		promos                                 string
		consentUpdated                         *time.Time
		sv                                     dm.SurveySend
		sent                                   *time.Time
		score                                  *int32
		version                                int64
		funnelOpen                             bool
	)
	err := t.tx.QueryRow(ctx, q, conversationID, brandID, customerID, surveySince).Scan(
		&hasItem, &it.BrandID, &it.CustomerID, &it.Status, &it.SnoozedUntil, &it.AssigneeID, &labels, &it.Priority,
		&it.WaitingSince, &it.FirstResponseAt, &it.LastAgentID, &it.AwaySentAt, &it.ThreadID, &last, &created, &updated,
		&hasBot, &bot.BrandID, &bot.Silent, &bot.HandedOff, &streak, &bot.FlowID, &bot.FlowStep, &botUpdated,
		&hasConsent, &c.OptedIn, &c.OptedOut, &c.LastInbound, &c.Unanswered, &promos, &consentUpdated,
		&hasSurvey, &sv.ID, &sv.SurveyID, &sv.BrandID, &sv.UserID, &sv.ConversationID, &sv.MessageID, &sv.AgentID, &sv.CampaignID,
		&sent, &score, &sv.Text, &sv.AnsweredAt, &version, &funnelOpen)
	if err != nil {
		return nil, wrap(err, "brand conversation")
	}
	out := &dm.BrandConversation{StateVersion: version, FunnelOpen: funnelOpen}
	if hasItem {
		it.ConversationID = conversationID
		if err := parseLabels(labels, &it.Labels); err != nil {
			return nil, fmt.Errorf("postgres: inbox labels: %w", err)
		}
		it.SnoozedUntil, it.WaitingSince, it.FirstResponseAt, it.AwaySentAt = utcPtr(it.SnoozedUntil), utcPtr(it.WaitingSince), utcPtr(it.FirstResponseAt), utcPtr(it.AwaySentAt)
		it.LastMessageAt, it.CreatedAt, it.UpdatedAt = last.UTC(), created.UTC(), updated.UTC()
		out.Item = &it
	}
	if hasBot {
		bot.ConversationID, bot.Streak, bot.UpdatedAt = conversationID, int(streak), botUpdated.UTC()
		out.Bot = &bot
	}
	if hasConsent {
		c.BrandID, c.UserID = brandID, customerID
		c.LastInbound, c.UpdatedAt, c.Promos = utcPtr(c.LastInbound), consentUpdated.UTC(), parsePromos(promos)
		out.Consent = &c
	}
	if hasSurvey {
		sv.SentAt, sv.AnsweredAt = sent.UTC(), utcPtr(sv.AnsweredAt)
		if score != nil {
			n := int(*score)
			sv.Score = &n
		}
		out.TextSurvey = &sv
	}
	return out, nil
}

// parseLabels reads an inbox item's labels column (a JSON array of
// strings). Most items have none: "[]" is the empty list without a run of
// encoding/json (a brand send reads the column on every message).
func parseLabels(s string, dst *[]string) error {
	if s == "[]" {
		*dst = []string{}
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}
