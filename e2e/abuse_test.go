package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/server"
)

// The floods of issue 16, each against the default limits: every one must
// meet a 429 with Retry-After within its stated budget, and store nothing
// past it. The accounts are made through the server's identity service
// (the sign-up limit per address is not what these tests are about), and
// the server's clock is the test's, so "new account" and refills never
// wait.

// abuseEnv is a server with limits on, its clock, and a way to make accounts.
type abuseEnv struct {
	*env
	srv *server.Server
	mu  sync.Mutex
	now time.Time
}

func startAbuse(t *testing.T) *abuseEnv {
	t.Helper()
	a := &abuseEnv{now: time.Now().UTC()}
	ctx := t.Context()
	cfg := server.Config{
		Addr:         "127.0.0.1:0",
		DataDir:      t.TempDir(),
		PasswordCost: identity.CheapPasswordCost(),
		Logger:       slog.New(slog.DiscardHandler),
		Now:          a.clock,
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server.Shutdown: %v", err)
		}
	})
	a.env, a.srv = &env{t: t, ctx: ctx, url: srv.URL(), doc: newConformance(t)}, srv
	return a
}

func (a *abuseEnv) clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

func (a *abuseEnv) advance(d time.Duration) {
	a.mu.Lock()
	a.now = a.now.Add(d)
	a.mu.Unlock()
}

// accounts makes accounts prefix0...prefix(n-1) and returns their handles.
// Their creation time is the server's clock: they are new until it moves.
func (a *abuseEnv) accounts(prefix string, n int) []string {
	a.t.Helper()
	hs := make([]string, n)
	for i := range n {
		hs[i] = fmt.Sprintf("%s%d", prefix, i)
		if _, err := a.srv.Identity().Signup(a.ctx, identity.SignupParams{Handle: hs[i], Password: password(hs[i])}); err != nil {
			a.t.Fatalf("signup %s: %v", hs[i], err)
		}
	}
	return hs
}

// login logs an account made by accounts in.
func (a *abuseEnv) login(handle string) *client.Client {
	a.t.Helper()
	c := a.anon()
	if _, _, err := c.Login(a.ctx, handle, password(handle)); err != nil {
		a.t.Fatalf("login %s: %v", handle, err)
	}
	return c
}

// flood runs op until it fails or n times, and returns how many succeeded
// and the first failure.
func flood(n int, op func(i int) error) (int, error) {
	for i := range n {
		if err := op(i); err != nil {
			return i, err
		}
	}
	return n, nil
}

// want429 checks a flood's refusal: 429 rate_limited with a Retry-After,
// after at most budget successes.
func want429(t *testing.T, done int, err error, budget int, what string) {
	t.Helper()
	ce := wantStatus(t, err, http.StatusTooManyRequests, fmt.Sprintf("%s after %d", what, done))
	if ce == nil {
		return
	}
	if ce.Code != "rate_limited" || ce.RetryAfter <= 0 {
		t.Errorf("%s: code %q Retry-After %v, want rate_limited with a positive Retry-After", what, ce.Code, ce.RetryAfter)
	}
	if done > budget {
		t.Errorf("%s: %d went through before the 429, budget %d", what, done, budget)
	}
	t.Logf("%s: 429 after %d (budget %d): %s", what, done, budget, ce.Message)
}

// stillRefused checks that the next attempts keep failing.
func stillRefused(t *testing.T, n int, op func(i int) error, what string) {
	t.Helper()
	for i := range n {
		if err := op(i); err == nil {
			t.Errorf("%s: attempt %d after the 429 went through", what, i)
			return
		}
	}
}

// requests counts the conversations in c's Requests folder.
func (a *abuseEnv) requests(c *client.Client) int {
	return len(a.folder(c, "requests"))
}

// metric returns the /metrics line of a limit's refusals ("" if none).
func (a *abuseEnv) metric(limit string) string {
	line, err := a.tryMetric(limit)
	must(a.t, err, "GET /metrics")
	return line
}

// tryMetric is metric that returns the request's error: on a new
// connection that the per-address cap refuses before reading the
// request, the client sees the connection's 429 as an error.
func (a *abuseEnv) tryMetric(limit string) (string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(a.url + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, `parley_abuse_limited_total{limit="`+limit+`"}`) {
			return line, nil
		}
	}
	return "", nil
}

func (a *abuseEnv) wantMetric(limit string) {
	a.t.Helper()
	if a.metric(limit) == "" {
		a.t.Errorf("/metrics has no parley_abuse_limited_total{limit=%q}", limit)
	}
}

// TestFloodSmallGroups: one new account creating three-person groups with
// strangers (measured: 2,000 in 3 s, no 429) is stopped within 2 groups;
// an established account within 10; nothing more reaches the strangers.
func TestFloodSmallGroups(t *testing.T) {
	t.Parallel()
	a := startAbuse(t)
	a.accounts("spam", 2)
	victims := a.accounts("vic", 2)
	v0 := a.login(victims[0])
	newbie := a.login("spam0")
	group := func(c *client.Client) func(int) error {
		return func(i int) error {
			_, _, err := c.CreateConversation(a.ctx, victims, fmt.Sprint("deal ", i))
			return err
		}
	}
	done, err := flood(2000, group(newbie))
	want429(t, done, err, 2, "a new account's three-person groups")
	stillRefused(t, 200, group(newbie), "a new account's groups")
	if n := a.requests(v0); n != done {
		t.Errorf("the stranger has %d requests, want %d (one per group created before the 429)", n, done)
	}
	a.wantMetric("group_create")

	// A day later the other account is established: a larger budget, same end.
	a.advance(25 * time.Hour)
	old := a.login("spam1")
	before := a.requests(v0)
	done, err = flood(2000, group(old))
	want429(t, done, err, 10, "an established account's three-person groups")
	stillRefused(t, 200, group(old), "an established account's groups")
	if n := a.requests(v0) - before; n != done {
		t.Errorf("the stranger got %d more requests, want %d", n, done)
	}
}

// TestFloodBigGroups: groups of 100 strangers (measured: 111 in 10 s wrote
// 10,989 request entries) are refused at once, new account or not: no
// request entry is written.
func TestFloodBigGroups(t *testing.T) {
	t.Parallel()
	a := startAbuse(t)
	a.accounts("spam", 1)
	victims := a.accounts("vic", 99)
	v0 := a.login(victims[0])
	spammer := a.login("spam0")
	big := func(i int) error {
		_, _, err := spammer.CreateConversation(a.ctx, victims, fmt.Sprint("big deal ", i))
		return err
	}
	done, err := flood(111, big)
	want429(t, done, err, 0, "a new account's groups of 100 strangers")
	a.advance(25 * time.Hour)
	done, err = flood(111, big)
	want429(t, done, err, 0, "an established account's groups of 100 strangers")
	if n := a.requests(v0); n != 0 {
		t.Errorf("a stranger has %d requests after refused big groups, want 0", n)
	}
	a.wantMetric("requests")
	// A group of people who follow the owner is not a flood.
	for _, h := range victims[:20] {
		must(t, a.login(h).Follow(a.ctx, "spam0"), h+" follows spam0")
	}
	_, _, err = spammer.CreateConversation(a.ctx, victims[:20], "friends")
	ok(t, err, "a group of 20 followers")
}

// TestFloodMemberAddRemove: adding and removing the same stranger in a
// group (measured: 300 a second) is stopped within 3 adds; the stranger
// hears of nothing more.
func TestFloodMemberAddRemove(t *testing.T) {
	t.Parallel()
	a := startAbuse(t)
	hs := a.accounts("own", 3)
	a.advance(25 * time.Hour) // established: the per-target limit is the same for all
	owner, f1, f2 := a.login(hs[0]), a.login(hs[1]), a.login(hs[2])
	must(t, f1.Follow(a.ctx, hs[0]), "follow")
	must(t, f2.Follow(a.ctx, hs[0]), "follow")
	a.accounts("stranger", 1)
	stranger := a.login("stranger0")
	g, _, err := owner.CreateConversation(a.ctx, []string{hs[1], hs[2]}, "club")
	must(t, err, "group")
	_, cursor, err := stranger.Events(a.ctx, "", 1)
	must(t, err, "events cursor")
	done, err := flood(300, func(int) error {
		if _, err := owner.AddMembers(a.ctx, g.ID, []string{"stranger0"}); err != nil {
			return err
		}
		return owner.RemoveMember(a.ctx, g.ID, "stranger0")
	})
	want429(t, done, err, 3, "adding and removing a stranger")
	stillRefused(t, 50, func(int) error { _, err := owner.AddMembers(a.ctx, g.ID, []string{"stranger0"}); return err }, "re-adding the stranger")
	evs, _, err := stranger.Events(a.ctx, cursor, 200)
	must(t, err, "stranger's events")
	if len(evs) > 2*done {
		t.Errorf("the stranger got %d events for %d add/remove rounds, want at most %d", len(evs), done, 2*done)
	}
	c, err := owner.Conversation(a.ctx, g.ID)
	must(t, err, "group")
	if len(c.Members) != 3 {
		t.Errorf("the group has %d members after the refused add, want 3", len(c.Members))
	}
	a.wantMetric("requests_per_target")
}

// TestFloodEditsAndReactions: edits (measured: 1,260 a second) and
// reaction toggles (1,181 a second) of one message are stopped within 10
// each; the other member's event log holds nothing past them.
func TestFloodEditsAndReactions(t *testing.T) {
	t.Parallel()
	a := startAbuse(t)
	hs := a.accounts("pal", 2)
	// Established accounts: the per-target limits are what is measured
	// (a new account meets its own per-account edit limit sooner).
	a.advance(25 * time.Hour)
	x, y := a.login(hs[0]), a.login(hs[1])
	must(t, y.Follow(a.ctx, hs[0]), "follow")
	must(t, x.Follow(a.ctx, hs[1]), "follow")
	conv := a.direct(x, hs[1])
	m := a.send(x, conv.ID, "hello")
	_, cursor, err := y.Events(a.ctx, "", 1)
	must(t, err, "cursor")
	done, err := flood(1260, func(i int) error { _, err := x.EditMessage(a.ctx, m.ID, fmt.Sprint("edit ", i)); return err })
	want429(t, done, err, 10, "edits of one message")
	stillRefused(t, 100, func(i int) error { _, err := x.EditMessage(a.ctx, m.ID, fmt.Sprint("again ", i)); return err }, "edits")
	got, _, err := y.Messages(a.ctx, conv.ID, "", 1)
	must(t, err, "messages")
	if want := fmt.Sprint("edit ", done-1); len(got) != 1 || got[0].Text != want {
		t.Errorf("after the refused edit the message reads %+v, want %q", got, want)
	}
	done2, err := flood(1181, func(i int) error {
		if i%2 == 0 {
			return y.React(a.ctx, m.ID, "👍")
		}
		return y.Unreact(a.ctx, m.ID, "👍")
	})
	want429(t, done2, err, 10, "reaction toggles on one message")
	stillRefused(t, 100, func(i int) error { return y.React(a.ctx, m.ID, "🎉") }, "reactions")
	evs, _, err := y.Events(a.ctx, cursor, 200)
	must(t, err, "events")
	edits, toggles := 0, 0
	for _, ev := range evs {
		switch ev.Type {
		case "message.edited":
			edits++
		case "reaction.added", "reaction.removed":
			toggles++
		}
	}
	if edits != done || toggles != done2 {
		t.Errorf("the other member got %d edit and %d reaction events, want %d and %d", edits, toggles, done, done2)
	}
	a.wantMetric("edit_per_target")
	a.wantMetric("reaction_per_target")
	// Time on the server's clock gives the allowance back.
	a.advance(time.Minute)
	_, err = x.EditMessage(a.ctx, m.ID, "a minute later")
	ok(t, err, "an edit a minute later")
}

// TestFloodUnacceptedRequest: a stranger (measured: 28 messages before the
// first 429) gets 3 messages into a request; the 4th is a 429 and is not
// stored; an answer opens the conversation.
func TestFloodUnacceptedRequest(t *testing.T) {
	t.Parallel()
	a := startAbuse(t)
	hs := a.accounts("pest", 1)
	a.accounts("target", 1)
	a.advance(25 * time.Hour)
	pest, target := a.login(hs[0]), a.login("target0")
	conv := a.direct(pest, "target0")
	done, err := flood(28, func(i int) error {
		_, _, err := pest.Send(a.ctx, conv.ID, client.SendParams{Text: fmt.Sprint("buy ", i)})
		return err
	})
	want429(t, done, err, 3, "messages into an unaccepted request")
	stillRefused(t, 20, func(i int) error {
		_, _, err := pest.Send(a.ctx, conv.ID, client.SendParams{Text: "more"})
		return err
	}, "messages into the request")
	msgs, _, err := target.Messages(a.ctx, conv.ID, "", 50)
	must(t, err, "the target's messages")
	if len(msgs) != 3 {
		t.Errorf("the target has %d messages in the request, want 3", len(msgs))
	}
	a.wantMetric("request_messages")
	// The target answers: the conversation is open both ways.
	a.send(target, conv.ID, "who are you?")
	a.send(pest, conv.ID, "an old friend")
	a.send(pest, conv.ID, "really")
}
