package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyhq/parley/client"
)

// TestConcurrentSignupSameHandle races eight signups for one handle: one
// account, and a 409 (never a 500) for the others.
func TestConcurrentSignupSameHandle(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	gun := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gun
			_, errs[i] = e.anon().Signup(e.ctx, client.SignupParams{Handle: "dupe", Password: password("dupe")})
		}()
	}
	close(gun)
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
			continue
		}
		wantStatus(t, err, http.StatusConflict, "a losing signup of the same handle")
	}
	if created != 1 {
		t.Errorf("8 racing signups of one handle: want 1 account, got %d", created)
	}
}

// TestConcurrentReactions races one account's identical reactions.
func TestConcurrentReactions(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ken, liv := e.user("ken"), e.user("liv")
	conv := e.direct(ken, "liv")
	m := e.send(ken, conv.ID, "race me")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok(t, liv.React(ctx, m.ID, "🔥"), "racing react")
		}()
	}
	wg.Wait()
	msgs, _, err := ken.Messages(ctx, conv.ID, "", 0)
	must(t, err, "list")
	if rs := msgs[0].Reactions; len(rs) != 1 || rs[0].Count != 1 {
		t.Errorf("8 racing identical reactions: want 🔥 x1, got %+v", rs)
	}
}

// TestStreamHostileFrames sends a socket what no honest client would: the
// server may close it, but must keep serving everyone else.
func TestStreamHostileFrames(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	mal, nia := e.user("mal"), e.user("nia")
	conv := e.direct(mal, "nia")

	for _, frame := range []struct {
		name string
		op   ws.OpCode
		data []byte
	}{
		{"not JSON", ws.OpText, []byte("hello?")},
		{"unknown type", ws.OpText, []byte(`{"type":"delete_everything"}`)},
		{"typing without a conversation", ws.OpText, []byte(`{"type":"typing"}`)},
		{"typing of the wrong type", ws.OpText, []byte(`{"type":"typing","conversation_id":7}`)},
		{"binary", ws.OpBinary, []byte{0, 1, 2, 3}},
		{"2 MiB text", ws.OpText, []byte(`{"type":"typing","conversation_id":"` + strings.Repeat("x", 2<<20) + `"}`)},
	} {
		h := http.Header{"Authorization": {"Bearer " + mal.Token()}}
		d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(h)}
		conn, _, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/events/stream")
		must(t, err, "dial")
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		wsutil.WriteClientMessage(conn, frame.op, frame.data)
		conn.Close()
		// The server still answers, and nia's stream still works.
		_, _, err = mal.Me(ctx)
		ok(t, err, "GET /me after a socket sent "+frame.name)
	}
	s, err := nia.Stream(ctx, "")
	must(t, err, "nia's stream")
	defer s.Close()
	readUntilReady(ctx, t, s)
	m := e.send(mal, conv.ID, "still here")
	if ev := nextLogged(ctx, t, s); ev.Message == nil || ev.Message.ID != m.ID {
		t.Errorf("after the hostile frames: want message %s on nia's stream, got %+v", m.ID, ev)
	}
}
