// Package nats is the scale-out Bus: notifications travel between Parley nodes
// over NATS core subjects, one subject per user. A node subscribes to a
// user's subject only while it holds at least one of that user's sockets, so
// each notification reaches just the nodes that need it.
//
// NATS core is at-most-once, and that is enough here: a notification only
// says "user U's log advanced". The events themselves are committed in the
// Store before they are published, so a notification lost while NATS is
// down or a node reconnects only delays delivery: the WebSocket layer catches
// up from the Store by cursor when a socket reconnects and whenever it sees a
// gap in the seqs it receives, and the next notification for the user
// carries it forward. Only ephemeral events (typing, Seq 0) can be lost, and
// those are worthless a few seconds later anyway.
package nats

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/parleyhq/parley/internal/dm"
)

var _ dm.Bus = (*Bus)(nil)

// DefaultSubjectPrefix is prepended to a user's id to name their subject.
const DefaultSubjectPrefix = "parley.user."

// Option configures New.
type Option func(*config)

type config struct {
	prefix string
	name   string
	log    *slog.Logger
}

// WithSubjectPrefix sets the subject prefix (DefaultSubjectPrefix otherwise).
// Clusters that share one NATS, and tests, keep apart by prefix. It should
// end with a dot.
func WithSubjectPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithName sets the connection name that NATS monitoring shows.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithLogger logs disconnections, reconnections and dropped notifications
// (slow subscribers); without it the bus logs nothing.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// Bus is a dm.Bus on one NATS connection.
type Bus struct {
	nc     *natsgo.Conn
	prefix string

	mu     sync.Mutex
	users  map[string]*userSubs
	closed bool
}

// userSubs is one user's NATS subscription on this node and the local
// subscribers it fans out to.
type userSubs struct {
	sub  *natsgo.Subscription
	fns  map[*subscriber]struct{}
	list []*subscriber // snapshot of fns for delivery, rebuilt on change
}

type subscriber struct {
	fn       func(dm.Notification)
	canceled atomic.Bool
}

// New connects to the NATS server(s) at url (comma-separated URLs for a
// cluster). The first connection must succeed, so that a wrong URL fails at
// start-up; after that the connection is retried forever and subscriptions
// are restored on reconnect.
func New(url string, opts ...Option) (*Bus, error) {
	cfg := config{prefix: DefaultSubjectPrefix, name: "parley"}
	for _, o := range opts {
		o(&cfg)
	}
	log := cfg.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	nc, err := natsgo.Connect(url,
		natsgo.Name(cfg.name),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250*time.Millisecond),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) {
			log.Info("nats reconnected", "url", c.ConnectedUrlRedacted())
		}),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, s *natsgo.Subscription, err error) {
			subject := ""
			if s != nil {
				subject = s.Subject
			}
			log.Warn("nats error", "subject", subject, "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w", url, err)
	}
	return &Bus{nc: nc, prefix: cfg.prefix, users: make(map[string]*userSubs)}, nil
}

// subject names userID's subject. Ids made of letters, digits, "-" and "_"
// (Parley's ids are) are used as they are; anything else is hex-encoded so
// that no id can contain a subject separator or wildcard.
func (b *Bus) subject(userID string) string {
	for i := 0; i < len(userID); i++ {
		c := userID[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return b.prefix + "x" + hex.EncodeToString([]byte(userID))
		}
	}
	if userID == "" {
		return b.prefix + "x"
	}
	return b.prefix + userID
}

var errClosed = errors.New("nats: bus closed")

// Publish sends each notification, JSON-encoded, to its user's subject. It
// returns once the notifications are in the connection's buffer; while
// disconnected that buffer holds them until the reconnect.
func (b *Bus) Publish(ctx context.Context, ns ...dm.Notification) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return errClosed
	}
	for _, n := range ns {
		data, err := json.Marshal(n)
		if err != nil {
			return fmt.Errorf("nats: encode notification: %w", err)
		}
		if err := b.nc.Publish(b.subject(n.UserID), data); err != nil {
			return fmt.Errorf("nats: publish: %w", err)
		}
	}
	return nil
}

// Subscribe registers fn for userID's notifications. The first local
// subscriber of a user opens the node's NATS subscription for them; it is
// confirmed by a round trip to the server before Subscribe returns, so that
// a caller who subscribes and then reads the Store misses no notification
// published after that read.
func (b *Bus) Subscribe(userID string, fn func(dm.Notification)) (func(), error) {
	s := &subscriber{fn: fn}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errClosed
	}
	u := b.users[userID]
	fresh := u == nil
	if fresh {
		u = &userSubs{fns: make(map[*subscriber]struct{})}
		sub, err := b.nc.Subscribe(b.subject(userID), func(m *natsgo.Msg) { b.deliver(u, m) })
		if err != nil {
			b.mu.Unlock()
			return nil, fmt.Errorf("nats: subscribe: %w", err)
		}
		u.sub = sub
		b.users[userID] = u
	}
	u.fns[s] = struct{}{}
	u.rebuild()
	b.mu.Unlock()
	if fresh && b.nc.IsConnected() {
		// While NATS is unreachable there is nothing to wait for: the
		// subscription is restored on reconnect, and until then the socket
		// lives on Store catch-up alone.
		_ = b.nc.FlushTimeout(2 * time.Second)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.canceled.Store(true)
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(u.fns, s)
			u.rebuild()
			if len(u.fns) == 0 && b.users[userID] == u {
				delete(b.users, userID)
				_ = u.sub.Unsubscribe()
			}
		})
	}, nil
}

func (u *userSubs) rebuild() {
	u.list = make([]*subscriber, 0, len(u.fns))
	for s := range u.fns {
		u.list = append(u.list, s)
	}
}

// deliver runs on the NATS subscription's own goroutine, one message at a
// time, which keeps one publisher's notifications to a user in order.
func (b *Bus) deliver(u *userSubs, m *natsgo.Msg) {
	var n dm.Notification
	if err := json.Unmarshal(m.Data, &n); err != nil {
		return // not ours: nothing to deliver
	}
	b.mu.Lock()
	list := u.list
	b.mu.Unlock()
	for _, s := range list {
		if !s.canceled.Load() {
			s.fn(n)
		}
	}
}

// Ping reports whether the connection to NATS is up and answers a round trip.
func (b *Bus) Ping(ctx context.Context) error {
	if st := b.nc.Status(); st != natsgo.CONNECTED {
		return fmt.Errorf("nats: %s", st)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
	}
	if err := b.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: ping: %w", err)
	}
	return nil
}

// Close ends every subscription and the connection; later calls fail. It may
// be called more than once.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.users = nil
	b.mu.Unlock()
	b.nc.Close()
	return nil
}
