package ws

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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
	ctx := t.Context()
	store, err := sqlite.Open(ctx, t.TempDir()+"/parley.db")
	if err != nil {
		t.Fatal(err)
	}
	bus := inmem.New()
	svc := chat.New(store, bus, chat.Config{RateLimitOff: true})
	ids := identity.New(store, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	srv := New(Config{Chat: svc, Identity: ids, MaxPending: 16, WriteTimeout: 2 * time.Second})
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
		if br != nil {
			// Frames sent right after the handshake wait in br.
			return bufferedConn{c, io.MultiReader(br, c)}
		}
		return c
	}

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
