package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/xrpc"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/server"
)

// These tests cover account security (password change, sessions, reset
// links) and moderation (reports, the operator queue, suspension, verified
// brands), over real HTTP and WebSocket.

// startModerated boots a server on clk and returns it too, for what the
// command line does (`parley operator grant`, `reset-link`).
func startModerated(t *testing.T, clk *clock) (*env, *server.Server) {
	t.Helper()
	srv, err := server.New(t.Context(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), RateLimitOff: true,
		Now: clk.Now, PasswordCost: identity.CheapPasswordCost(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &env{t: t, ctx: t.Context(), url: srv.URL(), doc: newConformance(t)}, srv
}

// operatorUser signs up handle and makes it an operator, as
// `parley operator grant` does.
func operatorUser(t *testing.T, e *env, srv *server.Server, handle string) *client.Client {
	t.Helper()
	c := e.user(handle)
	if _, err := srv.Moderation().SetOperator(e.ctx, handle, true); err != nil {
		t.Fatal(err)
	}
	return c
}

// login opens one more session of handle.
func (e *env) login(handle, pw string) *client.Client {
	e.t.Helper()
	c := e.anon()
	if _, _, err := c.Login(e.ctx, handle, pw); err != nil {
		e.t.Fatalf("login %s: %v", handle, err)
	}
	return c
}

// streamEnds waits up to d for a stream to be closed by the server.
func streamEnds(t *testing.T, s *client.Stream, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, err := s.Next(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		if err != nil {
			return nil
		}
	}
}

// TestPasswordChangeEndsOtherSessions: a password change asks for the
// current password and ends every other session at once (requests and
// sockets); PATCH /me refuses a password; sessions are listed and ended one
// by one or all at once.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e, _ := startModerated(t, clk)
	ctx := e.ctx
	phone := e.user("alice")
	laptop := e.login("alice", password("alice"))
	stream, err := laptop.Stream(ctx, "0")
	must(t, err, "laptop stream")
	defer stream.Close()
	readUntilReady(ctx, t, stream)

	ss, err := phone.Sessions(ctx)
	must(t, err, "sessions")
	if len(ss) != 2 || slices.IndexFunc(ss, func(s client.Session) bool { return s.Current }) < 0 {
		t.Fatalf("sessions = %+v, want 2 with the current one marked", ss)
	}
	for _, s := range ss {
		if s.CreatedAt == nil || s.LastSeenAt == nil || s.Address == "" || s.UserAgent == "" || len(s.ID) != 16 {
			t.Fatalf("session %+v: want created, last seen, address, user agent and a 16-digit id", s)
		}
	}

	// PATCH /me with a password is a clear 400, not a silent 200.
	_, err = phone.Do(ctx, http.MethodPatch, "/api/v1/me", strings.NewReader(`{"password":"something-new-1"}`), nil)
	if ce := wantStatus(t, err, 400, "PATCH /me password"); ce != nil && !strings.Contains(ce.Message, "/api/v1/me/password") {
		t.Fatalf("PATCH /me password: %q does not point to the password route", ce.Message)
	}
	// A wrong current password changes nothing.
	wantStatus(t, phone.ChangePassword(ctx, "not-my-password", "brand-new-password"), 403, "wrong current password")
	_, err = laptop.Sessions(ctx)
	must(t, err, "laptop after a refused change")

	start := time.Now()
	must(t, phone.ChangePassword(ctx, password("alice"), "brand-new-password"), "change password")
	if err := streamEnds(t, stream, time.Second); err != nil {
		t.Fatalf("the laptop's socket still open 1 s after the password change")
	}
	t.Logf("laptop socket closed %v after the change", time.Since(start))
	_, err = laptop.Sessions(ctx)
	wantStatus(t, err, 401, "the laptop's session after the change")
	_, err = phone.Sessions(ctx)
	must(t, err, "the phone (which changed it) stays logged in")
	_, _, err = e.anon().Login(ctx, "alice", password("alice"))
	wantStatus(t, err, 401, "login with the old password")
	tablet := e.login("alice", "brand-new-password")

	// End one session by id, then everything.
	ss, err = phone.Sessions(ctx)
	must(t, err, "sessions")
	if len(ss) != 2 {
		t.Fatalf("sessions after the change = %d, want 2 (phone, tablet)", len(ss))
	}
	for _, s := range ss {
		if !s.Current {
			must(t, phone.EndSession(ctx, s.ID), "end the tablet's session")
		}
	}
	_, err = tablet.Sessions(ctx)
	wantStatus(t, err, 401, "the ended tablet session")
	wantStatus(t, phone.EndSession(ctx, "0123456789abcdef"), 404, "end an unknown session")
	bob := e.user("bob")
	bs, err := bob.Sessions(ctx)
	must(t, err, "bob's sessions")
	wantStatus(t, phone.EndSession(ctx, bs[0].ID), 404, "end someone else's session")

	other := e.login("alice", "brand-new-password")
	n, err := phone.LogoutEverywhere(ctx, false)
	must(t, err, "log out everywhere")
	if n != 2 {
		t.Fatalf("log out everywhere ended %d sessions, want 2", n)
	}
	for _, c := range []*client.Client{other} {
		_, err = c.Sessions(ctx)
		wantStatus(t, err, 401, "a session after log out everywhere")
	}
	phone.SetToken(ss[0].ID) // anything: the phone's real token is gone too
	_, _, err = phone.Me(ctx)
	wantStatus(t, err, 401, "the phone after log out everywhere")
}

// TestResetLink: an operator's reset link sets a new password once, ends
// every session, and stops working when it expires (on the server's clock).
func TestResetLink(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e, srv := startModerated(t, clk)
	ctx := e.ctx
	dana := e.user("dana")
	token, expires, err := srv.Moderation().ResetLink(ctx, "dana", time.Hour)
	must(t, err, "reset link")
	if !expires.Equal(clk.Now().UTC().Truncate(time.Millisecond).Add(time.Hour)) {
		t.Fatalf("expires %v, want an hour from the server clock", expires)
	}
	_, err = e.anon().ResetPassword(ctx, token, "short")
	wantStatus(t, err, 400, "a refused password")
	h, err := e.anon().ResetPassword(ctx, token, "dana-new-password")
	must(t, err, "reset (the refused password did not use the token up)")
	if h != "dana" {
		t.Fatalf("reset answered handle %q", h)
	}
	_, _, err = dana.Me(ctx)
	wantStatus(t, err, 401, "dana's session after the reset")
	_, err = e.anon().ResetPassword(ctx, token, "dana-newer-password")
	wantStatus(t, err, 403, "the same link twice")
	e.login("dana", "dana-new-password")

	token2, _, err := srv.Moderation().ResetLink(ctx, "dana", time.Hour)
	must(t, err, "second link")
	clk.Add(time.Hour + time.Second)
	_, err = e.anon().ResetPassword(ctx, token2, "dana-late-password")
	wantStatus(t, err, 403, "an expired link")
	e.login("dana", "dana-new-password")
}

// TestReportReachesQueue: a report reaches the operator queue with the
// reported messages, and only those, as they were when reported; a
// non-operator gets 404 on every moderation route; closing is logged.
func TestReportReachesQueue(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e, srv := startModerated(t, clk)
	ctx := e.ctx
	mallory, bob := e.user("mallory"), e.user("bob")
	op := operatorUser(t, e, srv, "opal")
	conv := e.direct(mallory, "bob")
	m1 := e.send(mallory, conv.ID, "hello")
	m2 := e.send(mallory, conv.ID, "buy my stuff")
	m3 := e.send(mallory, conv.ID, "or else")
	mine := e.send(bob, conv.ID, "stop")

	// What bob may not report.
	_, err := bob.Report(ctx, client.ReportParams{MessageIDs: []string{mine.ID}})
	wantStatus(t, err, 400, "report your own message")
	carol := e.user("carol")
	_, err = carol.Report(ctx, client.ReportParams{MessageIDs: []string{m2.ID}})
	wantStatus(t, err, 404, "report a message of a conversation you are not in")
	_, err = bob.Report(ctx, client.ReportParams{})
	wantStatus(t, err, 400, "an empty report")

	rec, err := bob.Report(ctx, client.ReportParams{MessageIDs: []string{m2.ID, m3.ID}, Reason: "spam and threats"})
	must(t, err, "report")
	if rec.Messages != 2 || rec.Status != "open" {
		t.Fatalf("receipt %+v", rec)
	}
	// The evidence does not change when mallory edits or unsends.
	_, err = mallory.EditMessage(ctx, m2.ID, "nothing to see")
	must(t, err, "edit")
	must(t, mallory.DeleteMessage(ctx, m3.ID, true), "unsend")
	_, err = carol.Report(ctx, client.ReportParams{Handle: "mallory", Reason: "creepy profile"})
	must(t, err, "report an account")

	// Every moderation route is a 404 to anyone but an operator.
	for _, r := range [][2]string{
		{"GET", "/api/v1/moderation/reports"}, {"GET", "/api/v1/moderation/reports/" + rec.ID},
		{"POST", "/api/v1/moderation/reports/" + rec.ID + "/close"},
		{"PUT", "/api/v1/moderation/accounts/mallory/suspension"}, {"DELETE", "/api/v1/moderation/accounts/mallory/suspension"},
		{"PUT", "/api/v1/moderation/accounts/mallory/verified"}, {"DELETE", "/api/v1/moderation/accounts/mallory/verified"},
		{"GET", "/api/v1/moderation/log"},
	} {
		_, err := bob.Do(ctx, r[0], r[1], nil, nil)
		wantStatus(t, err, 404, "non-operator "+r[0]+" "+r[1])
	}

	q, _, err := op.ReportQueue(ctx, "", "")
	must(t, err, "queue")
	if len(q) != 2 {
		t.Fatalf("queue has %d reports, want 2", len(q))
	}
	r := q[0]
	if r.ID != rec.ID || r.Reporter.Handle != "bob" || r.Subject.Handle != "mallory" || r.ConversationID != conv.ID ||
		r.Reason != "spam and threats" || r.SubjectReports != 2 {
		t.Fatalf("report %+v", r)
	}
	var got []string
	for _, m := range r.Messages {
		got = append(got, m.ID+":"+m.Text)
	}
	want := []string{m2.ID + ":buy my stuff", m3.ID + ":or else"}
	if !slices.Equal(got, want) {
		t.Fatalf("reported messages %v, want exactly %v (not %s, not %s)", got, want, m1.ID, mine.ID)
	}
	if q[1].Subject.Handle != "mallory" || len(q[1].Messages) != 0 {
		t.Fatalf("account report %+v", q[1])
	}
	n, err := srv.Moderation().ReportCount(ctx, q[0].Subject.ID, time.Time{})
	must(t, err, "report count")
	if n != 2 {
		t.Fatalf("ReportCount = %d, want 2 (bob and carol)", n)
	}
	var strikes int
	err = srv.Chat().Store().View(ctx, func(tx dm.Tx) (err error) {
		strikes, err = tx.Strikes(ctx, q[0].Subject.ID, time.Time{})
		return err
	})
	must(t, err, "strikes")
	if strikes != 2 {
		t.Fatalf("strikes against mallory = %d, want 2: each reporter's report lowers her standing for the abuse limits", strikes)
	}

	// The reporter sees their own report, and only their own, open.
	myReports := func(c *client.Client, who string) []client.MyReport {
		t.Helper()
		rs, next, err := c.MyReports(ctx, "", 10)
		must(t, err, who+"'s reports")
		if next != "" {
			t.Fatalf("%s's reports: a next cursor %q after %d", who, next, len(rs))
		}
		return rs
	}
	if mr := myReports(bob, "bob"); len(mr) != 1 || mr[0].ID != rec.ID || mr[0].Status != "open" || mr[0].Subject.Handle != "mallory" ||
		mr[0].Messages != 2 || mr[0].Reason != "spam and threats" || mr[0].ConversationID != conv.ID || mr[0].ResolvedAt != nil {
		t.Fatalf("bob's reports while open: %+v", mr)
	}
	if mr := myReports(mallory, "mallory"); len(mr) != 0 {
		t.Fatalf("the reported account sees reports: %+v", mr)
	}

	closed, err := op.CloseReport(ctx, rec.ID, "warned")
	must(t, err, "close")
	if closed.Status != "closed" || closed.Resolution != "warned" || closed.ResolvedAt == nil {
		t.Fatalf("closed %+v", closed)
	}
	if mr := myReports(bob, "bob"); len(mr) != 1 || mr[0].Status != "closed" || mr[0].ResolvedAt == nil {
		t.Fatalf("bob's report after it was closed: %+v", mr)
	}
	_, err = op.CloseReport(ctx, rec.ID, "again")
	wantStatus(t, err, 409, "close twice")
	q, _, err = op.ReportQueue(ctx, "open", "")
	must(t, err, "queue")
	if len(q) != 1 {
		t.Fatalf("open queue after closing one: %d, want 1", len(q))
	}
	log, err := op.ModerationLog(ctx, 0)
	must(t, err, "log")
	if len(log) < 2 || log[0].Action != "close_report" || log[0].Operator == nil || log[0].Operator.Handle != "opal" ||
		log[0].ReportID != rec.ID || log[0].Subject.Handle != "mallory" {
		t.Fatalf("log %+v", log)
	}
	if last := log[len(log)-1]; last.Action != "grant_operator" || last.Operator != nil || last.Subject.Handle != "opal" {
		t.Fatalf("the command line's grant is not logged: %+v", last)
	}
	// Paging: carol files a second report; newest first, one a page.
	_, err = carol.Report(ctx, client.ReportParams{Handle: "mallory", Reason: "again"})
	must(t, err, "carol's second report")
	page1, next, err := carol.MyReports(ctx, "", 1)
	must(t, err, "carol's reports page 1")
	page2, end, err := carol.MyReports(ctx, next, 1)
	must(t, err, "carol's reports page 2")
	if len(page1) != 1 || page1[0].Reason != "again" || next == "" || len(page2) != 1 || page2[0].Reason != "creepy profile" || end != "" {
		t.Fatalf("carol's reports in pages of one: %+v %q %+v %q", page1, next, page2, end)
	}
}

// TestSuspension: a suspended account's sessions end (socket too), it
// cannot log in or send, its pending requests leave the recipient's
// Requests, and its messages show as from a suspended account. Verified
// brands carry the mark on their profile and messages.
func TestSuspension(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e, srv := startModerated(t, clk)
	ctx := e.ctx
	spam, bob, carol := e.user("spammer"), e.user("bob"), e.user("carol")
	op := operatorUser(t, e, srv, "opal")
	req := e.direct(spam, "bob") // bob does not follow spammer: a request
	e.send(spam, req.ID, "hi, great offer")
	must(t, carol.Follow(ctx, "spammer"), "carol follows")
	known := e.direct(spam, "carol")
	sent := e.send(spam, known.ID, "hello carol")
	if !e.inFolder(bob, "requests", req.ID) {
		t.Fatal("the request is not in bob's Requests")
	}
	stream, err := spam.Stream(ctx, "0")
	must(t, err, "spammer's stream")
	defer stream.Close()
	readUntilReady(ctx, t, stream)

	acc, err := op.Suspend(ctx, "spammer", true, "", "bulk requests")
	must(t, err, "suspend")
	if !acc.Suspended {
		t.Fatalf("suspend answered %+v", acc)
	}
	if err := streamEnds(t, stream, time.Second); err != nil {
		t.Fatal("the suspended account's socket is still open after 1 s")
	}
	_, _, err = spam.Me(ctx)
	wantStatus(t, err, 401, "the suspended account's session")
	_, _, err = e.anon().Login(ctx, "spammer", password("spammer"))
	wantStatus(t, err, 403, "the suspended account logging in")
	if e.inFolder(bob, "requests", req.ID) {
		t.Fatal("the suspended account's request is still in bob's Requests")
	}
	msgs, err := allMessages(ctx, carol, known.ID)
	must(t, err, "carol's messages")
	if len(msgs) != 1 || msgs[0].ID != sent.ID || !msgs[0].Sender.Suspended {
		t.Fatalf("carol sees %+v, want the message marked as from a suspended account", msgs)
	}
	_, err = op.Suspend(ctx, "opal", true, "", "")
	wantStatus(t, err, 400, "an operator suspending themself")

	_, err = op.Suspend(ctx, "spammer", false, "", "appeal accepted")
	must(t, err, "unsuspend")
	back := e.login("spammer", password("spammer"))
	_, _, err = back.Send(ctx, known.ID, client.SendParams{Text: "I am back"})
	must(t, err, "send after unsuspension")

	// A verified brand.
	brand := e.anon()
	_, err = brand.Signup(ctx, client.SignupParams{Handle: "acme", Password: password("acme"), Kind: "brand"})
	must(t, err, "brand signup")
	_, _, err = brand.Login(ctx, "acme", password("acme"))
	must(t, err, "brand login")
	_, err = op.Verify(ctx, "bob", true)
	wantStatus(t, err, 400, "verify a person")
	v, err := op.Verify(ctx, "acme", true)
	must(t, err, "verify")
	if !v.Verified {
		t.Fatalf("verify answered %+v", v)
	}
	p, err := bob.Account(ctx, "acme")
	must(t, err, "acme's profile")
	if !p.Account.Verified {
		t.Fatalf("acme's profile %+v has no verified mark", p.Account)
	}
	bc := e.direct(brand, "bob")
	e.send(brand, bc.ID, "Welcome!")
	msgs, err = allMessages(ctx, bob, bc.ID)
	must(t, err, "bob's messages from acme")
	if len(msgs) != 1 || !msgs[0].Sender.Verified {
		t.Fatalf("bob sees %+v, want acme's message marked verified", msgs)
	}
	// A suspended brand sends nothing, even through its team.
	_, err = brand.AddTeamMember(ctx, "acme", "bob", "agent")
	must(t, err, "bob joins acme's team")
	cc := e.direct(carol, "acme")
	e.send(carol, cc.ID, "Where is my order?")
	_, err = bob.SendAsBrand(ctx, "acme", cc.ID, client.BrandReply{Text: "On its way"})
	must(t, err, "bob answers as acme")
	_, err = op.Suspend(ctx, "acme", true, "", "fake brand")
	must(t, err, "suspend acme")
	_, err = bob.SendAsBrand(ctx, "acme", cc.ID, client.BrandReply{Text: "Still here"})
	wantStatus(t, err, 403, "an agent answering as a suspended brand")

	log, err := op.ModerationLog(ctx, 0)
	must(t, err, "log")
	var acts []string
	for _, l := range log {
		acts = append(acts, l.Action)
	}
	if !slices.Equal(acts[:4], []string{"suspend", "verify", "unsuspend", "suspend"}) {
		t.Fatalf("log actions %v", acts)
	}
}

// TestXRPCHonoursRevocation: XRPC sessions are sessions like any other:
// "log out everywhere" and a password change end them (access and refresh).
func TestXRPCHonoursRevocation(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	native := e.user("alice")
	rec := &recorder{}
	b := xlogin(t, e, rec, "alice", password("alice"))
	if _, err := comatproto.ServerGetSession(ctx, b.x); err != nil {
		t.Fatal(err)
	}
	ss, err := native.Sessions(ctx)
	must(t, err, "sessions")
	if len(ss) != 3 { // the native login, XRPC's access and refresh sessions
		t.Fatalf("sessions = %d, want 3 (native, XRPC access, XRPC refresh)", len(ss))
	}
	must(t, native.ChangePassword(ctx, password("alice"), "alice-new-password"), "change password")
	_, err = comatproto.ServerGetSession(ctx, b.x)
	wantXRPC(t, err, 401, "InvalidToken", "an XRPC access token after a password change")
	_, err = comatproto.ServerRefreshSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: b.x.Auth.RefreshJwt}})
	wantXRPC(t, err, 400, "ExpiredToken", "an XRPC refresh token after a password change")
}

// TestReportLimit: one account cannot pour reports into the queue: twenty at
// once, then 429 with Retry-After.
func TestReportLimit(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn)
	ctx := e.ctx
	e.user("target")
	pest := e.user("pest")
	for i := 0; i < 20; i++ {
		_, err := pest.Report(ctx, client.ReportParams{Handle: "target"})
		must(t, err, "report within the limit")
	}
	_, err := pest.Report(ctx, client.ReportParams{Handle: "target"})
	if ce := wantStatus(t, err, 429, "the 21st report"); ce != nil && ce.RetryAfter <= 0 {
		t.Fatalf("429 without Retry-After: %+v", ce)
	}
}
