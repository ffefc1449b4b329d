package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// qBrandConversation reads a brand conversation's inbox item, bot state,
// consent row and open text survey's id in one statement: three LEFT JOINs
// to a single row, each on its table's primary key, so a missing row is a
// row of NULLs, and the survey's id through its conversation index. The
// columns of each part that are NOT NULL in their table are read through
// COALESCE; the part's first column tells whether the row exists. An open
// text survey is rare (a customer's message within a day of one), so its
// row is read by id only when there is one, and every other message skips
// scanning its twelve columns. The last column tells whether the customer
// has a campaign delivery whose funnel marks a message of theirs would set
// (MarkBrandReplied's rows, through its partial index).
const qBrandConversation = `SELECT
	i.conversation_id IS NOT NULL, COALESCE(i.brand_id, ''), COALESCE(i.customer_id, ''), COALESCE(i.status, ''), i.snoozed_until,
	COALESCE(i.assignee_id, ''), COALESCE(i.labels, '[]'), COALESCE(i.priority, ''), i.waiting_since, i.first_response_at,
	COALESCE(i.last_agent_id, ''), i.away_sent_at, COALESCE(i.thread_id, ''), COALESCE(i.last_message_at, 0),
	COALESCE(i.created_at, 0), COALESCE(i.updated_at, 0),
	b.conversation_id IS NOT NULL, COALESCE(b.brand_id, ''), COALESCE(b.silent, 0), COALESCE(b.handed_off, 0), COALESCE(b.streak, 0),
	COALESCE(b.flow_id, ''), COALESCE(b.flow_step, ''), COALESCE(b.updated_at, 0),
	c.brand_id IS NOT NULL, COALESCE(c.opted_in, 0), COALESCE(c.opted_out, 0), c.last_inbound, COALESCE(c.unanswered, 0),
	COALESCE(c.promos, ''), COALESCE(c.updated_at, 0),
	COALESCE((SELECT s2.id FROM survey_sends s2 JOIN surveys v ON v.id = s2.survey_id
		WHERE s2.conversation_id = ? AND s2.sent_at >= ? AND s2.answered_at IS NULL AND v.kind = 'text'
		ORDER BY s2.sent_at DESC LIMIT 1), ''),
	COALESCE((SELECT version FROM brand_state_versions WHERE brand_id = ?), 0),
	EXISTS (SELECT 1 FROM campaign_deliveries d WHERE d.user_id = ? AND d.brand_id = ? AND d.state = 'sent'
		AND (d.read_at IS NULL OR d.replied_at IS NULL))
FROM (SELECT 1) AS one
LEFT JOIN brand_inbox i ON i.conversation_id = ?
LEFT JOIN bot_state b ON b.conversation_id = ?
LEFT JOIN consent c ON c.brand_id = ? AND c.user_id = ?`

func (t *tx) BrandConversation(ctx context.Context, conversationID, brandID, customerID string, surveySince time.Time) (*dm.BrandConversation, error) {
	var (
		hasItem, hasBot, hasConsent   bool
		it                            dm.InboxItem
		snoozed, waiting, first, away sql.NullInt64
		labels                        string
		last, created, updated        int64
		bot                           dm.BotState
		botUpdated                    int64
		c                             dm.Consent
		lastInbound                   sql.NullInt64
		promos                        string
		consentUpdated                int64
		surveyID                      string
		version                       int64
		funnelOpen                    bool
	)
	// (The subqueries are in the select list, before the joins: their
	// parameters come first.)
	err := t.queryRow(ctx, qBrandConversation, conversationID, ms(surveySince), brandID, customerID, brandID, conversationID, conversationID, brandID, customerID).Scan(
		&hasItem, &it.BrandID, &it.CustomerID, &it.Status, &snoozed, &it.AssigneeID, &labels, &it.Priority, &waiting, &first,
		&it.LastAgentID, &away, &it.ThreadID, &last, &created, &updated,
		&hasBot, &bot.BrandID, &bot.Silent, &bot.HandedOff, &bot.Streak, &bot.FlowID, &bot.FlowStep, &botUpdated,
		&hasConsent, &c.OptedIn, &c.OptedOut, &lastInbound, &c.Unanswered, &promos, &consentUpdated,
		&surveyID, &version, &funnelOpen)
	if err != nil {
		return nil, wrap(err, "brand conversation")
	}
	out := &dm.BrandConversation{StateVersion: version, FunnelOpen: funnelOpen}
	if hasItem {
		it.ConversationID = conversationID
		if err := parseLabels(labels, &it.Labels); err != nil {
			return nil, fmt.Errorf("sqlite: inbox labels: %w", err)
		}
		it.SnoozedUntil, it.WaitingSince, it.FirstResponseAt, it.AwaySentAt = nullUTC(snoozed), nullUTC(waiting), nullUTC(first), nullUTC(away)
		it.LastMessageAt, it.CreatedAt, it.UpdatedAt = utc(last), utc(created), utc(updated)
		out.Item = &it
	}
	if hasBot {
		bot.ConversationID, bot.UpdatedAt = conversationID, utc(botUpdated)
		out.Bot = &bot
	}
	if hasConsent {
		c.BrandID, c.UserID = brandID, customerID
		c.LastInbound, c.UpdatedAt, c.Promos = nullUTC(lastInbound), utc(consentUpdated), parsePromos(promos)
		out.Consent = &c
	}
	if surveyID != "" {
		sv, err := t.SurveySend(ctx, surveyID)
		if err != nil {
			return nil, err
		}
		out.TextSurvey = sv
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
