package brand

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/automation"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
)

// This file joins the rules engine (internal/automation) to the brand
// inbox: inside the customer's send transaction it gathers the facts,
// evaluates the brand's compiled rules, applies the decision to the inbox
// item and the bot's state, records the audit trail, and enqueues the bot's
// message as a durable job. Timers ("no reply within N minutes") are jobs
// too, so they survive restarts.

// Job kinds of the automation layer.
const (
	JobBotMessage = "automation.send"     // the bot's message, decided in a transaction
	JobNoReply    = "automation.no_reply" // a "no reply within N minutes" timer
)

// botJob is the payload of a JobBotMessage: the rendered text and its
// buttons, decided when the customer wrote.
type botJob struct {
	BrandID        string          `json:"brand_id"`
	ConversationID string          `json:"conversation_id"`
	Text           string          `json:"text"`
	QuickReplies   []dm.QuickReply `json:"quick_replies,omitempty"`
	// Handoff marks the hand-off confirmation, which goes out although the
	// bot is quiet from then on.
	Handoff bool `json:"handoff,omitempty"`
	// Purpose is what the consent engine weighs: a reply to the customer's
	// message, or a follow-up (timers, resolution).
	Purpose string `json:"purpose,omitempty"`
	// Recommend sends the customer's top product pick as a card with
	// the message (catalog.go), picked when the job runs.
	Recommend bool `json:"recommend,omitempty"`
	// Survey is the survey this message asks (surveys.go), recorded in the
	// message's own transaction.
	Survey *surveyAsk `json:"survey,omitempty"`
}

// noReplyJob is the payload of a JobNoReply timer.
type noReplyJob struct {
	BrandID        string    `json:"brand_id"`
	ConversationID string    `json:"conversation_id"`
	RuleID         string    `json:"rule_id"`
	WaitingSince   time.Time `json:"waiting_since"`
}

// programCache keeps each brand's compiled automation, checked against the
// settings' version on every use (one indexed read of one integer), so that
// every node sees a change at once and evaluation never re-reads 200 rules
// nor decodes the settings.
type programCache struct {
	mu sync.Mutex
	m  map[string]*automation.Program
}

// program returns a brand's compiled automation, or nil when it has none
// or it is switched off.
func (s *Step) program(ctx context.Context, tx dm.Tx, brandID string) (*automation.Program, error) {
	version, err := tx.AutomationVersion(ctx, brandID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.programAt(ctx, tx, brandID, version)
}

// programOf is program when the caller may have the brand's state (st,
// whose bot settings' version is current in tx), which saves the read of
// the version.
func (s *Step) programOf(ctx context.Context, tx dm.Tx, brandID string, st *brandState) (*automation.Program, error) {
	if st == nil || st.account.ID != brandID {
		return s.program(ctx, tx, brandID)
	}
	if st.automation < 0 {
		return nil, nil
	}
	return s.programAt(ctx, tx, brandID, st.automation)
}

// programAt is program at a known version of the bot settings.
func (s *Step) programAt(ctx context.Context, tx dm.Tx, brandID string, version int64) (*automation.Program, error) {
	c := &s.programs
	c.mu.Lock()
	p := c.m[brandID]
	c.mu.Unlock()
	if p != nil && p.Settings.Version == version {
		if !p.Settings.Enabled {
			return nil, nil
		}
		return p, nil
	}
	set, err := tx.AutomationSettings(ctx, brandID)
	if err != nil {
		return nil, err
	}
	rules, err := tx.Rules(ctx, brandID)
	if err != nil {
		return nil, err
	}
	flows, err := tx.Flows(ctx, brandID)
	if err != nil {
		return nil, err
	}
	p = automation.Compile(*set, rules, flows)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = map[string]*automation.Program{}
	}
	c.m[brandID] = p
	c.mu.Unlock()
	return p, nil
}

// botInput is what happened, for automate.
type botInput struct {
	kind      string // automation.EventMessage, EventNoReply, EventResolved
	text      string
	payload   string
	automated bool
	first     bool
	// waitStarted: this customer message started a wait for an answer,
	// which arms the no_reply timers.
	waitStarted bool
	ruleID      string // the timer's rule (EventNoReply)
	actor       *dm.Account
	// state is the brand's state when the caller has it (a send), nil
	// otherwise.
	state *brandState
	// bot is the conversation's bot state when the caller read it in this
	// transaction (botRead; nil: none yet); otherwise automate reads it.
	bot     *dm.BotState
	botRead bool
}

// automate runs the brand's bot on one event inside a write transaction. It
// changes it (the caller writes it) and the bot's state, and enqueues what
// the bot sends.
func (s *Step) automate(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, set *dm.BrandSettings, it *dm.InboxItem, in botInput) error {
	p, err := s.programOf(ctx, tx, b.ID, in.state)
	if err != nil || p == nil {
		return err
	}
	now := s.now()
	st, err := s.botState(ctx, tx, b.ID, it.ConversationID, in.bot, in.botRead)
	if err != nil {
		return err
	}
	sc := newSchedule(set)
	ev := automation.Event{Kind: in.kind, Text: in.text, Payload: in.payload, Automated: in.automated, First: in.first,
		OutsideHours: set.HoursEnabled && !sc.open(now), RuleID: in.ruleID, Local: now.In(sc.loc),
		Labels: it.Labels, Status: it.Status, Unassigned: it.AssigneeID == "", State: *st}
	if p.NeedsFollows {
		r, err := tx.Relationship(ctx, customer.ID, b.ID)
		if err != nil {
			return err
		}
		ev.Follows = r.AFollowsB
	}
	if p.NeedsAttributes {
		if ev.Attributes, err = tx.CustomerAttributes(ctx, b.ID, customer.ID); err != nil {
			return err
		}
	}
	d := p.Evaluate(ev)
	purpose := consent.FollowUp
	if in.kind == automation.EventMessage || d.Handoff {
		purpose = consent.Reply
	}
	before := cloneItem(it)
	if err := s.apply(ctx, tx, out, b, customer, it, d, purpose, now); err != nil {
		return err
	}
	// A customer message's changes are audited by MessageStored, with
	// the rest of what that message changed.
	if in.kind != automation.EventMessage {
		if err := s.audit(ctx, tx, out, b, before, it, nil, now); err != nil {
			return err
		}
	}
	if in.waitStarted && !d.State.Silent {
		for _, r := range p.NoReplyRules {
			payload, _ := json.Marshal(noReplyJob{BrandID: b.ID, ConversationID: it.ConversationID, RuleID: r.ID, WaitingSince: *it.WaitingSince})
			if _, err := out.Enqueue(ctx, &dm.Job{Kind: JobNoReply, Payload: payload, CreatedAt: now,
				RunAt: it.WaitingSince.Add(time.Duration(r.Trigger.Minutes) * time.Minute),
				Key:   it.ConversationID + "/" + r.ID + "/" + it.WaitingSince.Format(time.RFC3339Nano)}); err != nil {
				return err
			}
		}
	}
	if d.State != *st {
		d.State.UpdatedAt = now
		if err := tx.PutBotState(ctx, &d.State); err != nil {
			return err
		}
	}
	for i, l := range d.Log {
		if i == 20 {
			break // one event never writes an unbounded trail
		}
		if err := tx.AddAutomationLog(ctx, &dm.AutomationLogEntry{BrandID: b.ID, ConversationID: it.ConversationID,
			RuleID: l.RuleID, Event: in.kind, Outcome: l.Outcome, Detail: dm.Truncate(l.Detail, 500), At: now}); err != nil {
			return err
		}
	}
	return nil
}

// apply carries out a decision on the inbox item (written by the caller)
// and enqueues the bot's message.
func (s *Step) apply(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, it *dm.InboxItem, d automation.Decision, purpose string, now time.Time) error {
	for _, l := range d.AddLabels {
		if n, err := normalizeLabel(l); err == nil && !slices.Contains(it.Labels, n) && len(it.Labels) < maxLabels {
			it.Labels = append(it.Labels, n)
		}
	}
	for _, l := range d.RemoveLabels {
		if n, err := normalizeLabel(l); err == nil {
			it.Labels = slices.DeleteFunc(it.Labels, func(x string) bool { return x == n })
		}
	}
	if d.Priority != "" && validPriority(d.Priority) {
		it.Priority = d.Priority
	}
	switch d.Assign {
	case "":
	case "round_robin":
		if it.AssigneeID == "" {
			if err := s.roundRobin(ctx, tx, b.ID, it); err != nil {
				return err
			}
		}
	case "team:" + strings.TrimPrefix(d.Assign, "team:"):
		// An agent team's own round-robin (console.go); a team deleted
		// since the rule was saved skips the assignment.
		id, err := s.teamRoundRobin(ctx, tx, b.ID, strings.TrimPrefix(d.Assign, "team:"))
		if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		}
		if id != "" {
			it.AssigneeID = id
		}
	default:
		if acc, _, err := teamMemberByHandle(ctx, tx, b.ID, d.Assign); err == nil {
			it.AssigneeID = acc.ID
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		} // an agent who left the team: the rule's assignment is skipped
	}
	if d.Status != "" && d.Status != it.Status {
		if err := setStatus(ctx, tx, it, d.Status, "", now); err != nil {
			return err
		}
		if d.Status == dm.InboxResolved {
			if err := s.Changed(ctx, tx, out, InboxChange{Type: dm.WebhookConversationResolved, Brand: b, Item: it, At: now}); err != nil {
				return err
			}
		}
	}
	if d.Handoff {
		v, err := s.view(ctx, tx, b, it, nil)
		if err != nil {
			return err
		}
		// The team hears of it at once, whatever else the event carries.
		if err := tellTeam(ctx, tx, out, b.ID, dm.Event{Type: dm.EventInboxUpdated, ConversationID: it.ConversationID, At: now,
			Brand: b.Handle, Inbox: v, State: "handoff"}); err != nil {
			return err
		}
		// And the brand's external programs (webhooks).
		if err := s.Changed(ctx, tx, out, InboxChange{Type: dm.WebhookConversationHandedOff, Brand: b, Item: it, At: now}); err != nil {
			return err
		}
	}
	if d.Survey != "" {
		if err := s.askSurvey(ctx, tx, out, b, customer, it, d.Survey, now); err != nil {
			return err
		}
	}
	if d.Send == nil {
		return nil
	}
	tpl, err := ParseTemplate(d.Send.Text)
	if err != nil {
		return err // validated at save time: a stored rule always parses
	}
	payload, err := json.Marshal(botJob{BrandID: b.ID, ConversationID: it.ConversationID, Text: tpl.Render(templateVars(customer, b, nil)),
		QuickReplies: d.Send.QuickReplies, Handoff: d.Handoff, Purpose: purpose, Recommend: d.Send.Recommend})
	if err != nil {
		return err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobBotMessage, Payload: payload, CreatedAt: now})
	return err
}

// setStatus moves an inbox item (and its open thread) to a status.
func setStatus(ctx context.Context, tx dm.Tx, it *dm.InboxItem, status, resolverID string, t time.Time) error {
	it.Status, it.SnoozedUntil = status, nil
	if it.ThreadID == "" {
		return nil
	}
	th, err := tx.Thread(ctx, it.ThreadID)
	if err != nil {
		return err
	}
	switch {
	case status == dm.InboxResolved && th.ResolvedAt == nil:
		th.ResolvedAt, th.ResolverID = &t, resolverID
	case status != dm.InboxResolved && th.ResolvedAt != nil:
		th.ResolvedAt, th.ResolverID = nil, ""
	default:
		return nil
	}
	return tx.PutThread(ctx, th)
}

// brandWrote follows the brand's own messages: a person of the team writing
// makes the bot quiet until the conversation is resolved, and a bot message
// keeps its quick replies.
//
// bot is the conversation's bot state as the caller read it in this
// transaction (nil: none yet).
func (s *Step) brandWrote(ctx context.Context, tx dm.Tx, st *brandState, b *dm.Account, it *dm.InboxItem, bot *dm.BotState, sent *chat.Sent) error {
	if sent.Params.Product != nil {
		if err := s.productSent(ctx, tx, b, it, sent); err != nil {
			return err
		}
	}
	if len(sent.Params.QuickReplies) > 0 {
		// The opt-in button reads what it does, whatever the brand wrote
		// (before the members' events, which carry the message).
		qrs := dm.HonestQuickReplies(sent.Params.QuickReplies)
		sent.Params.QuickReplies, sent.Message.QuickReplies = qrs, qrs
		if err := tx.PutQuickReplies(ctx, sent.Message.ID, qrs); err != nil {
			return err
		}
	}
	if sent.Params.Automated {
		return nil
	}
	p, err := s.programOf(ctx, tx, b.ID, st)
	if err != nil || p == nil {
		return err
	}
	if bot, err = s.botState(ctx, tx, b.ID, it.ConversationID, bot, true); err != nil || bot.Silent {
		return err
	}
	bot.Silent, bot.UpdatedAt = true, s.now()
	if err := tx.PutBotState(ctx, bot); err != nil {
		return err
	}
	return tx.AddAutomationLog(ctx, &dm.AutomationLogEntry{BrandID: b.ID, ConversationID: it.ConversationID, Event: "agent_message",
		Outcome: "silent", Detail: "a person of the team wrote: the bot stays quiet until the conversation is resolved", At: bot.UpdatedAt})
}

// resolved runs the bot on a conversation's resolution (its "resolved"
// rules, and the end of the quiet), inside the resolving transaction.
func (s *Step) resolved(ctx context.Context, tx dm.Tx, out chat.Outbox, b *dm.Account, it *dm.InboxItem) error {
	customer, err := tx.Account(ctx, it.CustomerID)
	if err != nil {
		return err
	}
	set, err := loadSettings(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	return s.automate(ctx, tx, out, b, customer, set, it, botInput{kind: automation.EventResolved})
}

// RegisterJobs gives r the handlers of the brand layer's durable jobs.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Handle(JobAwayMessage, jobs.Handler{Run: s.sendAwayMessage})
	r.Handle(JobBotMessage, jobs.Handler{Run: s.sendBotMessage})
	r.Handle(JobNoReply, jobs.Handler{Run: s.noReply})
	r.Handle(JobCampaignPlan, jobs.Handler{Run: s.planCampaign})
	r.Handle(JobEventReminder, jobs.Handler{Run: s.sendReminders})
	r.Handle(JobCampaignFollowUp, jobs.Handler{Run: s.planFollowUp})
	r.Handle(JobCreatorFollowUp, jobs.Handler{Run: s.creatorFollowUp})
	r.Handle(JobCreatorDue, jobs.Handler{Run: s.creatorDue})
	r.Handle(JobLinkClick, jobs.Handler{Run: s.tellClick})
	// A lane comes back after every batch (RetryAt, never buried for
	// it); only errors count towards a dead letter, and a campaign's lane
	// must outlive a bad minute of its database.
	r.Handle(JobCampaignSend, jobs.Handler{Run: s.sendLane, MaxAttempts: 1 << 30})
}

// sendBotMessage sends what the bot decided to say, unless a person of the
// team has taken over since (the bot stays quiet then), with the job's id as
// client_id so that a job run twice sends once.
func (s *Service) sendBotMessage(ctx context.Context, j *dm.Job) error {
	var p botJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var b *dm.Account
	quiet := false
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if b, err = tx.Account(ctx, p.BrandID); err != nil {
			return err
		}
		st, err := tx.BotState(ctx, p.ConversationID)
		if err == nil {
			quiet = st.Silent && !p.Handoff
		} else if dm.IsCode(err, dm.ENOTFOUND) {
			err = nil
		}
		return err
	}); err != nil {
		if dm.IsCode(err, dm.ENOTFOUND) {
			return jobs.Permanent(err)
		}
		return err
	}
	if quiet {
		return nil
	}
	sp := chat.SendParams{Text: p.Text, Automated: true, QuickReplies: p.QuickReplies, Purpose: p.Purpose, ClientID: "job:" + j.ID}
	if p.Survey != nil {
		sp.Within = p.Survey.record(b.ID)
	}
	if p.Recommend {
		card, err := s.topPickCard(ctx, b.ID, p.ConversationID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return jobs.Permanent(err)
		}
		if err != nil {
			return err
		}
		if card == nil && sp.Text == "" {
			return nil // nothing to recommend, and nothing else to say
		}
		sp.Product = card
		if sp.Text == "" {
			sp.Text = cardText(card)
		}
	}
	_, _, err := s.chat.Send(ctx, b, p.ConversationID, sp)
	var later *Deferred
	if errors.As(err, &later) {
		return jobs.RetryAt(later.Until, err) // quiet hours: sent when they end
	}
	switch dm.ErrorCode(err) {
	case dm.ENOTFOUND, dm.EFORBIDDEN, dm.EINVALID, dm.ECONFLICT:
		// Blocked, left, or refused: automation never forces a message in.
		return jobs.Permanent(err)
	}
	return err
}

// noReply is a "no reply within N minutes" timer: if the customer still
// waits since the same message, the rule's actions run.
func (s *Service) noReply(ctx context.Context, j *dm.Job) error {
	var p noReplyJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	return s.chat.Update(ctx, func(tx dm.Tx, out chat.Outbox) error {
		it, err := tx.InboxItem(ctx, p.ConversationID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil
		}
		if err != nil {
			return err
		}
		if it.WaitingSince == nil || !it.WaitingSince.Equal(p.WaitingSince) || it.Status == dm.InboxResolved {
			return nil // answered, or a newer wait has its own timer
		}
		b, err := tx.Account(ctx, p.BrandID)
		if err != nil {
			return err
		}
		customer, err := tx.Account(ctx, it.CustomerID)
		if err != nil {
			return err
		}
		set, err := loadSettings(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if err := s.step.automate(ctx, tx, out, b, customer, set, it, botInput{kind: automation.EventNoReply, ruleID: p.RuleID}); err != nil {
			return err
		}
		it.UpdatedAt = s.now()
		if err := tx.PutInboxItem(ctx, it); err != nil {
			return err
		}
		v, err := s.step.view(ctx, tx, b, it, nil)
		if err != nil {
			return err
		}
		return tellTeam(ctx, tx, out, b.ID, dm.Event{Type: dm.EventInboxUpdated, ConversationID: it.ConversationID, At: it.UpdatedAt, Brand: b.Handle, Inbox: v})
	})
}

// botState is a conversation's bot state, for the caller to change: known
// when read is true (nil: none yet), read from tx otherwise.
func (s *Step) botState(ctx context.Context, tx dm.Tx, brandID, convID string, known *dm.BotState, read bool) (*dm.BotState, error) {
	if read {
		if known == nil {
			return &dm.BotState{ConversationID: convID, BrandID: brandID}, nil
		}
		return ptr(*known), nil
	}
	st, err := tx.BotState(ctx, convID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return &dm.BotState{ConversationID: convID, BrandID: brandID}, nil
	}
	return st, err
}
