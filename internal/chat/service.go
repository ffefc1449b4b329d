// Package chat is Parley's messaging service: the social graph,
// conversations, messages and the per-user event log. Every rule (who may
// message whom, limits, what each member is told) lives here, so the HTTP
// API, the WebSocket, bots and campaigns all obey the same ones. Accounts,
// passwords and sessions are internal/identity's: chat acts for a
// *dm.Account that identity has already authenticated.
package chat

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Config tunes the service. The zero value is usable: limits on, defaults below.
type Config struct {
	// RateLimitOff turns off the per-account send limit (benchmarks and
	// load tests only).
	RateLimitOff bool
	// SendPerSecond and SendBurst bound each account's sends (default 10/s, burst 30).
	SendPerSecond float64
	SendBurst     int
	// Limits are the abuse limits on writes that reach other people
	// (abuse.go); zero fields take DefaultLimits, RateLimitOff turns them off.
	Limits Limits
	// Metrics counts refusals by limit (parley_abuse_limited_total); may be nil.
	Metrics *metrics.Registry
	// EventRetention is how long the event log keeps events (default 30 days);
	// a client whose cursor is older must resync (410).
	EventRetention time.Duration
	Logger         *slog.Logger
	// Now is the service's clock (default time.Now); tests set it to check
	// time-based rules (edit window, rate limits) without sleeping.
	Now func() time.Time
	// Steps are the send pipeline's stages inside every send's
	// transaction, in order (see Step). A Step that is also a
	// ChangeWatcher or a Decorator is called for those too.
	Steps []Step
	// JobsEnqueued is called after the commit of a transaction that
	// enqueued jobs (the job runner's Kick), so they start at once here.
	JobsEnqueued func()
	// LeaseJob, when set, may lease a job enqueued through an Outbox to
	// this node's runner in the enqueue itself (jobs.Runner.Lease), and
	// JobsLeased is given those jobs after the commit (jobs.Runner.Offer):
	// they run without waiting for a claim.
	LeaseJob   func(j *dm.Job, now time.Time) bool
	JobsLeased func(jobs ...*dm.Job)
}

// The send pipeline. Every way a message enters (the web app, the API, the
// brand console, bots, campaigns, XRPC) goes through Send, and Send runs the
// same stages, wired once at start-up through Config.Steps:
//
//  1. inside the transaction, the spine's own checks: membership, blocks,
//     who-may-message-me, the rate limit, idempotency by client_id;
//  2. inside the transaction, each Step in order (the brand inbox today;
//     the consent engine before it for automated messages), whose writes
//     and events commit or roll back with the message;
//  3. after the commit, nothing but publishing events: any further work
//     (an away message, a webhook, a campaign step) is a durable job that
//     a Step enqueued through Outbox.Enqueue in step 2, so a crash between
//     the commit and that work delays it and never loses it.

// Step is one stage of the send pipeline inside the send's transaction.
type Step interface {
	// MessageStored runs after the message is stored and before the
	// members' message.created events are appended. Its writes commit or
	// roll back with the message; events it appends through out are
	// published after the commit, like the send's own; jobs it enqueues
	// through out run after the commit. An error refuses the send.
	MessageStored(ctx context.Context, tx dm.Tx, out Outbox, sent *Sent) error
}

// ChangeWatcher is a Step that also follows edits, deletes for everyone and
// reactions: MessageChanged runs inside their transaction, after the
// members' events (ev, without its message) are appended.
type ChangeWatcher interface {
	MessageChanged(ctx context.Context, tx dm.Tx, out Outbox, ev dm.Event, messageID string) error
}

// ReadWatcher is a Step that follows read markers: ReadMoved runs inside
// the transaction that moved reader's marker in m.ConversationID to
// m.LastReadSeq (the brand layer counts campaign messages read).
type ReadWatcher interface {
	ReadMoved(ctx context.Context, tx dm.Tx, reader *dm.Account, m *dm.Membership) error
}

// Decorator is a Step that keeps fields of messages outside the spine's
// tables (a bot's mark, an agent's name): DecorateMessages fills them on
// messages read back from the store, in history and in change events.
type Decorator interface {
	DecorateMessages(ctx context.Context, tx dm.Tx, msgs []dm.Message) error
}

// EventFilter is a Step that withholds, from a page of events read back
// from a reader's log, what the reader may no longer see: the brand layer
// drops a brand's team events once the reader has left its team. It
// returns the events kept, in order (it may reuse evs' array).
type EventFilter interface {
	FilterEvents(ctx context.Context, tx dm.Tx, readerID string, evs []dm.Event) ([]dm.Event, error)
}

// Sent describes a message stored by Send, for the pipeline's Steps.
type Sent struct {
	Sender  *dm.Account
	Message *dm.Message
	// Members are the conversation's members when the message was sent.
	Members []dm.Membership
	// Direct is true in a direct conversation (not a group down to two).
	Direct bool
	Params SendParams
	// values are what a step hands to the later steps of the same send.
	values map[any]any
}

// SetValue keeps v under key for the steps after this one in the same send.
func (s *Sent) SetValue(key, v any) {
	if s.values == nil {
		s.values = make(map[any]any, 1)
	}
	s.values[key] = v
}

// Value returns what an earlier step of the same send kept under key, or nil.
func (s *Sent) Value(key any) any { return s.values[key] }

// Service is the messaging service. It is safe for concurrent use.
type Service struct {
	store dm.Store
	bus   dm.Bus
	cfg   Config
	log   *slog.Logger

	sendLimit *ratelimit.Limiter                  // per account
	typing    *ratelimit.Limiter                  // ephemeral notices (typing, presence), see AllowNotice
	pages     pageCache[pageKey, dm.Conversation] // first pages of folders, see pagecache.go
	history   pageCache[historyKey, dm.Message]   // pages of conversations' history, see pagecache.go
	abuse     *abuse                              // the abuse limits, see abuse.go
	exporting sync.Map                            // accounts whose export runs, see export.go

	steps      []Step
	watchers   []ChangeWatcher
	decorators []Decorator
	readers    []ReadWatcher
	filters    []EventFilter
}

// New returns a service over a store and a bus.
func New(store dm.Store, bus dm.Bus, cfg Config) *Service {
	if cfg.SendPerSecond == 0 {
		cfg.SendPerSecond = 10
	}
	if cfg.SendBurst == 0 {
		cfg.SendBurst = 30
	}
	if cfg.EventRetention == 0 {
		cfg.EventRetention = 30 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{store: store, bus: bus, cfg: cfg, log: cfg.Logger, steps: cfg.Steps}
	s.history.max = maxHistoryPages
	for _, st := range cfg.Steps {
		if w, ok := st.(ChangeWatcher); ok {
			s.watchers = append(s.watchers, w)
		}
		if r, ok := st.(ReadWatcher); ok {
			s.readers = append(s.readers, r)
		}
		if d, ok := st.(Decorator); ok {
			s.decorators = append(s.decorators, d)
		}
		if f, ok := st.(EventFilter); ok {
			s.filters = append(s.filters, f)
		}
	}
	// Typing notices are thinned even without limits: one a second is all a UI shows.
	s.typing = ratelimit.New(1, 1)
	s.abuse = newAbuse(cfg.Limits, cfg.RateLimitOff, cfg.Metrics)
	if !cfg.RateLimitOff {
		s.sendLimit = ratelimit.New(cfg.SendPerSecond, cfg.SendBurst)
	}
	return s
}

// Store returns the service's store (for the WebSocket backlog and tools).
func (s *Service) Store() dm.Store { return s.store }

// Bus returns the service's bus.
func (s *Service) Bus() dm.Bus { return s.bus }

// Outbox appends events to users' logs within a write transaction; they are
// published on the bus once the transaction has committed, and never before.
type Outbox struct {
	o  *outbox
	tx dm.Tx
}

// Add appends e to userID's log.
func (x Outbox) Add(ctx context.Context, userID string, e dm.Event) error {
	return x.o.add(ctx, x.tx, userID, e)
}

// AddAll appends e to the logs of userIDs, in order, encoding it once.
func (x Outbox) AddAll(ctx context.Context, userIDs []string, e dm.Event) error {
	return x.o.addAll(ctx, x.tx, userIDs, e)
}

// Enqueue adds a durable job in the transaction (see internal/jobs); it
// runs after the commit, and never if the transaction rolls back. created
// is false when j.Key named a job already kept.
func (x Outbox) Enqueue(ctx context.Context, j *dm.Job) (created bool, err error) {
	leased := x.o.lease != nil && x.o.lease(j, x.o.now())
	created, err = x.tx.EnqueueJob(ctx, j)
	if created {
		x.o.jobs++
		if leased {
			x.o.leased = append(x.o.leased, j)
		}
	}
	return created, err
}

// Update runs fn in a write transaction and publishes the events fn appended
// through out after the commit. It is the service's own transaction helper,
// exported for the layers built on the spine (internal/brand).
func (s *Service) Update(ctx context.Context, fn func(tx dm.Tx, out Outbox) error) error {
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		return fn(tx, Outbox{o: o, tx: tx})
	})
}

// outbox collects, inside a write transaction, the events appended to each
// user's log, so that they are published on the bus once the transaction has
// committed, and never before.
type outbox struct {
	byUser map[string][]dm.Event
	order  []string
	jobs   int // jobs enqueued, to wake the runner after the commit
	// lease is Config.LeaseJob; leased are the jobs it leased, handed to
	// Config.JobsLeased after the commit.
	lease  func(j *dm.Job, now time.Time) bool
	now    func() time.Time
	leased []*dm.Job
}

// add appends e to userID's log within tx and keeps it for publishing.
func (o *outbox) add(ctx context.Context, tx dm.Tx, userID string, e dm.Event) error {
	if err := tx.AppendEvent(ctx, userID, &e); err != nil {
		return err
	}
	o.keep(userID, e)
	return nil
}

// keep keeps e, appended to userID's log, for publishing.
func (o *outbox) keep(userID string, e dm.Event) {
	if o.byUser == nil {
		o.byUser = make(map[string][]dm.Event)
	}
	if _, ok := o.byUser[userID]; !ok {
		o.order = append(o.order, userID)
	}
	o.byUser[userID] = append(o.byUser[userID], e)
}

// addAll appends e to the logs of userIDs, in order, and keeps each copy
// for publishing. The event is encoded once for all of them (with its time
// set first, as AppendEvent would).
func (o *outbox) addAll(ctx context.Context, tx dm.Tx, userIDs []string, e dm.Event) error {
	if len(userIDs) < 2 {
		for _, id := range userIDs {
			if err := o.add(ctx, tx, id, e); err != nil {
				return err
			}
		}
		return nil
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	e.Seq = 0
	b, err := dm.EncodeEvent(&e)
	if err != nil {
		return fmt.Errorf("chat: event: %w", err)
	}
	data := string(b)
	for _, id := range userIDs {
		ev := e
		if err := tx.AppendEncodedEvent(ctx, id, &ev, data); err != nil {
			return err
		}
		o.keep(id, ev)
	}
	return nil
}

// addConversation appends an event carrying the conversation as each of the
// given members sees it.
func (o *outbox) addConversation(ctx context.Context, tx dm.Tx, typ, convID string, actor *dm.Profile, at time.Time, userIDs ...string) error {
	for _, uid := range userIDs {
		c, err := tx.Conversation(ctx, convID, uid)
		if err != nil {
			return err
		}
		if err := o.add(ctx, tx, uid, dm.Event{Type: typ, ConversationID: convID, At: at, Conversation: c, Actor: actor}); err != nil {
			return err
		}
	}
	return nil
}

// reset forgets what was collected (an Update's fn may run only once, but a
// failed fn must not leave events to publish).
func (o *outbox) reset() { o.byUser, o.order, o.jobs, o.leased = nil, nil, 0, nil }

// publish announces committed events. A failure only delays delivery:
// sockets catch up from the store by cursor.
func (s *Service) publish(ctx context.Context, o *outbox) {
	if len(o.order) == 0 {
		return
	}
	ns := make([]dm.Notification, 0, len(o.order))
	for _, uid := range o.order {
		ns = append(ns, dm.Notification{UserID: uid, Events: o.byUser[uid]})
	}
	if err := s.bus.Publish(context.WithoutCancel(ctx), ns...); err != nil {
		s.log.Warn("bus publish failed; sockets will catch up from the store", "err", err)
	}
}

// update runs fn in a write transaction and publishes its events after the commit.
func (s *Service) update(ctx context.Context, fn func(tx dm.Tx, o *outbox) error) error {
	o := outbox{now: s.cfg.Now}
	if s.cfg.JobsLeased != nil {
		o.lease = s.cfg.LeaseJob
	}
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		o.reset()
		return fn(tx, &o)
	})
	if err != nil {
		return err
	}
	if len(o.leased) > 0 {
		s.cfg.JobsLeased(o.leased...)
	}
	s.publish(ctx, &o)
	if o.jobs > len(o.leased) && s.cfg.JobsEnqueued != nil {
		s.cfg.JobsEnqueued()
	}
	return nil
}

// now is the service's clock, in UTC and at millisecond precision, as stored.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func memberIDs(ms []dm.Membership) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

// pruneSlice is how many events one pruning transaction deletes: on SQLite
// every send waits behind it, so it stays a few milliseconds long.
const pruneSlice = 5000

// PruneEvents deletes events older than the retention period, in slices of
// short transactions, until none is left or ctx ends.
func (s *Service) PruneEvents(ctx context.Context) (int64, error) {
	before := s.now().Add(-s.cfg.EventRetention)
	var total int64
	for {
		var n int64
		err := s.store.Update(ctx, func(tx dm.Tx) error {
			var err error
			n, err = tx.PruneEvents(ctx, before, pruneSlice)
			return err
		})
		total += n
		if err != nil || n < pruneSlice {
			return total, err
		}
	}
}
