package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyhq/parley/internal/server"
)

// The transport limits (internal/server/transport.go). Their timeouts are
// the network's own deadlines, not the injected clock: these tests set them
// to a second or less.

// rawConn dials the server and sends the start of a request whose body
// announces more bytes than it sends.
func slowBody(t *testing.T, e *env, extra string) net.Conn {
	t.Helper()
	u, _ := url.Parse(e.url)
	c, err := net.Dial("tcp", u.Host)
	must(t, err, "dial")
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /api/v1/sessions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n%s\r\n{\"handle\":", u.Host, extra)
	return c
}

// cutWithin reads c until the server closes it (a response, then EOF, or a
// reset) and fails unless that happens within d.
func cutWithin(t *testing.T, c net.Conn, d time.Duration, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("%s: still open after %v", what, d)
	}
}

// TestSlowBodyCut: slow-body connections are cut after the body timeout
// while honest clients are served; the cut is counted in /metrics.
func TestSlowBodyCut(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) { c.BodyTimeout = time.Second })
	e.user("honest")
	// 40 connections that send a body's first bytes and then nothing, and
	// one that dribbles a byte every 100 ms.
	var slow []net.Conn
	for range 40 {
		slow = append(slow, slowBody(t, e, ""))
	}
	drip := slowBody(t, e, "")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := drip.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	// Honest clients are served meanwhile.
	start := time.Now()
	for i := range 10 {
		c := e.anon()
		if _, _, err := c.Login(e.ctx, "honest", password("honest")); err != nil {
			t.Errorf("honest login %d while slow bodies hang: %v", i, err)
		}
	}
	t.Logf("10 honest logins in %v beside 41 slow bodies", time.Since(start))
	for i, c := range slow {
		cutWithin(t, c, 5*time.Second, fmt.Sprintf("slow body %d", i))
	}
	cutWithin(t, drip, 5*time.Second, "a body dribbled a byte every 100 ms")
	close(stop)
	wg.Wait()
	resp, err := http.Get(e.url + "/metrics")
	must(t, err, "metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "parley_body_timeouts_total ") {
		t.Errorf("/metrics does not count body timeouts")
	}
}

// TestIdleConnectionClosed: a keep-alive connection left idle is closed
// after the idle timeout.
func TestIdleConnectionClosed(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) { c.IdleTimeout = 300 * time.Millisecond })
	u, _ := url.Parse(e.url)
	c, err := net.Dial("tcp", u.Host)
	must(t, err, "dial")
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	must(t, err, "response")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	cutWithin(t, c, 3*time.Second, "an idle keep-alive connection")
}

// TestConnectionsPerAddress: one address holds at most MaxConnsPerAddr
// connections; one more gets a 429 with Retry-After and is closed; a
// closed one frees its place.
func TestConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) { c.MaxConnsPerAddr = 5 })
	u, _ := url.Parse(e.url)
	var open []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", u.Host)
		must(t, err, "dial")
		defer c.Close()
		open = append(open, c)
	}
	over := func() *http.Response {
		c, err := net.Dial("tcp", u.Host)
		must(t, err, "dial")
		defer c.Close()
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		must(t, err, "response")
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := over(); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a 6th connection: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	open[0].Close()
	// The server notices the close when it next reads that connection:
	// poll for the freed place rather than sleep for it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := over()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed connection's place was not freed: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range open[1:] {
		c.Close()
	}
	e2 := &abuseEnv{env: e}
	// Until the server notices those closes too, a new connection may
	// still be over the cap: poll through its refusals.
	for deadline := time.Now().Add(5 * time.Second); ; {
		line, err := e2.tryMetric("conns_per_addr")
		if line != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics has no parley_abuse_limited_total{limit=\"conns_per_addr\"} (last error: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInFlightPerForwardedAddress: behind --trust-proxy every connection
// is the proxy's, so the cap counts requests in flight per forwarded
// address instead: a third slow request from one client gets a 429 while
// another client and the proxy's own many connections are served.
func TestInFlightPerForwardedAddress(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) {
		c.MaxConnsPerAddr = 2
		c.TrustProxy = true
		c.BodyTimeout = 5 * time.Second
	})
	a1 := slowBody(t, e, "X-Forwarded-For: 203.0.113.7\r\n")
	a2 := slowBody(t, e, "X-Forwarded-For: 203.0.113.7\r\n")
	_, _ = a1, a2
	get := func(xff string) int {
		req, _ := http.NewRequestWithContext(e.ctx, "GET", e.url+"/healthz", nil)
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		must(t, err, "GET")
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// The two slow requests reach the handler once their headers are in:
	// poll until the third from that address is refused.
	deadline := time.Now().Add(5 * time.Second)
	for get("203.0.113.7") != http.StatusTooManyRequests {
		if time.Now().After(deadline) {
			t.Fatal("a third request in flight from one forwarded address was served")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range 5 {
		if s := get(fmt.Sprintf("198.51.100.%d", i)); s != http.StatusOK {
			t.Errorf("another client behind the proxy: %d", s)
		}
	}
}

// TestStreamsPerAccount: one account holds at most MaxStreamsPerAccount
// WebSocket streams; one more is refused with 429 before the upgrade; a
// closed stream frees its place; another account is not affected.
func TestStreamsPerAccount(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) { c.MaxStreamsPerAccount = 2 })
	amy, bob := e.user("amy"), e.user("bob")
	dial := func(token string) (net.Conn, int) {
		h := http.Header{}
		h.Set("Authorization", "Bearer "+token)
		status := 0
		d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(h), OnStatusError: func(s int, _ []byte, _ io.Reader) { status = s }}
		ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
		defer cancel()
		conn, _, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/events/stream")
		if err != nil {
			return nil, status
		}
		return conn, http.StatusSwitchingProtocols
	}
	s1, st := dial(amy.Token())
	if st != http.StatusSwitchingProtocols {
		t.Fatalf("amy's first stream: %d", st)
	}
	s2, st := dial(amy.Token())
	if st != http.StatusSwitchingProtocols {
		t.Fatalf("amy's second stream: %d", st)
	}
	defer s2.Close()
	if _, st := dial(amy.Token()); st != http.StatusTooManyRequests {
		t.Errorf("amy's third stream: %d, want 429", st)
	}
	b1, st := dial(bob.Token())
	if st != http.StatusSwitchingProtocols {
		t.Errorf("bob's stream while amy is at her cap: %d", st)
	} else {
		defer b1.Close()
	}
	s1.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, st := dial(amy.Token())
		if st == http.StatusSwitchingProtocols {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream's place was not freed: %d", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
