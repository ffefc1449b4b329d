package chat

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// The abuse limits. Every write that reaches other people is bounded per
// account and per target, so that one account cannot flood strangers'
// Requests (groups, member adds), nor fill every member's event log
// (edits, reactions), nor the bus (typing). Each limit has a name: it is
// the setting's name (flag --limit-<name with dashes>), the label of
// parley_abuse_limited_total in /metrics, and it answers 429 with
// Retry-After.
//
// An account in poor standing (new, or struck by people it reached: see
// standing) spends Penalty times as much of its per-account allowances
// that reach strangers or fan out (group_create, requests, member_change,
// edit, reaction). The per-target limits are the same for everyone: they
// bound what one target suffers, whoever acts. Typing is not penalised: a
// new person types like anyone else, and typing is thinned per conversation
// anyway.
//
// The limits on what floods strangers' Requests (group_create, requests,
// requests_per_target, member_change) are counted in the store as well
// (dm.AbuseTx.TakeAllowance), inside the write's own transaction: they
// hold across nodes, and a write that fails spends nothing. The node's
// in-memory bucket stays in front of the store's, so that a flood aimed at
// one node is refused without touching the store. The hot paths (edits,
// reactions, typing) and the send limit stay per node: on N nodes an
// account can get N times those rates (docs/deployment.md explains why,
// with figures). The request-message cap is counted in the store and so
// holds across nodes.

// Limit names, as settings and metric labels.
const (
	LimitGroupCreate       = "group_create"
	LimitRequests          = "requests"
	LimitRequestsPerTarget = "requests_per_target"
	LimitMemberChange      = "member_change"
	LimitEdit              = "edit"
	LimitEditPerTarget     = "edit_per_target"
	LimitReaction          = "reaction"
	LimitReactionPerTarget = "reaction_per_target"
	LimitTyping            = "typing"
	LimitRequestMessages   = "request_messages"
	LimitSend              = "send"
)

// Limits are the abuse limits' settings. A zero Rate takes its default
// (DefaultLimits); Off in Config turns them all off.
type Limits struct {
	// GroupCreate bounds the groups an account creates.
	GroupCreate ratelimit.Rate
	// Requests bounds how many people who do not follow the account it
	// puts in their Requests folder: by opening a direct conversation,
	// creating a group or adding members. A group costs one per stranger.
	Requests ratelimit.Rate
	// RequestsPerTarget bounds how often one account puts the same
	// stranger in Requests (an add, remove, add loop).
	RequestsPerTarget ratelimit.Rate
	// MemberChange bounds an account's member adds and removals of others.
	MemberChange ratelimit.Rate
	// Edit bounds an account's edits (messages, group titles); EditPerTarget
	// the edits of one message or one group's title.
	Edit          ratelimit.Rate
	EditPerTarget ratelimit.Rate
	// Reaction bounds an account's reaction changes; ReactionPerTarget its
	// changes on one message.
	Reaction          ratelimit.Rate
	ReactionPerTarget ratelimit.Rate
	// Typing bounds an account's typing notices across its conversations
	// (each conversation is also thinned to one a second).
	Typing ratelimit.Rate
	// RequestMessages is how many messages may wait in a request that no
	// recipient has accepted or answered (default 3); the next is refused
	// until one does.
	RequestMessages int
	// NewAccount is how long an account counts as new (default 24 h).
	NewAccount time.Duration
	// StrikeWindow is how far back strikes count (default 30 days), and
	// Strikes how many people striking it within that window put an
	// account in poor standing (default 3).
	StrikeWindow time.Duration
	Strikes      int
	// Penalty is how many times its allowance an action costs an account
	// in poor standing (default 4; new and struck: Penalty squared).
	Penalty float64
}

// DefaultLimits are the limits' defaults: far above what a person does,
// far below the floods they stop.
func DefaultLimits() Limits {
	return Limits{
		GroupCreate:       ratelimit.Rate{Burst: 10, Count: 30, Per: time.Hour},
		Requests:          ratelimit.Rate{Burst: 40, Count: 40, Per: time.Hour},
		RequestsPerTarget: ratelimit.Rate{Burst: 3, Count: 6, Per: 24 * time.Hour},
		MemberChange:      ratelimit.Rate{Burst: 30, Count: 120, Per: time.Hour},
		Edit:              ratelimit.Rate{Burst: 30, Count: 30, Per: time.Minute},
		EditPerTarget:     ratelimit.Rate{Burst: 10, Count: 10, Per: time.Minute},
		Reaction:          ratelimit.Rate{Burst: 60, Count: 60, Per: time.Minute},
		ReactionPerTarget: ratelimit.Rate{Burst: 10, Count: 20, Per: time.Minute},
		Typing:            ratelimit.Rate{Burst: 10, Count: 120, Per: time.Minute},
		RequestMessages:   3,
		NewAccount:        24 * time.Hour,
		StrikeWindow:      30 * 24 * time.Hour,
		Strikes:           3,
		Penalty:           4,
	}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, d *ratelimit.Rate }{
		{&l.GroupCreate, &d.GroupCreate}, {&l.Requests, &d.Requests}, {&l.RequestsPerTarget, &d.RequestsPerTarget},
		{&l.MemberChange, &d.MemberChange}, {&l.Edit, &d.Edit}, {&l.EditPerTarget, &d.EditPerTarget},
		{&l.Reaction, &d.Reaction}, {&l.ReactionPerTarget, &d.ReactionPerTarget}, {&l.Typing, &d.Typing},
	} {
		if *f.v == (ratelimit.Rate{}) {
			*f.v = *f.d
		}
	}
	if l.RequestMessages == 0 {
		l.RequestMessages = d.RequestMessages
	}
	if l.NewAccount == 0 {
		l.NewAccount = d.NewAccount
	}
	if l.StrikeWindow == 0 {
		l.StrikeWindow = d.StrikeWindow
	}
	if l.Strikes == 0 {
		l.Strikes = d.Strikes
	}
	if l.Penalty < 1 {
		l.Penalty = d.Penalty
	}
	return l
}

// abuse holds the limiters (nil ones allow everything: limits off) and
// a short memory of each account's strikes.
type abuse struct {
	cfg     Limits
	off     bool
	metrics *metrics.Registry
	by      map[string]*ratelimit.Limiter
	// shared are the limits also counted in the store, by name.
	shared map[string]dm.Allowance

	mu      sync.Mutex
	strikes map[string]strikeCount
}

type strikeCount struct {
	n  int
	at time.Time
}

// strikeTTL is how long a counted number of strikes is reused: strikes
// change rarely, and a strike recorded on this node forgets it at once.
const strikeTTL = time.Minute

func newAbuse(l Limits, off bool, reg *metrics.Registry) *abuse {
	l = l.withDefaults()
	a := &abuse{cfg: l, off: off, metrics: reg, by: map[string]*ratelimit.Limiter{}, shared: map[string]dm.Allowance{}, strikes: map[string]strikeCount{}}
	if off {
		return a
	}
	for name, r := range map[string]ratelimit.Rate{
		LimitGroupCreate: l.GroupCreate, LimitRequests: l.Requests, LimitRequestsPerTarget: l.RequestsPerTarget,
		LimitMemberChange: l.MemberChange, LimitEdit: l.Edit, LimitEditPerTarget: l.EditPerTarget,
		LimitReaction: l.Reaction, LimitReactionPerTarget: l.ReactionPerTarget, LimitTyping: l.Typing,
	} {
		a.by[name] = r.Limiter()
		if sharedLimits[name] && !r.Off() {
			a.shared[name] = dm.Allowance{Burst: float64(r.Burst), PerSecond: r.Count / r.Per.Seconds()}
		}
	}
	return a
}

// sharedLimits are the limits counted in the store too, so that they hold
// across nodes: the ways to flood strangers' Requests. Each costs a row
// read and written in the write's transaction; they guard writes that are
// rare and heavy (a group, a member add writes an event for every
// member), where that is a few per cent.
var sharedLimits = map[string]bool{
	LimitGroupCreate: true, LimitRequests: true, LimitRequestsPerTarget: true, LimitMemberChange: true,
}

// limited counts a refusal in /metrics and builds the 429.
func (a *abuse) limited(name string, wait time.Duration, format string, args ...any) error {
	if a.metrics != nil {
		a.metrics.Add("parley_abuse_limited_total", "Writes refused by an abuse or rate limit, by limit.", metrics.Labels("limit", name), 1)
	}
	return &dm.Error{Code: dm.ERATELIMITED, Message: fmt.Sprintf(format, args...), RetryAfter: wait}
}

// take spends cost of key's allowance under a limit, or returns its 429.
func (a *abuse) take(name, key string, cost float64, now time.Time, format string, args ...any) error {
	l := a.by[name]
	if l == nil {
		return nil
	}
	if d := l.TakeN(key, cost, now); d > 0 {
		return a.limited(name, d, format, args...)
	}
	return nil
}

// takeShared spends cost of key's allowance under a shared limit: first
// on this node (a refusal there costs nothing more), then in the store, in
// tx, where every node counts. It returns the limit's 429 or nil.
func (s *Service) takeShared(ctx context.Context, tx dm.Tx, name, key string, cost float64, format string, args ...any) error {
	a := s.abuse
	now := s.cfg.Now()
	if err := a.take(name, key, cost, now, format, args...); err != nil {
		return err
	}
	al, ok := a.shared[name]
	if !ok {
		return nil
	}
	wait, err := tx.TakeAllowance(ctx, name+"/"+key, al, cost, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		return a.limited(name, wait, format, args...)
	}
	return nil
}

// allowancePruneSlice is how many allowances one pruning transaction deletes.
const allowancePruneSlice = 5000

// PruneAllowances deletes the shared limits' buckets that are full again
// (a missing bucket is a full one), in short transactions.
func (s *Service) PruneAllowances(ctx context.Context) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.store.Update(ctx, func(tx dm.Tx) error {
			var err error
			n, err = tx.PruneAllowances(ctx, s.now(), allowancePruneSlice)
			return err
		})
		total += n
		if err != nil || n < allowancePruneSlice {
			return total, err
		}
	}
}

// standing is the cost factor of an account's actions: 1 in good
// standing, Penalty while the account is new (NewAccount after sign-up,
// on the service's clock), Penalty again when at least Strikes people
// struck it within StrikeWindow (they blocked it or declined its requests; the
// moderation layer adds reports through dm.AbuseTx.AddStrike or Strike).
func (s *Service) standing(ctx context.Context, tx dm.Tx, me *dm.Account) (float64, error) {
	a := s.abuse
	if a.off {
		return 1, nil
	}
	cost := 1.0
	now := s.cfg.Now()
	if now.Sub(me.CreatedAt) < a.cfg.NewAccount {
		cost *= a.cfg.Penalty
	}
	n, err := s.strikes(ctx, tx, me.ID, now)
	if err != nil {
		return 0, err
	}
	if n >= a.cfg.Strikes {
		cost *= a.cfg.Penalty
	}
	return cost, nil
}

// strikes counts accountID's recent strikes, remembered for strikeTTL.
func (s *Service) strikes(ctx context.Context, tx dm.Tx, accountID string, now time.Time) (int, error) {
	a := s.abuse
	a.mu.Lock()
	c, ok := a.strikes[accountID]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < strikeTTL && !now.Before(c.at) {
		return c.n, nil
	}
	n, err := tx.Strikes(ctx, accountID, now.Add(-a.cfg.StrikeWindow))
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	if len(a.strikes) > 100_000 { // a bound, not an LRU: it refills in a minute
		clear(a.strikes)
	}
	a.strikes[accountID] = strikeCount{n: n, at: now}
	a.mu.Unlock()
	return n, nil
}

// Strike records, inside a write transaction, that byID struck accountID
// (dm.StrikeBlocked, dm.StrikeDeclined, dm.StrikeReported): the abuse
// limits get stricter for an account with several. It is the one entry
// for layers that judge accounts (reports, moderation).
func (s *Service) Strike(ctx context.Context, tx dm.Tx, accountID, byID, kind string) error {
	if err := tx.AddStrike(ctx, accountID, byID, kind, s.now()); err != nil {
		return err
	}
	s.abuse.mu.Lock()
	delete(s.abuse.strikes, accountID)
	s.abuse.mu.Unlock()
	return nil
}

// checkGroupCreate bounds the groups me creates, across nodes.
func (s *Service) checkGroupCreate(ctx context.Context, tx dm.Tx, me *dm.Account, cost float64) error {
	return s.takeShared(ctx, tx, LimitGroupCreate, me.ID, cost,
		"You are creating groups too fast. Try again later.")
}

// checkRequests bounds the strangers me puts in Requests: n of them at
// once (a direct conversation, a group, an add), each to (for the
// per-target limit; nil for a new direct conversation, which exists once).
// Both are counted across nodes.
func (s *Service) checkRequests(ctx context.Context, tx dm.Tx, me *dm.Account, to []*dm.Account, cost float64) error {
	if len(to) == 0 {
		return nil
	}
	a := s.abuse
	if l := a.by[LimitRequests]; l != nil {
		need := float64(len(to)) * cost
		if need > float64(a.cfg.Requests.Burst) {
			full := time.Duration(float64(a.cfg.Requests.Per) * float64(a.cfg.Requests.Burst) / a.cfg.Requests.Count)
			return a.limited(LimitRequests, full, "You can put at most %d people who don't follow you in their Requests at once (fewer while your account is new). Add fewer.", int(float64(a.cfg.Requests.Burst)/cost))
		}
		if err := s.takeShared(ctx, tx, LimitRequests, me.ID, need,
			"You are reaching too many people who don't follow you. Try again later."); err != nil {
			return err
		}
	}
	for _, t := range to {
		if err := s.takeShared(ctx, tx, LimitRequestsPerTarget, me.ID+"/"+t.ID, 1,
			"You have put @%s in a group too often. Try again later.", t.Handle); err != nil {
			return err
		}
	}
	return nil
}

// checkMemberChange bounds me's member adds and removals of others,
// across nodes.
func (s *Service) checkMemberChange(ctx context.Context, tx dm.Tx, me *dm.Account, cost float64) error {
	return s.takeShared(ctx, tx, LimitMemberChange, me.ID, cost,
		"You are changing group members too fast. Try again later.")
}

// checkEdit bounds me's edits, of all targets and of one (a message id, a
// conversation id for a title).
func (s *Service) checkEdit(me *dm.Account, target string, cost float64) error {
	now := s.cfg.Now()
	if err := s.abuse.take(LimitEditPerTarget, target, 1, now, "This was edited too often. Try again later."); err != nil {
		return err
	}
	return s.abuse.take(LimitEdit, me.ID, cost, now, "You are editing too fast. Try again later.")
}

// checkReaction bounds me's reaction changes, on all messages and on one.
func (s *Service) checkReaction(me *dm.Account, msgID string, cost float64) error {
	now := s.cfg.Now()
	if err := s.abuse.take(LimitReactionPerTarget, me.ID+"/"+msgID, 1, now, "You are changing reactions on this message too fast. Try again later."); err != nil {
		return err
	}
	return s.abuse.take(LimitReaction, me.ID, cost, now, "You are reacting too fast. Try again later.")
}

// checkTyping bounds me's typing notices across conversations.
func (s *Service) checkTyping(me *dm.Account) error {
	return s.abuse.take(LimitTyping, me.ID, 1, s.cfg.Now(), "You are sending typing notices too fast.")
}

// typingSpent returns checkTyping's 429, without spending anything, when
// me's typing allowance is spent.
func (s *Service) typingSpent(me *dm.Account) error {
	l := s.abuse.by[LimitTyping]
	if l == nil {
		return nil
	}
	if d := l.Wait(me.ID, s.cfg.Now()); d > 0 {
		return s.abuse.limited(LimitTyping, d, "You are sending typing notices too fast.")
	}
	return nil
}

// requestWait is the Retry-After of a full request: nothing but an answer
// frees it, so clients are told to come back much later.
const requestWait = time.Hour

// checkRequestMessages refuses a message into a conversation that none of
// its other members has accepted or answered once RequestMessages wait
// there: a stranger gets a few, not a flood, until someone answers. A
// brand receiving customers is not protected this way (its team works a
// shared inbox and answers when it can), and automated messages are the
// consent engine's to bound. ms are the members, m the sender's.
func (s *Service) checkRequestMessages(ctx context.Context, tx dm.Tx, me *dm.Account, convID string, ms []dm.Membership, p SendParams) error {
	a := s.abuse
	if a.off || p.Automated || len(ms) < 2 {
		return nil
	}
	var waiting []string
	var sent int64 // the conversation's messages, as far as the sender knows
	for _, x := range ms {
		if x.UserID == me.ID {
			// A sender who cleared the conversation no longer sees its
			// last message, but it is still there.
			sent = x.ClearedSeq
			continue
		}
		if x.Status == dm.StatusAccepted {
			return nil
		}
		waiting = append(waiting, x.UserID)
	}
	c, err := tx.Conversation(ctx, convID, me.ID)
	if err != nil {
		return err
	}
	if c.LastMessage != nil {
		sent = max(sent, c.LastMessage.Seq)
	}
	if sent < int64(a.cfg.RequestMessages) {
		return nil
	}
	brands := 0
	for _, id := range waiting {
		acc, err := tx.Account(ctx, id)
		if err != nil {
			return err
		}
		if acc.Kind == dm.KindBrand {
			brands++
		}
	}
	if brands == len(waiting) {
		return nil
	}
	return a.limited(LimitRequestMessages, requestWait,
		"Your request has not been accepted yet: you can send %d messages until someone accepts or replies.", a.cfg.RequestMessages)
}

// sendLimited counts a refused send in /metrics and returns its 429.
func (s *Service) sendLimited(d time.Duration) error {
	return s.abuse.limited(LimitSend, d, "You are sending too fast. Slow down.")
}
