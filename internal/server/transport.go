package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Transport limits: what one client may hold of the process (connections,
// time), so that slow or numerous connections cannot exhaust its file
// descriptors. Request headers have ReadHeaderTimeout; a body must arrive
// within BodyTimeout (plus one second per bodyRate bytes received, so an
// honest large upload on a slow link still finishes); an idle keep-alive
// connection is closed after IdleTimeout; one client address holds at most
// MaxConnsPerAddr connections (behind a trusted proxy, whose own address
// is every client's, at most that many requests in flight per forwarded
// address instead); WebSocket streams per account are internal/ws's.

// bodyRate is the upload speed whose bytes earn a body more time: 64 KiB a
// second, far below any real link, far above a slow-body attack.
const bodyRate = 64 << 10

// Transport defaults.
const (
	DefaultHeaderTimeout        = 10 * time.Second
	DefaultBodyTimeout          = 30 * time.Second
	DefaultIdleTimeout          = 2 * time.Minute
	DefaultMaxConnsPerAddr      = 500
	DefaultMaxStreamsPerAccount = 32
)

// withTransportDefaults fills the transport settings left zero; with
// limits off, connections and streams are not bounded.
func withTransportDefaults(cfg Config) Config {
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = DefaultHeaderTimeout
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConnsPerAddr == 0 {
		cfg.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	if cfg.MaxStreamsPerAccount == 0 {
		cfg.MaxStreamsPerAccount = DefaultMaxStreamsPerAccount
	}
	if cfg.RateLimitOff {
		cfg.MaxConnsPerAddr, cfg.MaxStreamsPerAccount = -1, -1
	}
	return cfg
}

// limitListener caps the open connections per remote address. A
// connection over the cap gets a 429 and is closed at once.
type limitListener struct {
	net.Listener
	max     int
	metrics *metrics.Registry

	mu   sync.Mutex
	open map[string]int
}

func newLimitListener(ln net.Listener, max int, reg *metrics.Registry) *limitListener {
	return &limitListener{Listener: ln, max: max, metrics: reg, open: make(map[string]int)}
}

// tooMany is the whole answer to a connection over the cap.
const tooMany = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 103\r\n\r\n" +
	`{"error":{"code":"rate_limited","message":"Too many open connections from your address. Close some."}}`

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := ratelimit.NetworkKey(hostOf(c.RemoteAddr()))
		l.mu.Lock()
		n := l.open[addr]
		if n >= l.max {
			l.mu.Unlock()
			l.metrics.Add("parley_abuse_limited_total", "Writes refused by an abuse or rate limit, by limit.", metrics.Labels("limit", "conns_per_addr"), 1)
			c.SetWriteDeadline(time.Now().Add(time.Second))
			io.WriteString(c, tooMany)
			c.Close()
			continue
		}
		l.open[addr] = n + 1
		l.mu.Unlock()
		l.metrics.Gauge("parley_http_connections", "Open HTTP connections (WebSocket streams included).", "", 1)
		return &countedConn{Conn: c, l: l, addr: addr}, nil
	}
}

func (l *limitListener) done(addr string) {
	l.mu.Lock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
	l.mu.Unlock()
	l.metrics.Gauge("parley_http_connections", "Open HTTP connections (WebSocket streams included).", "", -1)
}

func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// countedConn gives its place back when closed (once, whoever closes it:
// the HTTP server, or the WebSocket stream after a hijack).
type countedConn struct {
	net.Conn
	l    *limitListener
	addr string
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.done(c.addr) })
	return err
}

// SyscallConn passes the socket through, so that the WebSocket stream's
// poller can watch it (internal/ws) as it watches a bare *net.TCPConn.
func (c *countedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("not a socket")
}

// transport wraps the API with the body timeout and, behind a trusted
// proxy, the in-flight cap per forwarded address.
type transport struct {
	next        http.Handler
	bodyTimeout time.Duration
	trustProxy  bool
	maxInFlight int // per forwarded address, behind a proxy only; 0: none
	metrics     *metrics.Registry

	mu       sync.Mutex
	inFlight map[string]int
}

func (t *transport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t.maxInFlight > 0 {
		addr := ratelimit.NetworkKey(api.ClientAddr(r, t.trustProxy))
		t.mu.Lock()
		if t.inFlight[addr] >= t.maxInFlight {
			t.mu.Unlock()
			t.metrics.Add("parley_abuse_limited_total", "Writes refused by an abuse or rate limit, by limit.", metrics.Labels("limit", "conns_per_addr"), 1)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"rate_limited","message":"Too many requests in flight from your address."}}`+"\n")
			return
		}
		t.inFlight[addr]++
		t.mu.Unlock()
		defer func() {
			t.mu.Lock()
			if t.inFlight[addr]--; t.inFlight[addr] <= 0 {
				delete(t.inFlight, addr)
			}
			t.mu.Unlock()
		}()
	}
	if t.bodyTimeout > 0 && r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		rc := http.NewResponseController(w)
		start := time.Now()
		if rc.SetReadDeadline(start.Add(t.bodyTimeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, t: t, deadline: start.Add(t.bodyTimeout)}
		}
	}
	t.next.ServeHTTP(w, r)
}

// deadlineBody keeps the connection's read deadline on a request body:
// BodyTimeout from the start, plus a second for every bodyRate bytes that
// arrived. At the end of the body the deadline is lifted, since the HTTP
// server's own read behind a finished body must not time out.
type deadlineBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	t        *transport
	deadline time.Time
	got      int64
	done     bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && !b.done {
		before := b.got / bodyRate
		b.got += int64(n)
		if after := b.got / bodyRate; after > before {
			b.deadline = b.deadline.Add(time.Duration(after-before) * time.Second)
			b.rc.SetReadDeadline(b.deadline)
		}
	}
	if err != nil && !b.done {
		b.done = true
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.t.metrics.Add("parley_body_timeouts_total", "Requests whose body did not arrive within the body timeout.", "", 1)
		} else {
			b.rc.SetReadDeadline(time.Time{})
		}
	}
	return n, err
}
