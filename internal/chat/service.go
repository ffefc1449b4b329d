// Package chat is Parley's messaging service: the social graph,
// conversations, messages and the per-user event log. Every rule (who may
// message whom, limits, what each member is told) lives here, so the HTTP
// API, the WebSocket, bots and campaigns all obey the same ones. Accounts,
// passwords and sessions are internal/identity's: chat acts for a
// *dm.Account that identity has already authenticated.
package chat

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/dm"
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
	// EventRetention is how long the event log keeps events (default 30 days);
	// a client whose cursor is older must resync (410).
	EventRetention time.Duration
	Logger         *slog.Logger
}

// Hooks lets a layer built on top of the spine, the brand inbox
// (internal/brand), act inside sends without the spine knowing about it.
// Its inbox state, first-response times, assignments and message attribution
// then commit atomically with the message that caused them.
type Hooks interface {
	// MessageStored runs inside the send transaction, after the message is
	// stored and before the members' message.created events are appended.
	// Its writes commit or roll back with the message; events it appends
	// through out are published after the commit, like the send's own. It
	// may return work to run after the commit (nil for none), such as an
	// automated reply, which must go through Send like any other message.
	MessageStored(ctx context.Context, tx dm.Tx, out Outbox, sent *Sent) (after func(context.Context), err error)
	// MessageChanged runs inside the transaction of an edit, a delete for
	// everyone or a reaction, after the members' events (ev, without its
	// message) are appended.
	MessageChanged(ctx context.Context, tx dm.Tx, out Outbox, ev dm.Event, messageID string) error
	// DecorateMessages fills the fields the store does not keep
	// (dm.Message.Automated and AgentName) on messages read back from it.
	DecorateMessages(ctx context.Context, tx dm.Tx, msgs []dm.Message) error
}

// Sent describes a message stored by Send, for Hooks.
type Sent struct {
	Sender  *dm.Account
	Message *dm.Message
	// Members are the conversation's members when the message was sent.
	Members []dm.Membership
	// Direct is true in a direct conversation (not a group down to two).
	Direct bool
	Params SendParams
}

// hookSet boxes the Hooks interface for an atomic pointer.
type hookSet struct{ h Hooks }

// Service is the messaging service. It is safe for concurrent use.
type Service struct {
	store dm.Store
	bus   dm.Bus
	cfg   Config
	log   *slog.Logger

	sendLimit *ratelimit.Limiter // per account
	typing    *ratelimit.Limiter // ephemeral notices (typing, presence), see AllowNotice
	pages     pageCache          // first pages of folders, see inboxcache.go

	hooks atomic.Pointer[hookSet]
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
	s := &Service{store: store, bus: bus, cfg: cfg, log: cfg.Logger}
	// Typing notices are thinned even without limits: one a second is all a UI shows.
	s.typing = ratelimit.New(1, 1)
	if !cfg.RateLimitOff {
		s.sendLimit = ratelimit.New(cfg.SendPerSecond, cfg.SendBurst)
	}
	return s
}

// Store returns the service's store (for the WebSocket backlog and tools).
func (s *Service) Store() dm.Store { return s.store }

// Bus returns the service's bus.
func (s *Service) Bus() dm.Bus { return s.bus }

// SetHooks installs h (nil removes it). A layer that needs the service to
// exist before it can be built (internal/brand sends automated replies
// through Send) installs itself this way, before the server starts serving.
func (s *Service) SetHooks(h Hooks) {
	if h == nil {
		s.hooks.Store(nil)
		return
	}
	s.hooks.Store(&hookSet{h})
}

func (s *Service) getHooks() Hooks {
	if hs := s.hooks.Load(); hs != nil {
		return hs.h
	}
	return nil
}

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
}

// add appends e to userID's log within tx and keeps it for publishing.
func (o *outbox) add(ctx context.Context, tx dm.Tx, userID string, e dm.Event) error {
	if err := tx.AppendEvent(ctx, userID, &e); err != nil {
		return err
	}
	if o.byUser == nil {
		o.byUser = make(map[string][]dm.Event)
	}
	if _, ok := o.byUser[userID]; !ok {
		o.order = append(o.order, userID)
	}
	o.byUser[userID] = append(o.byUser[userID], e)
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
func (o *outbox) reset() { o.byUser, o.order = nil, nil }

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
	var o outbox
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		o.reset()
		return fn(tx, &o)
	})
	if err != nil {
		return err
	}
	s.publish(ctx, &o)
	return nil
}

// now is the service's clock, in UTC and at millisecond precision, as stored.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

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
	before := now().Add(-s.cfg.EventRetention)
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
