package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// qBrandConversation reads a brand conversation's inbox item, bot state,
// consent row and open text survey's id in one statement: three LEFT JOINs
// to a single row, each on its table's primary key, so a missing row is a
// row of NULLs, and the survey's id through its conversation index. An open
// text survey is rare (a customer's message within a day of one), so its
// row is read by id only when there is one, and every other message skips
// scanning its twelve columns.
//
// The text columns come one a column (through COALESCE: a missing row
// reads as empty). The numbers (whether each part's row exists, the
// times, counts and flags, the brand's state version, and whether the
// customer has a campaign delivery whose funnel marks a message of theirs
// would set: MarkBrandReplied's rows, through its partial index) come in
// one last column, formatted by printf in decimal and comma-separated, an
// empty field for a NULL time (a missing row's numbers read as 0: its
// part is not read). The driver costs about 2,000 instructions per column
// of a row (its name, its declared type and its value, each a call into
// SQLite); 21 columns as one cost less even with SQLite formatting them
// and Go parsing them back: the read went from 117,000 instructions to
// 101,000. Numbers hold no comma, so the split is exact.
const qBrandConversation = `SELECT
	COALESCE(i.brand_id, ''), COALESCE(i.customer_id, ''), COALESCE(i.status, ''), COALESCE(i.assignee_id, ''),
	COALESCE(i.labels, '[]'), COALESCE(i.priority, ''), COALESCE(i.last_agent_id, ''), COALESCE(i.thread_id, ''),
	COALESCE(b.brand_id, ''), COALESCE(b.flow_id, ''), COALESCE(b.flow_step, ''),
	COALESCE(c.promos, ''),
	COALESCE((SELECT s2.id FROM survey_sends s2 JOIN surveys v ON v.id = s2.survey_id
		WHERE s2.conversation_id = ? AND s2.sent_at >= ? AND s2.answered_at IS NULL AND v.kind = 'text'
		ORDER BY s2.sent_at DESC LIMIT 1), ''),
	printf('%d,%s,%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s,%d,%d,%d,%d',
		i.conversation_id IS NOT NULL, COALESCE(i.snoozed_until, ''), COALESCE(i.waiting_since, ''),
		COALESCE(i.first_response_at, ''), COALESCE(i.away_sent_at, ''), i.last_message_at, i.created_at, i.updated_at,
		b.conversation_id IS NOT NULL, b.silent, b.handed_off, b.streak, b.updated_at,
		c.brand_id IS NOT NULL, c.opted_in, c.opted_out, COALESCE(c.last_inbound, ''), c.unanswered, c.updated_at,
		(SELECT version FROM brand_state_versions WHERE brand_id = ?),
		EXISTS (SELECT 1 FROM campaign_deliveries d WHERE d.user_id = ? AND d.brand_id = ? AND d.state = 'sent'
			AND (d.read_at IS NULL OR d.replied_at IS NULL)))
FROM (SELECT 1) AS one
LEFT JOIN brand_inbox i ON i.conversation_id = ?
LEFT JOIN bot_state b ON b.conversation_id = ?
LEFT JOIN consent c ON c.brand_id = ? AND c.user_id = ?`

// The fields of qBrandConversation's numbers column, in order.
const (
	bcHasItem = iota
	bcSnoozed
	bcWaiting
	bcFirstResponse
	bcAway
	bcLastMessage
	bcItemCreated
	bcItemUpdated
	bcHasBot
	bcSilent
	bcHandedOff
	bcStreak
	bcBotUpdated
	bcHasConsent
	bcOptedIn
	bcOptedOut
	bcLastInbound
	bcUnanswered
	bcConsentUpdated
	bcVersion
	bcFunnelOpen
	bcFields
)

func (t *tx) BrandConversation(ctx context.Context, conversationID, brandID, customerID string, surveySince time.Time) (*dm.BrandConversation, error) {
	var (
		it       dm.InboxItem
		labels   string
		bot      dm.BotState
		c        dm.Consent
		promos   string
		surveyID string
		packed   string
	)
	// (The subqueries are in the select list, before the joins: their
	// parameters come first.)
	err := t.queryRow(ctx, qBrandConversation, conversationID, ms(surveySince), brandID, customerID, brandID,
		conversationID, conversationID, brandID, customerID).Scan(
		&it.BrandID, &it.CustomerID, &it.Status, &it.AssigneeID, &labels, &it.Priority, &it.LastAgentID, &it.ThreadID,
		&bot.BrandID, &bot.FlowID, &bot.FlowStep, &promos, &surveyID, &packed)
	if err != nil {
		return nil, wrap(err, "brand conversation")
	}
	var n [bcFields]sql.NullInt64
	if err := splitNumbers(packed, n[:]); err != nil {
		return nil, fmt.Errorf("sqlite: brand conversation: %w", err)
	}
	out := &dm.BrandConversation{StateVersion: n[bcVersion].Int64, FunnelOpen: n[bcFunnelOpen].Int64 != 0}
	if n[bcHasItem].Int64 != 0 {
		it.ConversationID = conversationID
		if err := parseLabels(labels, &it.Labels); err != nil {
			return nil, fmt.Errorf("sqlite: inbox labels: %w", err)
		}
		it.SnoozedUntil, it.WaitingSince = nullUTC(n[bcSnoozed]), nullUTC(n[bcWaiting])
		it.FirstResponseAt, it.AwaySentAt = nullUTC(n[bcFirstResponse]), nullUTC(n[bcAway])
		it.LastMessageAt, it.CreatedAt, it.UpdatedAt = utc(n[bcLastMessage].Int64), utc(n[bcItemCreated].Int64), utc(n[bcItemUpdated].Int64)
		out.Item = &it
	}
	if n[bcHasBot].Int64 != 0 {
		bot.ConversationID, bot.UpdatedAt = conversationID, utc(n[bcBotUpdated].Int64)
		bot.Silent, bot.HandedOff, bot.Streak = n[bcSilent].Int64 != 0, n[bcHandedOff].Int64 != 0, int(n[bcStreak].Int64)
		out.Bot = &bot
	}
	if n[bcHasConsent].Int64 != 0 {
		c.BrandID, c.UserID = brandID, customerID
		c.OptedIn, c.OptedOut, c.Unanswered = n[bcOptedIn].Int64 != 0, n[bcOptedOut].Int64 != 0, int(n[bcUnanswered].Int64)
		c.LastInbound, c.UpdatedAt, c.Promos = nullUTC(n[bcLastInbound]), utc(n[bcConsentUpdated].Int64), parsePromos(promos)
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

// splitNumbers reads a column of comma-separated decimal numbers into dst,
// one a field; an empty field is NULL. The column must have exactly
// len(dst) fields.
func splitNumbers(s string, dst []sql.NullInt64) error {
	for i := range dst {
		f := s
		if j := strings.IndexByte(s, ','); j >= 0 {
			f, s = s[:j], s[j+1:]
		} else if i != len(dst)-1 {
			return fmt.Errorf("%d numbers, want %d", i+1, len(dst))
		} else {
			s = ""
		}
		if f == "" {
			dst[i] = sql.NullInt64{}
			continue
		}
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return err
		}
		dst[i] = sql.NullInt64{Int64: v, Valid: true}
	}
	if s != "" {
		return fmt.Errorf("more than %d numbers", len(dst))
	}
	return nil
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
