package brand

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/automation"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Step is the brand layer's stage of the send pipeline (chat.Step): inside
// every send's transaction it keeps the shared inbox of brand conversations
// in step with their messages, and records who wrote each brand message. It
// is built before the chat service (NewStep), given to it in
// chat.Config.Steps, and then to the brand service (New).
type Step struct {
	log      *slog.Logger
	clock    func() time.Time
	kinds    kindCache    // account kinds, for telling brand sends apart
	programs programCache // compiled automation, by brand
	states   stateCache   // brands' slowly changing state (state.go)
	// watchers follow inbox changes (webhooks; see Watch).
	watchers []InboxWatcher
	// sendLease is the service's campaign lease (Config.SendLease).
	sendLease time.Duration
	limits    Limits
	// publicURL, clickLimit and previewLimit are the service's
	// (Config.PublicURL, Config.RateLimitOff), kept here until New.
	publicURL    func() string
	clickLimit   *ratelimit.Limiter
	previewLimit *ratelimit.Limiter
}

var (
	_ chat.Step          = (*Step)(nil)
	_ chat.ChangeWatcher = (*Step)(nil)
	_ chat.Decorator     = (*Step)(nil)
	_ chat.ReadWatcher   = (*Step)(nil)
	_ chat.EventFilter   = (*Step)(nil)
)

// NewStep returns the brand layer's pipeline stage.
func NewStep(cfg Config) *Step {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SendLease <= 0 {
		cfg.SendLease = time.Minute
	}
	if cfg.Limits.MaxFrequencyCap <= 0 {
		cfg.Limits.MaxFrequencyCap = consent.DefaultPolicy().FrequencyCap
	}
	st := &Step{log: cfg.Logger, clock: cfg.Now, sendLease: cfg.SendLease, limits: cfg.Limits, publicURL: cfg.PublicURL}
	if !cfg.RateLimitOff {
		// Clicks per client address: a person clicks a few links a minute;
		// a burst allows a shared address (an office, a carrier's NAT).
		st.clickLimit = ratelimit.New(2, 120)
		// Audience previews per account: the console asks one as an
		// audience is edited (debounced); each reads the brand's
		// followers and customers, tens of milliseconds of CPU per
		// thousand, and any team member may ask.
		st.previewLimit = ratelimit.New(2, 30)
	}
	return st
}

// now is the layer's clock, in UTC at millisecond precision, as stored.
func (s *Step) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// JobAwayMessage is the kind of the job that sends a brand's away message
// after the customer message that called for it has committed.
const JobAwayMessage = "brand.away_message"

// awayJob is the payload of a JobAwayMessage job. The text is the one in
// force when the customer wrote, so a retry sends what was decided.
type awayJob struct {
	BrandID        string `json:"brand_id"`
	ConversationID string `json:"conversation_id"`
	Text           string `json:"text"`
}

// brandSide tells whether a send belongs to a brand conversation: a direct
// conversation between one brand and one non-brand account. It returns the
// brand, the customer, and whether the brand is the sender.
func (s *Step) brandSide(ctx context.Context, tx dm.Tx, sent *chat.Sent) (b, customer *dm.Account, outbound bool, err error) {
	_, b, customer, outbound, err = s.brandSideState(ctx, tx, sent)
	return b, customer, outbound, err
}

// brandSideState is brandSide with the brand's state (state.go), which a
// customer's message takes its brand account from.
func (s *Step) brandSideState(ctx context.Context, tx dm.Tx, sent *chat.Sent) (st *brandState, b, customer *dm.Account, outbound bool, err error) {
	if !sent.Direct {
		return nil, nil, nil, false, nil
	}
	otherID := sent.Members[0].UserID
	if otherID == sent.Sender.ID {
		otherID = sent.Members[1].UserID
	}
	if sent.Sender.Kind == dm.KindBrand {
		other, err := tx.Account(ctx, otherID)
		if err != nil || other.Kind == dm.KindBrand {
			return nil, nil, nil, false, err
		}
		if st, err = s.state(ctx, tx, sent.Sender.ID); err != nil {
			return nil, nil, nil, false, err
		}
		return st, sent.Sender, other, true, nil
	}
	// Between two people (most sends) the other's kind, from a cache, is
	// all it takes to know there is nothing to do.
	kind, err := s.kinds.of(ctx, tx, otherID)
	if err != nil || kind != dm.KindBrand {
		return nil, nil, nil, false, err
	}
	if st, err = s.state(ctx, tx, otherID); err != nil {
		return nil, nil, nil, false, err
	}
	if st.account.Kind != dm.KindBrand {
		return nil, nil, nil, false, nil
	}
	return st, st.account, sent.Sender, false, nil
}

// brandSideConv is brandSideState for MessageStored. For a customer's
// message it also reads the conversation's brand state (BrandConversation),
// first, with the brand's state version in the same statement, so that the
// brand's state costs no read of its own. For the brand's own message conv
// is nil: the caller reads it after the consent gate, which may write what
// it reads.
func (s *Step) brandSideConv(ctx context.Context, tx dm.Tx, sent *chat.Sent) (st *brandState, b, customer *dm.Account, outbound bool, conv *dm.BrandConversation, err error) {
	if !sent.Direct || sent.Sender.Kind == dm.KindBrand {
		st, b, customer, outbound, err = s.brandSideState(ctx, tx, sent)
		return st, b, customer, outbound, nil, err
	}
	otherID := sent.Members[0].UserID
	if otherID == sent.Sender.ID {
		otherID = sent.Members[1].UserID
	}
	// Between two people (most sends) the other's kind, from a cache, is
	// all it takes to know there is nothing to do.
	kind, err := s.kinds.of(ctx, tx, otherID)
	if err != nil || kind != dm.KindBrand {
		return nil, nil, nil, false, nil, err
	}
	msg := sent.Message
	if conv, err = tx.BrandConversation(ctx, msg.ConversationID, otherID, sent.Sender.ID, msg.CreatedAt.Add(-surveyTextWindow)); err != nil {
		return nil, nil, nil, false, nil, err
	}
	if st, err = s.stateAt(ctx, tx, otherID, conv.StateVersion); err != nil {
		return nil, nil, nil, false, nil, err
	}
	if st.account.Kind != dm.KindBrand {
		return nil, nil, nil, false, nil, nil
	}
	return st, st.account, sent.Sender, false, conv, nil
}

// MessageStored keeps the inbox of a brand conversation in step with its
// messages, inside the send's transaction:
//
//   - a customer message (re)opens the conversation (a resolved one starts a
//     new thread for analytics; a snoozed or pending one opens again), starts
//     waiting_since if nobody was waiting, assigns an unassigned
//     conversation round-robin among available members, and schedules the
//     away message outside business hours (at most once per conversation per
//     day in the brand's time zone);
//   - a brand message written by a person (not automated) ends the wait and
//     records the thread's first response and the agent, and assigns an
//     unassigned conversation to the agent who answered;
//   - every message gets its attribution record and an inbox.message event
//     to each team member.
func (s *Step) MessageStored(ctx context.Context, tx dm.Tx, out chat.Outbox, sent *chat.Sent) error {
	st, b, customer, outbound, conv, err := s.brandSideConv(ctx, tx, sent)
	if err != nil || b == nil {
		return err
	}
	sent.SetValue(stateKey{}, st)
	msg := sent.Message
	t := msg.CreatedAt
	set := st.settingsCopy()
	// The consent gate comes first: an automated message it holds back is
	// not stored at all.
	if outbound && sent.Params.Automated {
		if err := s.gate(ctx, tx, b, customer, set, st.consent, sent.Params); err != nil {
			return err
		}
		if cs := sent.Params.Campaign; cs != nil {
			// Exactly one message per delivery: its row says sent in
			// the message's own transaction.
			if err := tx.MarkDeliverySent(ctx, cs.CampaignID, cs.Step, cs.UserID, msg.ID, msg.ConversationID, t); err != nil {
				return err
			}
			funnels.markedCampaign(cs.CampaignID)
			if err := tx.PutCampaignMessage(ctx, msg.ID, cs.CampaignID); err != nil {
				return err
			}
			msg.CampaignID = cs.CampaignID
		}
	}
	// The team (from the brand's state): it receives the inbox event, and
	// an unassigned conversation is assigned among its available members.
	team := st.team
	// The conversation's inbox item, bot state, consent row and open text
	// survey, in one statement.
	if conv == nil {
		if conv, err = tx.BrandConversation(ctx, msg.ConversationID, b.ID, customer.ID, t.Add(-surveyTextWindow)); err != nil {
			return err
		}
	}
	it := conv.Item
	first := false // the customer's first message to the brand, ever
	isNew := false
	if it == nil {
		isNew = true
		it = &dm.InboxItem{ConversationID: msg.ConversationID, BrandID: b.ID, CustomerID: customer.ID, Status: dm.InboxOpen,
			Labels: []string{}, Priority: dm.PriorityNone, CreatedAt: t}
		first = !outbound
	}
	assignee := it.AssigneeID
	before := cloneItem(it)
	it.LastMessageAt, it.UpdatedAt = t, t
	rec := &dm.BrandMessage{MessageID: msg.ID, BrandID: b.ID, ConversationID: msg.ConversationID, At: t,
		Automated: sent.Params.Automated, AgentName: sent.Params.AgentName}
	var actor *dm.Profile
	if outbound {
		rec.Direction = dm.DirectionOut
		writer := b.ID
		if a := sent.Params.Agent; a != nil {
			rec.AgentID, writer = a.ID, a.ID
			actor = ptr(a.Profile())
		}
		if !rec.Automated {
			if err := s.answered(ctx, tx, it, writer, rec.AgentID, t); err != nil {
				return err
			}
		}
		if err := s.brandWrote(ctx, tx, st, b, it, conv.Bot, sent); err != nil {
			return err
		}
	} else {
		rec.Direction = dm.DirectionIn
		waiting := it.WaitingSince != nil
		// A survey's answer is feedback, not a request: it leaves the
		// inbox state alone (surveys.go).
		survey, err := s.surveyAnswer(ctx, tx, out, b, customer, msg.ConversationID, msg.Text, sent.Params.Payload, conv.TextSurvey, t)
		if err != nil {
			return err
		}
		if !survey {
			if err := s.customerWrote(ctx, tx, out, b, set, it, team, t); err != nil {
				return err
			}
		}
		optInOut, err := s.customerConsent(ctx, tx, out, b, customer, st.consent, conv.Consent, msg.ConversationID, msg.Text, sent.Params.Payload, t)
		if err != nil {
			return err
		}
		// Most customers have no campaign message awaiting a mark: the
		// conversation's read says so, and the UPDATE that would find
		// nothing is skipped.
		if conv.FunnelOpen {
			if err := s.customerFunnel(ctx, tx, b, customer, !optInOut, t); err != nil {
				return err
			}
		}
		// An RSVP tap on an invitation is recorded and confirmed.
		rsvp := survey
		if !optInOut && !survey && sent.Params.Payload != "" {
			if rsvp, err = s.rsvp(ctx, tx, out, b, customer, msg.ConversationID, sent.Params.Payload, t); err != nil {
				return err
			}
		}
		// A creator's Accept or Decline under a collaboration message
		// moves the brand's pipeline (creators.go).
		if !optInOut && !rsvp && sent.Params.Payload != "" {
			if rsvp, err = s.collabAnswer(ctx, tx, out, b, customer, msg.ConversationID, sent.Params.Payload, t); err != nil {
				return err
			}
		}
		// The bot, after the inbox state it may read and change (a STOP or
		// START, an RSVP or a collaboration answer, is answered by its
		// confirmation alone).
		if !optInOut && !rsvp {
			if err := s.automate(ctx, tx, out, b, customer, set, it, botInput{
				kind: automation.EventMessage, text: msg.Text, payload: sent.Params.Payload, automated: sent.Params.Automated,
				first: first, waitStarted: !waiting && it.WaitingSince != nil, state: st,
				bot: conv.Bot, botRead: true,
			}); err != nil {
				return err
			}
		}
	}
	if err := tx.PutBrandMessage(ctx, rec); err != nil {
		return err
	}
	// The audit trail: a customer reopening, round-robin, the agent who
	// answered taking an unassigned conversation (the bot's own changes
	// are recorded by automate). A new conversation has no trail to start.
	if !isNew {
		var by *dm.Account
		if outbound {
			by = sent.Params.Agent
		}
		if err := s.audit(ctx, tx, out, b, before, it, by, t); err != nil {
			return err
		}
	}
	// A new item is inserted; an existing one has only what changed
	// written (most messages move last_message_at and updated_at alone).
	if isNew {
		err = tx.PutInboxItem(ctx, it)
	} else {
		err = tx.UpdateInboxItem(ctx, &before, it)
	}
	if err != nil {
		return err
	}
	if it.AssigneeID != "" && it.AssigneeID != assignee {
		// Round-robin, or the first agent who answered.
		if err := s.Changed(ctx, tx, out, InboxChange{Type: dm.WebhookConversationAssigned, Brand: b, Item: it, At: t}); err != nil {
			return err
		}
	}
	v, err := s.viewOf(ctx, tx, b, customer, it, msg)
	if err != nil {
		return err
	}
	ev := dm.Event{Type: dm.EventInboxMessage, ConversationID: msg.ConversationID, At: t, Brand: b.Handle, Message: msg, Actor: actor, Inbox: v}
	return tellIDs(ctx, out, recipientsOf(b.ID, team), ev)
}

// customerWrote applies a customer message to the inbox item.
func (s *Step) customerWrote(ctx context.Context, tx dm.Tx, out chat.Outbox, b *dm.Account, set *dm.BrandSettings, it *dm.InboxItem, team []dm.TeamMember, t time.Time) error {
	if it.ThreadID == "" || it.Status == dm.InboxResolved {
		th := &dm.Thread{ID: dm.NewID(), BrandID: b.ID, ConversationID: it.ConversationID, OpenedAt: t, AssigneeID: it.AssigneeID}
		if err := tx.PutThread(ctx, th); err != nil {
			return err
		}
		it.ThreadID, it.FirstResponseAt = th.ID, nil
	}
	it.Status, it.SnoozedUntil = dm.InboxOpen, nil
	if it.WaitingSince == nil {
		it.WaitingSince = &t
	}
	if it.AssigneeID == "" && set.AutoAssign && anyAvailable(team) {
		if err := s.roundRobin(ctx, tx, b.ID, it); err != nil {
			return err
		}
	}
	// The service's clock (not the message's) decides, so tests can set it.
	sc, now := newSchedule(set), s.now()
	if set.AwayMessage == "" || sc.open(now) {
		return nil
	}
	if it.AwaySentAt != nil && sc.day(*it.AwaySentAt) == sc.day(now) {
		return nil
	}
	// Recorded now, in the customer's transaction, so that two quick
	// messages cannot both send it; sent after the commit by a durable job
	// enqueued in this same transaction, so a crash cannot lose it.
	it.AwaySentAt = &now
	payload, err := json.Marshal(awayJob{BrandID: b.ID, ConversationID: it.ConversationID, Text: set.AwayMessage})
	if err != nil {
		return err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobAwayMessage, Payload: payload, CreatedAt: now})
	return err
}

// anyAvailable tells whether a member of team takes conversations. When
// none does, a customer message skips round-robin (and its lock and reads)
// altogether: the conversation waits unassigned, as round-robin would leave
// it. A member who becomes available meanwhile commits either before this
// read (and is seen) or after this send, like any change racing a send.
func anyAvailable(team []dm.TeamMember) bool {
	for _, m := range team {
		if m.Available {
			return true
		}
	}
	return false
}

// roundRobin assigns it to the next available member after the last one
// assigned, in team order, under the brand's lock.
func (s *Step) roundRobin(ctx context.Context, tx dm.Tx, brandID string, it *dm.InboxItem) error {
	if err := tx.LockBrand(ctx, brandID); err != nil {
		return err
	}
	set, err := loadSettings(ctx, tx, brandID)
	if err != nil {
		return err
	}
	ms, err := tx.TeamMembers(ctx, brandID)
	if err != nil {
		return err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	// The next available member under the per-agent cap (console.go).
	id, err := s.pick(ctx, tx, brandID, ids, set.RoundRobinLast)
	if err != nil || id == "" {
		return err // nobody available: the conversation waits unassigned
	}
	return s.assignTo(ctx, tx, it, id, func() error {
		set.RoundRobinLast = id
		return tx.PutBrandSettings(ctx, set)
	})
}

// assignTo assigns it to id, moves the round-robin cursor (next), and
// keeps the current thread's assignee.
func (s *Step) assignTo(ctx context.Context, tx dm.Tx, it *dm.InboxItem, id string, next func() error) error {
	it.AssigneeID = id
	if err := next(); err != nil {
		return err
	}
	if it.ThreadID != "" {
		th, err := tx.Thread(ctx, it.ThreadID)
		if err != nil {
			return err
		}
		th.AssigneeID = id
		return tx.PutThread(ctx, th)
	}
	return nil
}

// answered applies a person's brand message: the wait ends and the
// thread's first response is recorded.
func (s *Step) answered(ctx context.Context, tx dm.Tx, it *dm.InboxItem, writerID, agentID string, t time.Time) error {
	it.WaitingSince = nil
	if agentID != "" {
		it.LastAgentID = agentID
		if it.AssigneeID == "" {
			it.AssigneeID = agentID
		}
	}
	if it.ThreadID == "" {
		return nil
	}
	th, err := tx.Thread(ctx, it.ThreadID)
	if err != nil {
		return err
	}
	changed := false
	if th.FirstResponseAt == nil && th.ResolvedAt == nil {
		th.FirstResponseAt, th.FirstResponderID = &t, writerID
		it.FirstResponseAt = &t
		changed = true
	}
	if th.AssigneeID != it.AssigneeID && th.ResolvedAt == nil {
		th.AssigneeID = it.AssigneeID
		changed = true
	}
	if !changed {
		return nil
	}
	return tx.PutThread(ctx, th)
}

// MessageChanged tells the team of an edit, a delete or a reaction in a
// brand conversation, with the message as the brand sees it.
func (s *Step) MessageChanged(ctx context.Context, tx dm.Tx, out chat.Outbox, ev dm.Event, messageID string) error {
	it, err := tx.InboxItem(ctx, ev.ConversationID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	b, err := tx.Account(ctx, it.BrandID)
	if err != nil {
		return err
	}
	msg, err := tx.Message(ctx, messageID, b.ID)
	if err != nil {
		return err
	}
	one := []dm.Message{*msg}
	if err := s.DecorateMessages(ctx, tx, one); err != nil {
		return err
	}
	return tellTeam(ctx, tx, out, b.ID, dm.Event{Type: dm.EventInboxMessageUpdated, ConversationID: ev.ConversationID, At: ev.At,
		Brand: b.Handle, Message: &one[0], Actor: ev.Actor, Emoji: ev.Emoji, State: ev.Type})
}

// DecorateMessages sets Automated and AgentName on brand messages read back
// from the store (the store keeps them in the attribution records).
func (s *Step) DecorateMessages(ctx context.Context, tx dm.Tx, msgs []dm.Message) error {
	_, err := s.decorate(ctx, tx, msgs)
	return err
}

// decorate is DecorateMessages, and returns the attribution records it read,
// by message id (nil when there are none).
func (s *Step) decorate(ctx context.Context, tx dm.Tx, msgs []dm.Message) (map[string]*dm.BrandMessage, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	recs, err := tx.BrandMessagesByID(ctx, ids)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	byID := make(map[string]*dm.BrandMessage, len(recs))
	for i := range recs {
		byID[recs[i].MessageID] = &recs[i]
	}
	var bot []string // automated messages may carry quick replies
	for i := range msgs {
		if r := byID[msgs[i].ID]; r != nil {
			msgs[i].Automated, msgs[i].AgentName = r.Automated, r.AgentName
			if r.Automated {
				bot = append(bot, msgs[i].ID)
			}
		}
	}
	if err := decorateProducts(ctx, tx, msgs, byID); err != nil {
		return nil, err
	}
	if len(bot) == 0 {
		return byID, nil
	}
	camps, err := tx.CampaignOfMessages(ctx, bot)
	if err != nil {
		return nil, err
	}
	collabs, err := tx.CollabMessages(ctx, bot)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if c, ok := camps[msgs[i].ID]; ok {
			msgs[i].CampaignID = c
		}
		if _, ok := collabs[msgs[i].ID]; ok {
			msgs[i].Collaboration = true
		}
	}
	qrs, err := tx.QuickReplies(ctx, bot)
	if err != nil || len(qrs) == 0 {
		return byID, err
	}
	for i := range msgs {
		if q, ok := qrs[msgs[i].ID]; ok {
			msgs[i].QuickReplies = q
		}
	}
	return byID, nil
}

// view is the team's view of an inbox item; last is the conversation's
// newest message when the caller has it (nil: read it).
func (s *Step) view(ctx context.Context, tx dm.Tx, b *dm.Account, it *dm.InboxItem, last *dm.Message) (*dm.InboxView, error) {
	cust, err := tx.Account(ctx, it.CustomerID)
	if err != nil {
		return nil, err
	}
	return s.viewOf(ctx, tx, b, cust, it, last)
}

// viewOf is view when the caller has the customer's account (the send path).
func (s *Step) viewOf(ctx context.Context, tx dm.Tx, b, cust *dm.Account, it *dm.InboxItem, last *dm.Message) (*dm.InboxView, error) {
	v := &dm.InboxView{
		ConversationID: it.ConversationID, Brand: b.Handle, Customer: cust.Profile(), Status: it.Status,
		SnoozedUntil: it.SnoozedUntil, Labels: it.Labels, Priority: it.Priority, WaitingSince: it.WaitingSince,
		FirstResponseAt: it.FirstResponseAt, LastMessage: last, LastMessageAt: it.LastMessageAt,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt,
	}
	if v.Labels == nil {
		v.Labels = []string{}
	}
	// A snooze that has run out is open again, without anyone writing it.
	if it.Status == dm.InboxSnoozed && it.SnoozedUntil != nil && !it.SnoozedUntil.After(s.now()) {
		v.Status, v.SnoozedUntil = dm.InboxOpen, nil
	}
	if it.AssigneeID != "" {
		a, err := tx.Account(ctx, it.AssigneeID)
		if err != nil {
			return nil, err
		}
		v.Assignee = ptr(a.Profile())
	}
	if last == nil {
		// The newest message is one index range; the full conversation
		// view would also count unread messages, for every row of a list.
		ms, err := tx.Messages(ctx, it.ConversationID, b.ID, 0, 1)
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 {
			if err := s.DecorateMessages(ctx, tx, ms); err != nil {
				return nil, err
			}
			v.LastMessage = &ms[0]
		}
	}
	return v, nil
}

// kindCache remembers accounts' kinds, which never change after sign-up,
// so the send hook tells a person from a brand without a read. Bounded: when
// full it starts over.
type kindCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *kindCache) of(ctx context.Context, tx dm.Tx, id string) (string, error) {
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k, nil
	}
	a, err := tx.Account(ctx, id)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 100_000 {
		c.m = make(map[string]string)
	}
	c.m[id] = a.Kind
	c.mu.Unlock()
	return a.Kind, nil
}
