// Package ws serves the WebSocket event stream (GET /api/v1/events/stream):
// a user's event log from a cursor, then live, with no gaps and no duplicates.
//
// The bus only says "these events were appended"; the store is the truth. A
// socket remembers the seq of the last event it sent and, whenever what
// arrives does not follow it (a notification lost, reordered or dropped), it
// reads the missing events from the store. So a reconnecting client, a NATS
// outage or a slow node never loses an event.
//
// An idle socket costs no goroutine and no buffer: on Linux one epoll
// goroutine per server watches every socket and reads one only when the
// client has sent something (a pong, a typing notice); writes run on a
// short-lived goroutine started only when there is something to send. What
// remains per socket is a few small structs (about 2 KB with the kernel's
// socket buffers outside the process), where a reader goroutine and its
// buffers cost over 20 KB.
package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/httpauth"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// Config tunes the stream server.
type Config struct {
	Chat *chat.Service
	// Identity re-authenticates each socket's session at every ping, so
	// that a socket ends when its session does.
	Identity *identity.Service
	Metrics  *metrics.Registry
	Logger   *slog.Logger
	// PingInterval is how often an idle socket is pinged, re-authenticated
	// and checked against the store (default 25s). A client silent for two
	// intervals is dropped.
	PingInterval time.Duration
	// WriteTimeout bounds one write (default 10s).
	WriteTimeout time.Duration
	// MaxPending is how many undelivered events a socket may hold before it
	// is dropped as too slow (default 1024); the client resumes by cursor.
	MaxPending int
	// MaxPerAccount bounds the sockets one account holds open on this node
	// (0: no bound); one more is refused with 429 before the upgrade.
	MaxPerAccount int
}

// Server holds the open sockets.
type Server struct {
	cfg      Config
	chat     *chat.Service
	identity *identity.Service
	log      *slog.Logger

	mu     sync.Mutex
	conns  map[*conn]struct{}
	per    map[string]int // open sockets by account, for MaxPerAccount
	closed bool
	wg     sync.WaitGroup
	stop   chan struct{}

	// poll watches idle sockets for input; nil where epoll is unavailable,
	// and then each socket has a reader goroutine.
	poll *poller
}

// New starts a stream server; Close stops it.
func New(cfg Config) *Server {
	if cfg.PingInterval == 0 {
		cfg.PingInterval = 25 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = 1024
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	s := &Server{cfg: cfg, chat: cfg.Chat, identity: cfg.Identity, log: cfg.Logger, conns: make(map[*conn]struct{}), per: make(map[string]int), stop: make(chan struct{})}
	if p, err := newPoller(); err == nil {
		s.poll = p
	} else {
		s.log.Warn("epoll unavailable: one reader goroutine per socket", "err", err)
	}
	s.wg.Add(1)
	go s.tick()
	return s
}

// conn is one socket.
type conn struct {
	s     *Server
	nc    net.Conn
	acc   *dm.Account
	token string

	// wmu serialises writes to nc (the flusher and control-frame replies).
	wmu sync.Mutex

	// lastRead is when the client last sent anything (UnixNano): a client
	// silent for two ping intervals is dropped.
	lastRead atomic.Int64

	// The reader's state, used by one reader at a time (see read.go).
	rmu    sync.Mutex
	in     []byte // an incomplete frame's bytes
	msg    []byte // a fragmented message so far
	msgOp  ws.OpCode
	rstate ws.State
	// pollID is the socket's key in the poller, 0 when not registered.
	pollID atomic.Uint64

	mu       sync.Mutex
	cancel   func() // bus subscription
	pending  []dm.Event
	catchUp  bool // read the store after sent before anything else
	ping     bool
	flushing bool
	dead     bool

	// Owned by the flusher (one at a time, handed over under mu).
	sent  int64 // seq of the last logged event written
	ready bool  // the backlog has been sent and announced
}

// Serve upgrades the request, sends au's events from the cursor and
// registers the socket for live events and for reading. It returns at once:
// an idle socket keeps no goroutine.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, au *httpauth.Auth) {
	ctx := r.Context()
	var cursor int64 = -1
	if q := r.URL.Query().Get("cursor"); q != "" {
		cursor, _ = chat.ParseCursor(q) // checked by the API before the upgrade
	}
	if !s.reserve(au.Account.ID) {
		s.cfg.Metrics.Add("parley_abuse_limited_total", "Writes refused by an abuse or rate limit, by limit.", metrics.Labels("limit", "streams_per_account"), 1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": dm.ERATELIMITED,
			"message": "This account has too many event streams open. Close some, or try again later."}})
		return
	}
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		s.release(au.Account.ID)
		return // the upgrader has answered the client
	}
	// flushing starts true so that a notification arriving before the
	// starting cursor is known queues up instead of starting a flusher that
	// would send the log from seq 1.
	c := &conn{s: s, nc: nc, acc: au.Account, token: au.Token, catchUp: true, flushing: true, rstate: ws.StateServerSide}
	c.lastRead.Store(time.Now().UnixNano())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.release(c.acc.ID)
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.cfg.Metrics.Gauge("parley_ws_connections", "Open WebSocket streams.", "", 1)

	// Subscribe before reading the cursor, so nothing slips between them.
	cancel, err := s.chat.Bus().Subscribe(c.acc.ID, c.notify)
	if err != nil {
		s.log.Error("subscribe failed", "err", err)
		c.close(ws.StatusInternalServerError, "bus unavailable")
		return
	}
	c.mu.Lock()
	c.cancel = cancel
	dead := c.dead
	c.mu.Unlock()
	if dead { // the server closed it meanwhile
		cancel()
		return
	}
	if cursor < 0 {
		last, err := s.chat.LastSeq(context.WithoutCancel(ctx), c.acc)
		if err != nil {
			c.close(ws.StatusInternalServerError, "store unavailable")
			return
		}
		cursor = last
	}
	c.mu.Lock()
	c.sent = cursor
	c.flushing = false
	c.mu.Unlock()
	c.kick()
	// Frames the client sent right behind its handshake sit in the
	// upgrader's buffer, which is dropped after this.
	if rw != nil && rw.Reader.Buffered() > 0 {
		b, _ := rw.Reader.Peek(rw.Reader.Buffered())
		if !c.input(bytes.Clone(b)) {
			return
		}
	}
	if s.poll == nil || s.poll.add(c) != nil {
		go c.readLoop()
	}
}

// finish forgets a closed socket.
func (c *conn) finish() {
	s := c.s
	s.cfg.Metrics.Gauge("parley_ws_connections", "Open WebSocket streams.", "", -1)
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.release(c.acc.ID)
	s.wg.Done()
}

// reserve counts one more socket of an account, or reports false when it
// holds MaxPerAccount already.
func (s *Server) reserve(accountID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxPerAccount > 0 && s.per[accountID] >= s.cfg.MaxPerAccount {
		return false
	}
	s.per[accountID]++
	return true
}

// release forgets one socket of an account.
func (s *Server) release(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.per[accountID]--; s.per[accountID] <= 0 {
		delete(s.per, accountID)
	}
}

// notify runs on the bus's delivery goroutine: it only queues.
func (c *conn) notify(n dm.Notification) {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return
	}
	c.pending = append(c.pending, n.Events...)
	if len(c.pending) > c.s.cfg.MaxPending {
		c.pending = nil
		c.mu.Unlock()
		c.s.cfg.Metrics.Add("parley_ws_slow_drops_total", "Sockets dropped for not keeping up.", "", 1)
		go c.close(ws.StatusPolicyViolation, "too slow: reconnect with your cursor")
		return
	}
	c.mu.Unlock()
	c.kick()
}

// kick starts the flusher unless one is running.
func (c *conn) kick() {
	c.mu.Lock()
	if c.flushing || c.dead {
		c.mu.Unlock()
		return
	}
	c.flushing = true
	c.mu.Unlock()
	go c.flush()
}

// flush writes whatever is queued until nothing is, then ends.
func (c *conn) flush() {
	var buf bytes.Buffer
	for {
		c.mu.Lock()
		batch, catchUp, ping := c.pending, c.catchUp, c.ping
		c.pending, c.catchUp, c.ping = nil, false, false
		if (len(batch) == 0 && !catchUp && !ping) || c.dead {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		buf.Reset()
		if ping {
			ws.WriteHeader(&buf, ws.Header{Fin: true, OpCode: ws.OpPing})
		}
		err := c.frames(&buf, batch, catchUp)
		if err == nil && buf.Len() > 0 {
			err = c.write(buf.Bytes())
		}
		if err != nil {
			c.mu.Lock()
			c.flushing = false
			c.mu.Unlock()
			if !errors.Is(err, net.ErrClosed) {
				c.s.log.Debug("stream write failed", "user", c.acc.Handle, "err", err)
			}
			c.close(ws.StatusGoingAway, "")
			return
		}
	}
}

// frames encodes what to send: first any events after c.sent that the store
// has and the batch lacks, then the batch without duplicates.
func (c *conn) frames(buf *bytes.Buffer, batch []dm.Event, catchUp bool) error {
	if catchUp {
		if err := c.backfill(buf, 0); err != nil {
			return err
		}
	}
	if !c.ready {
		c.ready = true
		if err := writeFrame(buf, map[string]string{"type": "ready", "cursor": strconv.FormatInt(c.sent, 10)}); err != nil {
			return err
		}
	}
	for i := range batch {
		e := &batch[i]
		switch {
		case e.Seq == 0: // ephemeral
		case e.Seq <= c.sent:
			continue // already sent (from the store, or twice by the bus)
		case e.Seq > c.sent+1:
			if err := c.backfill(buf, e.Seq-1); err != nil {
				return err
			}
			if e.Seq <= c.sent {
				continue
			}
		}
		if err := writeEvent(buf, e); err != nil {
			return err
		}
		if e.Seq > 0 {
			c.sent = e.Seq
		}
		c.s.cfg.Metrics.Add("parley_ws_events_sent_total", "Events written to sockets.", "", 1)
	}
	return nil
}

// backfill reads the user's events after c.sent from the store, up to seq
// `upTo` (0: all), and encodes them.
//
// Each page's read has its own deadline: the pieces written between them
// take as long as the client takes to read them (each write has its own
// deadline too), so a slow client with a large backlog is not dropped for
// the total time its catch-up takes.
func (c *conn) backfill(buf *bytes.Buffer, upTo int64) error {
	const pageSize = 200
	for upTo == 0 || c.sent < upTo {
		ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.WriteTimeout)
		evs, _, err := c.s.chat.Events(ctx, c.acc, strconv.FormatInt(c.sent, 10), pageSize)
		cancel()
		if err != nil {
			return err
		}
		for i := range evs {
			if upTo > 0 && evs[i].Seq > upTo {
				return nil
			}
			if err := writeEvent(buf, &evs[i]); err != nil {
				return err
			}
			c.sent = evs[i].Seq
			// Write big backlogs in pieces, so that memory stays bounded
			// and a piece's deadline asks for a pace a poor link keeps
			// (64 KB per WriteTimeout), not for the whole page at once.
			if buf.Len() >= backfillPiece {
				if err := c.write(buf.Bytes()); err != nil {
					return err
				}
				buf.Reset()
			}
		}
		if len(evs) < pageSize {
			return nil
		}
	}
	return nil
}

// backfillPiece is the size of one write of a catch-up.
const backfillPiece = 64 << 10

// writeEvent encodes one event as the API's wire frame (package wire), the
// same object GET /api/v1/events lists. The conversion goes through pooled
// scratch values, so that a frame costs the allocations of its encoding only,
// as when the domain event itself was encoded.
func writeEvent(buf *bytes.Buffer, e *dm.Event) error {
	s := frameScratchPool.Get().(*frameScratch)
	towire.EventInto(&s.ev, &s.msg, e)
	err := writeFrame(buf, &s.ev)
	// Keep the reactions' capacity, not what the event pointed to.
	s.ev, s.msg = wire.Event{}, wire.Message{Reactions: s.msg.Reactions[:0]}
	frameScratchPool.Put(s)
	return err
}

type frameScratch struct {
	ev  wire.Event
	msg wire.Message
}

var frameScratchPool = sync.Pool{New: func() any { return new(frameScratch) }}

func writeFrame(buf *bytes.Buffer, v any) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := ws.WriteHeader(buf, ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(payload))}); err != nil {
		return err
	}
	buf.Write(payload)
	return nil
}

func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	_, err := c.nc.Write(b)
	return err
}

// close sends a close frame (best effort) and closes the socket once.
func (c *conn) close(code ws.StatusCode, reason string) {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return
	}
	c.dead = true
	c.pending = nil
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	frame := ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(code, reason)))
	c.wmu.Lock()
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.nc.Write(frame)
	c.wmu.Unlock()
	if c.s.poll != nil {
		c.s.poll.remove(c)
	}
	c.nc.Close()
	c.finish()
}

// handle acts on one client message. Unknown types are ignored, for
// forward compatibility.
func (c *conn) handle(data []byte) {
	var msg struct {
		Type           string `json:"type"`
		ConversationID string `json:"conversation_id"`
	}
	if json.Unmarshal(data, &msg) != nil {
		return
	}
	if msg.Type == dm.EventTyping && msg.ConversationID != "" && len(msg.ConversationID) <= 128 {
		ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.WriteTimeout)
		defer cancel()
		c.s.chat.Typing(ctx, c.acc, msg.ConversationID)
	}
}

// tick pings every socket, ends those whose session has ended, and makes
// each check the store for events a lost notification did not announce.
func (s *Server) tick() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		silent := time.Now().Add(-2 * s.cfg.PingInterval).UnixNano()
		for _, c := range conns {
			if c.lastRead.Load() < silent {
				c.close(ws.StatusGoingAway, "no answer to pings")
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WriteTimeout)
			_, err := s.identity.Authenticate(ctx, c.token)
			cancel()
			if dm.IsCode(err, dm.EUNAUTHENTICATED) {
				c.close(ws.StatusPolicyViolation, "session ended")
				continue
			}
			c.mu.Lock()
			c.ping, c.catchUp = true, true
			c.mu.Unlock()
			c.kick()
		}
	}
}

// EndSession closes the sockets opened with a session token that has just
// been logged out.
func (s *Server) EndSession(token string) {
	s.mu.Lock()
	var ended []*conn
	for c := range s.conns {
		if c.token == token {
			ended = append(ended, c)
		}
	}
	s.mu.Unlock()
	for _, c := range ended {
		c.close(ws.StatusPolicyViolation, "session ended")
	}
}

// Revoked closes the sockets of sessions that ended on any node (a
// dm.Revocation heard on the bus): logout, password change, "log out
// everywhere", suspension.
func (s *Server) Revoked(r dm.Revocation) {
	if len(r.TokenHashes) == 0 {
		return
	}
	ended := make(map[string]bool, len(r.TokenHashes))
	for _, h := range r.TokenHashes {
		ended[h] = true
	}
	s.mu.Lock()
	var hit []*conn
	for c := range s.conns {
		if c.acc.ID == r.UserID && ended[identity.TokenHash(c.token)] {
			hit = append(hit, c)
		}
	}
	s.mu.Unlock()
	for _, c := range hit {
		c.close(ws.StatusPolicyViolation, "session ended")
	}
}

// Close ends every socket (close code 1001, "going away") and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	close(s.stop)
	for _, c := range conns {
		c.close(ws.StatusGoingAway, "server shutting down")
	}
	s.wg.Wait()
	if s.poll != nil {
		s.poll.close()
	}
	return nil
}
