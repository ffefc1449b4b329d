package ws

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/httpauth"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestSlowClientIsDropped checks that a socket whose client stops reading is
// closed once too many events wait for it, that it does not hold up anyone
// else, and that its owner loses nothing: reconnecting with the last cursor
// brings every event.
func TestSlowClientIsDropped(t *testing.T) {
	w := newSlowWorld(t, 2*time.Second)
	ctx, svc, amy, bob, cat, dial := w.ctx, w.svc, w.amy, w.bob, w.cat, w.dial
	slow := dial(bob, "0")
	fast := dial(cat, "0")
	waitReady(t, slow)
	waitReady(t, fast)
	toBob, _, err := svc.CreateConversation(ctx, amy, []string{"bob"}, "")
	if err != nil {
		t.Fatal(err)
	}
	toCat, _, err := svc.CreateConversation(ctx, amy, []string{"cat"}, "")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("x", 3000)
	const n = 400
	for i := 0; i < n; i++ {
		if _, _, err := svc.Send(ctx, amy, toBob.ID, chat.SendParams{Text: text}); err != nil {
			t.Fatal(err)
		}
		if i%40 == 0 {
			if _, _, err := svc.Send(ctx, amy, toCat.ID, chat.SendParams{Text: "hi cat " + strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Cat reads along and gets everything meant for her.
	got := 0
	for got < n/40 {
		ev := readEvent(t, fast)
		if ev.Type == dm.EventMessageCreated {
			got++
		}
	}

	// Bob never read: the server must have closed his socket. Draining what
	// the kernel buffered must end in a close or an error, not in all 400.
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	seen, closed := 0, false
	for !closed {
		msg, op, err := wsutil.ReadServerData(slow)
		switch {
		case err != nil:
			closed = true
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the slow socket was never closed (read %d events)", seen)
			}
		case op == ws.OpText && strings.Contains(string(msg), `"message.created"`):
			seen++
		}
	}
	if seen >= n {
		t.Fatalf("the slow client got all %d messages; it should have been dropped", n)
	}

	// Nothing is lost: from cursor 0 bob gets the conversation and all 400 messages.
	again := dial(bob, "0")
	msgs := 0
	for msgs < n {
		if ev := readEvent(t, again); ev.Type == dm.EventMessageCreated {
			msgs++
		}
	}
}

// TestSlowCatchUpIsNotDropped: a client that reads a large backlog slowly
// (a phone on a poor link, back after a while) gets all of it, although
// sending it takes several times the write timeout: each page of the
// catch-up has its own deadlines, the store's read and the socket's write.
func TestSlowCatchUpIsNotDropped(t *testing.T) {
	const timeout = 2 * time.Second
	w := newSlowWorld(t, timeout)
	conv, _, err := w.svc.CreateConversation(w.ctx, w.amy, []string{"bob"}, "")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("y", 1000)
	const n = 1000 // five pages of the catch-up, sixteen pieces, 1 MB
	// Eight senders at once: their sends share commits.
	var g errgroup
	for range 8 {
		g.Go(func() error {
			for range n / 8 {
				if _, _, err := w.svc.Send(w.ctx, w.amy, conv.ID, chat.SendParams{Text: text}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	c := w.dial(w.bob, "0")
	start := time.Now()
	for msgs := 0; msgs < n; {
		if ev := readEvent(t, c); ev.Type == dm.EventMessageCreated {
			msgs++
			if msgs%20 == 0 {
				time.Sleep(100 * time.Millisecond) // 200 KB/s
			}
		}
	}
	if took := time.Since(start); took < 2*timeout {
		t.Fatalf("the catch-up took %v, not the longer than two write timeouts this test is about", took)
	}
}

// slowWorld is a WebSocket server over a real store whose sockets have a
// small, fixed send buffer, with three accounts and a dialer.
type slowWorld struct {
	ctx           context.Context
	svc           *chat.Service
	amy, bob, cat *dm.Account
	dial          func(acc *dm.Account, cursor string) net.Conn
}

func newSlowWorld(t *testing.T, writeTimeout time.Duration) *slowWorld {
	t.Helper()
	ctx := t.Context()
	store, err := sqlite.Open(ctx, t.TempDir()+"/parley.db")
	if err != nil {
		t.Fatal(err)
	}
	bus := inmem.New()
	svc := chat.New(store, bus, chat.Config{RateLimitOff: true})
	ids := identity.New(store, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	srv := New(Config{Chat: svc, Identity: ids, MaxPending: 16, WriteTimeout: writeTimeout})
	t.Cleanup(func() { srv.Close(); bus.Close(); store.Close() })

	tokens := map[string]string{} // account id -> session token, for the dialer
	signup := func(h string) *dm.Account {
		if _, err := ids.Signup(ctx, identity.SignupParams{Handle: h, Password: "password-" + h}); err != nil {
			t.Fatal(err)
		}
		s, err := ids.Login(ctx, h, "password-"+h, "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[s.Account.ID] = s.Token
		return s.Account
	}
	amy, bob, cat := signup("amy"), signup("bob"), signup("cat")
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acc, err := ids.Authenticate(r.Context(), r.URL.Query().Get("token"))
		if err != nil {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		srv.Serve(w, r, &httpauth.Auth{Account: acc, Token: r.URL.Query().Get("token")})
	}))
	// A small, fixed send buffer (no autotuning) makes the server's writes to
	// a client that does not read block after ~100 KB instead of megabytes.
	hs.Listener = smallSendBuffer{hs.Listener}
	hs.Start()
	t.Cleanup(hs.Close)
	dial := func(acc *dm.Account, cursor string) net.Conn {
		u := "ws" + strings.TrimPrefix(hs.URL, "http") + "/?token=" + tokens[acc.ID] + "&cursor=" + cursor
		c, br, _, err := ws.Dial(ctx, u)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		// A small receive buffer too: what the client has not read holds
		// up the server's writes after ~50 KB.
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(16 << 10)
		}
		if br != nil {
			// Frames sent right after the handshake wait in br.
			return bufferedConn{c, io.MultiReader(br, c)}
		}
		return c
	}

	return &slowWorld{ctx: ctx, svc: svc, amy: amy, bob: bob, cat: cat, dial: dial}
}

type smallSendBuffer struct{ net.Listener }

func (l smallSendBuffer) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		c.(*net.TCPConn).SetWriteBuffer(16 << 10)
	}
	return c, err
}

func readEvent(t *testing.T, c net.Conn) dm.Event {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		msg, op, err := wsutil.ReadServerData(c)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if op != ws.OpText {
			continue
		}
		var ev dm.Event
		if err := json.Unmarshal(msg, &ev); err != nil {
			t.Fatalf("frame %q: %v", msg, err)
		}
		return ev
	}
}

func waitReady(t *testing.T, c net.Conn) {
	t.Helper()
	for readEvent(t, c).Type != "ready" {
	}
}

// bufferedConn reads what the handshake's reader buffered before the socket.
type bufferedConn struct {
	net.Conn
	r io.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// errgroup runs functions at once and returns the first error of theirs.
type errgroup struct {
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

func (g *errgroup) Go(fn func() error) {
	g.wg.Go(func() {
		if err := fn(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	})
}

func (g *errgroup) Wait() error {
	g.wg.Wait()
	return g.err
}
