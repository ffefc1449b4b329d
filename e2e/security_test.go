package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyhq/parley/client"
)

// The tests of this file attack the running server through its public
// surface only (HTTP and WebSocket), as an outsider, a customer, an agent of
// another brand, a removed agent or a forged browser request would. Each
// asserts the secure outcome; a failure is a server bug.

// probe is one raw request: a method, a path and a JSON body ("" for none).
type probe struct{ method, path, body string }

func (p probe) String() string { return p.method + " " + p.path }

// rawCall sends a probe as c and returns its error (nil on a 2xx).
func rawCall(ctx context.Context, c *client.Client, p probe) error {
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	_, err := c.Do(ctx, p.method, p.path, body, nil)
	return err
}

// brandRoutes lists every /api/v1/brands/{handle}/... route with plausible
// bodies, for one brand, conversation, canned reply and team member. The
// removal of the member comes last so that a wrongly accepted probe breaks
// as little as possible of what follows.
func brandRoutes(brand, conv, canned, member string) []probe {
	b := "/api/v1/brands/" + brand
	c := b + "/conversations/" + conv
	return []probe{
		{"GET", b + "/team", ""},
		{"POST", b + "/team", `{"handle":"` + member + `","role":"owner"}`},
		{"PATCH", b + "/team/" + member, `{"role":"owner"}`},
		{"GET", b + "/inbox", ""},
		{"GET", b + "/inbox?view=all&status=open", ""},
		{"GET", c, ""},
		{"PATCH", c, `{"status":"resolved","labels":["probe"]}`},
		{"POST", c + "/notes", `{"text":"PROBE-NOTE"}`},
		{"POST", c + "/messages", `{"text":"PROBE-MESSAGE"}`},
		{"POST", c + "/render", `{"canned_reply_id":"` + canned + `"}`},
		{"POST", c + "/presence", `{"state":"viewing"}`},
		{"GET", b + "/canned-replies", ""},
		{"POST", b + "/canned-replies", `{"title":"probe","text":"PROBE-CANNED"}`},
		{"PATCH", b + "/canned-replies/" + canned, `{"text":"PROBE-CANNED"}`},
		{"DELETE", b + "/canned-replies/" + canned, ""},
		{"GET", b + "/settings", ""},
		{"PUT", b + "/settings", `{"away_message":"PROBE-AWAY"}`},
		{"GET", b + "/analytics", ""},
		{"GET", b + "/analytics.csv", ""},
		{"DELETE", b + "/team/" + member, ""},
	}
}

// TestSecurityBrandAuthorization walks every brand route as a customer, an
// agent of another brand, a removed agent and a person using their own
// handle as a brand, then checks that none of those attempts changed
// anything; then agent-only limits, cross-brand conversation and canned
// reply ids, and the team's internals on every customer-facing surface.
func TestSecurityBrandAuthorization(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	globex := e.brandAccount("globex", "Globex")
	agent, gag, cus, rem := e.user("agentq"), e.user("gag"), e.user("cus"), e.user("rem")
	boss := e.user("boss")
	// The brand account is its own owner; boss is an admin, rem a former agent.
	for _, step := range []struct {
		brand *client.Client
		b, h  string
	}{{acme, "acme", "agentq"}, {acme, "acme", "rem"}, {acme, "acme", "boss"}, {globex, "globex", "gag"}} {
		_, err := step.brand.AddTeamMember(ctx, step.b, step.h, "agent")
		must(t, err, "add "+step.h)
	}
	must(t, acme.RemoveTeamMember(ctx, "acme", "rem"), "remove rem")
	_, err := acme.PutBrandSettings(ctx, "acme", client.BrandSettings{ShowAgentName: ptr(false), AwayMessage: ptr("")})
	must(t, err, "acme settings")
	canned, err := acme.CreateCannedReply(ctx, "acme", "hi", "Hello from Acme")
	must(t, err, "acme canned reply")
	gCanned, err := globex.CreateCannedReply(ctx, "globex", "gx", "GLOBEX-ONLY text")
	must(t, err, "globex canned reply")

	convA := e.direct(cus, "acme")
	e.send(cus, convA.ID, "I need help with acme")
	convG := e.direct(cus, "globex")
	e.send(cus, convG.ID, "GLOBEX-CUSTOMER-TEXT")
	_, err = acme.UpdateTeamMember(ctx, "acme", "boss", client.TeamMemberUpdate{Role: ptr("admin")})
	must(t, err, "boss becomes admin")
	personal := e.direct(rem, "agentq")
	e.send(rem, personal.ID, "PERSONAL-TEXT to the agent as a person")

	// Outsiders of every kind: 404 on every route, never 403 (which would
	// confirm that the brand or conversation exists) and never 2xx.
	for _, who := range []struct {
		name string
		c    *client.Client
	}{{"customer", cus}, {"agent of another brand", gag}, {"removed agent", rem}} {
		for _, p := range brandRoutes("acme", convA.ID, canned.ID, "agentq") {
			wantStatus(t, rawCall(ctx, who.c, p), http.StatusNotFound, who.name+": "+p.String())
		}
	}
	// Malformed requests too: outside the team the answer is the same 404,
	// so nobody learns from a 400 which fields a brand's routes take. The
	// same probes from the team's admin are 400s (they are malformed).
	for _, p := range []probe{
		{"POST", "/api/v1/brands/acme/canned-replies", `{"title":`},
		{"POST", "/api/v1/brands/acme/canned-replies", `{"title":5,"text":[]}`},
		{"PUT", "/api/v1/brands/acme/settings", `{"away_message":{}}`},
		{"POST", "/api/v1/brands/acme/campaigns", `null`},
		{"PUT", "/api/v1/brands/acme/automation", `{"enabled":"yes"}`},
		{"POST", "/api/v1/brands/acme/webhooks", `{"url":7}`},
		{"GET", "/api/v1/brands/acme/inbox?limit=abc", ""},
		{"POST", "/api/v1/brands/acme/conversations/" + convA.ID + "/messages", `{"text":`},
	} {
		wantStatus(t, rawCall(ctx, cus, p), http.StatusNotFound, "a customer, malformed: "+p.String())
		wantStatus(t, rawCall(ctx, gag, p), http.StatusNotFound, "an agent of another brand, malformed: "+p.String())
		wantStatus(t, rawCall(ctx, boss, p), http.StatusBadRequest, "acme's admin, malformed: "+p.String())
	}
	for _, p := range brandRoutes("cus", convA.ID, canned.ID, "agentq") {
		wantStatus(t, rawCall(ctx, cus, p), http.StatusNotFound, "a person using their own handle as a brand: "+p.String())
	}
	for _, p := range brandRoutes("nosuchbrand", convA.ID, canned.ID, "agentq") {
		wantStatus(t, rawCall(ctx, agent, p), http.StatusNotFound, "an unknown brand: "+p.String())
	}

	// None of the refused probes left a trace.
	team, err := acme.Team(ctx, "acme")
	must(t, err, "acme's team")
	roles := map[string]string{}
	for _, m := range team {
		roles[m.Account.Handle] = m.Role
	}
	if roles["agentq"] != "agent" || roles["boss"] != "admin" || len(roles) != 2 {
		t.Errorf("acme's team after the probes: %v, want agentq agent and boss admin", roles)
	}
	cs, err := acme.CannedReplies(ctx, "acme")
	must(t, err, "acme's canned replies")
	if len(cs) != 1 || cs[0].Text != "Hello from Acme" {
		t.Errorf("acme's canned replies after the probes: %+v", cs)
	}
	d, err := agent.InboxConversation(ctx, "acme", convA.ID)
	must(t, err, "agent reads the customer's conversation")
	if len(d.Notes) != 0 || len(d.Messages) != 1 || d.Inbox.Status != "open" || len(d.Inbox.Labels) != 0 {
		t.Errorf("the conversation after the probes: notes %+v, %d messages, inbox %+v", d.Notes, len(d.Messages), d.Inbox)
	}
	if body := rawGet(t, ctx, acme, "/api/v1/brands/acme/settings"); strings.Contains(body, "PROBE") {
		t.Errorf("acme's settings after the probes: %s", body)
	}

	// An agent may not act as an owner or admin.
	for _, p := range []probe{
		{"POST", "/api/v1/brands/acme/team", `{"handle":"cus","role":"agent"}`},
		{"PATCH", "/api/v1/brands/acme/team/agentq", `{"role":"admin"}`},
		{"PATCH", "/api/v1/brands/acme/team/agentq", `{"role":"owner"}`},
		{"PATCH", "/api/v1/brands/acme/team/boss", `{"role":"agent"}`},
		{"PATCH", "/api/v1/brands/acme/team/boss", `{"available":false}`},
		{"DELETE", "/api/v1/brands/acme/team/boss", ""},
		{"PUT", "/api/v1/brands/acme/settings", `{"away_message":"AGENT-AWAY"}`},
	} {
		wantStatus(t, rawCall(ctx, agent, p), http.StatusForbidden, "an agent: "+p.String())
	}
	// An admin may not make owners.
	for _, p := range []probe{
		{"POST", "/api/v1/brands/acme/team", `{"handle":"cus","role":"owner"}`},
		{"PATCH", "/api/v1/brands/acme/team/agentq", `{"role":"owner"}`},
		{"PATCH", "/api/v1/brands/acme/team/boss", `{"role":"owner"}`},
	} {
		wantStatus(t, rawCall(ctx, boss, p), http.StatusForbidden, "an admin: "+p.String())
	}

	// Ids from elsewhere through acme's routes: another brand's
	// conversation, a personal conversation of the agent, another brand's
	// canned reply. All 404, and no message goes out.
	for _, id := range []string{convG.ID, personal.ID} {
		// [5:11]: the six routes of one conversation.
		for _, p := range brandRoutes("acme", id, canned.ID, "agentq")[5:11] {
			wantStatus(t, rawCall(ctx, agent, p), http.StatusNotFound, "agent, foreign conversation: "+p.String())
		}
	}
	for _, p := range []probe{
		{"PATCH", "/api/v1/brands/acme/canned-replies/" + gCanned.ID, `{"text":"STOLEN"}`},
		{"DELETE", "/api/v1/brands/acme/canned-replies/" + gCanned.ID, ""},
	} {
		wantStatus(t, rawCall(ctx, boss, p), http.StatusNotFound, "acme's admin, globex's canned reply: "+p.String())
	}
	for _, p := range []probe{
		{"POST", "/api/v1/brands/acme/conversations/" + convA.ID + "/render", `{"canned_reply_id":"` + gCanned.ID + `"}`},
		{"POST", "/api/v1/brands/acme/conversations/" + convA.ID + "/messages", `{"canned_reply_id":"` + gCanned.ID + `"}`},
		{"GET", "/api/v1/brands/globex/conversations/" + convA.ID, ""},
	} {
		wantStatus(t, rawCall(ctx, agent, p), http.StatusNotFound, "agent, another brand's id: "+p.String())
	}
	wantStatus(t, rawCall(ctx, gag, probe{"GET", "/api/v1/brands/globex/conversations/" + convA.ID, ""}), http.StatusNotFound,
		"globex's agent reads acme's conversation through globex")
	for _, path := range []string{"/api/v1/conversations/" + convG.ID + "/messages", "/api/v1/conversations/" + convA.ID + "/messages"} {
		if body := rawGet(t, ctx, cus, path); strings.Contains(body, "GLOBEX-ONLY") || strings.Contains(body, "PROBE") {
			t.Errorf("a refused cross-brand send went out: %s", body)
		}
	}
	gcs, err := globex.CannedReplies(ctx, "globex")
	must(t, err, "globex's canned replies")
	if len(gcs) != 1 || gcs[0].Text != "GLOBEX-ONLY text" {
		t.Errorf("globex's canned replies after acme's agent: %+v", gcs)
	}

	// The team's internals never reach the customer: a note, labels, a
	// priority, an assignee, presence and the agent's identity, on the
	// polled log, the REST reads and the live stream.
	cusStream, err := cus.Stream(ctx, "")
	must(t, err, "customer's stream")
	defer cusStream.Close()
	readUntilReady(ctx, t, cusStream)
	const secret = "SECRET-NOTE-91"
	_, err = agent.AddNote(ctx, "acme", convA.ID, secret)
	must(t, err, "note")
	_, err = agent.UpdateInboxConversation(ctx, "acme", convA.ID, client.InboxUpdate{
		Labels: &[]string{"lbl-secret"}, Priority: ptr("urgent"), Assignee: ptr("agentq"), Status: ptr("pending")})
	must(t, err, "labels, priority, assignee")
	must(t, agent.Presence(ctx, "acme", convA.ID, "typing"), "presence")
	_, err = agent.SendAsBrand(ctx, "acme", convA.ID, client.BrandReply{Text: "MARKER-REPLY"})
	must(t, err, "reply")
	leaks := []string{secret, "lbl-secret", "urgent", "agentq", "Agentq", `"assignee"`, `"author"`, `"notes"`, `"labels"`, `"priority"`, `"inbox`}
	check := func(where, body string) {
		t.Helper()
		for _, l := range leaks {
			if strings.Contains(body, l) {
				t.Errorf("%s shows the customer %s: %s", where, l, body)
			}
		}
	}
	for _, ev := range streamUntil(t, cusStream, "the reply", func(ev client.Event) bool {
		return ev.Message != nil && ev.Message.Text == "MARKER-REPLY"
	}) {
		b, _ := json.Marshal(ev)
		check("the customer's live stream", string(b))
	}
	for _, path := range []string{
		"/api/v1/conversations/" + convA.ID, "/api/v1/conversations/" + convA.ID + "/messages",
		"/api/v1/conversations?folder=inbox", "/api/v1/conversations?folder=requests",
		"/api/v1/events?cursor=0&limit=200", "/api/v1/accounts/acme", "/api/v1/brands",
	} {
		check("GET "+path, rawGet(t, ctx, cus, path))
	}
	backlog, err := cus.Stream(ctx, "0")
	must(t, err, "customer's stream from 0")
	for _, ev := range readUntilReady(ctx, t, backlog) {
		b, _ := json.Marshal(ev)
		check("the customer's stream backlog", string(b))
	}
	backlog.Close()

	// An agent is not a member of the brand's conversations: the person API
	// knows nothing of them.
	var brandMsg string
	for _, m := range d.Messages {
		brandMsg = m.ID
	}
	for _, p := range []probe{
		{"GET", "/api/v1/conversations/" + convA.ID, ""},
		{"GET", "/api/v1/conversations/" + convA.ID + "/messages", ""},
		{"POST", "/api/v1/conversations/" + convA.ID + "/messages", `{"text":"AS-MYSELF"}`},
		{"POST", "/api/v1/conversations/" + convA.ID + "/read", `{}`},
		{"PATCH", "/api/v1/messages/" + brandMsg, `{"text":"AS-MYSELF"}`},
		{"PUT", "/api/v1/messages/" + brandMsg + "/reactions/%F0%9F%91%8D", ""},
	} {
		wantStatus(t, rawCall(ctx, agent, p), http.StatusNotFound, "an agent through the person API: "+p.String())
	}

	// A message the customer deleted for everyone is gone for the team too:
	// its text is in no team view, list or search.
	gone := e.send(cus, convA.ID, "DELETEME-4471 my card number")
	must(t, cus.DeleteMessage(ctx, gone.ID, true), "the customer deletes for everyone")
	for _, path := range []string{
		"/api/v1/brands/acme/conversations/" + convA.ID, "/api/v1/brands/acme/inbox",
		"/api/v1/brands/acme/inbox?q=DELETEME-4471", "/api/v1/conversations/" + convA.ID + "/messages",
	} {
		c := agent
		if !strings.HasPrefix(path, "/api/v1/brands/") {
			c = acme
		}
		if body := rawGet(t, ctx, c, path); strings.Contains(body, "DELETEME") {
			t.Errorf("GET %s still shows the team a message deleted for everyone: %s", path, body)
		}
	}

	// A customer who blocks the brand gets nothing more from its team.
	must(t, cus.Block(ctx, "acme"), "the customer blocks acme")
	_, err = agent.SendAsBrand(ctx, "acme", convA.ID, client.BrandReply{Text: "AFTER-BLOCK"})
	wantStatus(t, err, http.StatusForbidden, "the team answers a customer who blocked the brand")
	if body := rawGet(t, ctx, cus, "/api/v1/conversations/"+convA.ID+"/messages"); strings.Contains(body, "AFTER-BLOCK") {
		t.Errorf("a message from the blocked brand reached the customer: %s", body)
	}
}

// cookieSession logs in for a browser session and returns the cookie, the
// CSRF token and the raw login answer.
func cookieSession(t *testing.T, e *env, handle string) (*http.Cookie, string, string) {
	t.Helper()
	body := fmt.Sprintf(`{"handle":%q,"password":%q,"cookie":true}`, handle, password(handle))
	resp, err := e.doc.httpClient().Post(e.url+"/api/v1/sessions", "application/json", strings.NewReader(body))
	must(t, err, "cookie login")
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("cookie login: %d %s", resp.StatusCode, raw)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	must(t, json.Unmarshal(raw, &out), "cookie login answer")
	for _, c := range resp.Cookies() {
		if c.Name == "parley_session" {
			return c, out.CSRF, string(raw)
		}
	}
	t.Fatalf("cookie login set no parley_session cookie: %v", resp.Header.Values("Set-Cookie"))
	return nil, "", ""
}

// cookieDo sends a request with the session cookie and, when csrf is not
// empty, the X-CSRF-Token header; it returns the status and body.
func cookieDo(t *testing.T, e *env, ck *http.Cookie, csrf string, p probe) (int, string) {
	t.Helper()
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(e.ctx, p.method, e.url+p.path, body)
	must(t, err, "request")
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := e.doc.httpClient().Do(req)
	must(t, err, p.String())
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// dialStream opens the event stream with raw headers and returns the
// handshake's status (101 when it was accepted).
func dialStream(t *testing.T, e *env, h http.Header) int {
	t.Helper()
	status := 0
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(h), OnStatusError: func(s int, _ []byte, _ io.Reader) { status = s }}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	conn, _, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/api/v1/events/stream")
	if err == nil {
		conn.Close()
		return http.StatusSwitchingProtocols
	}
	if status == 0 {
		t.Fatalf("dialing the stream: %v", err)
	}
	return status
}

// TestSecuritySessions checks the browser session (cookie flags, no token in
// the answer, CSRF on every state-changing route, Origin on the WebSocket)
// and that a logged-out token stops working everywhere, open sockets
// included.
func TestSecuritySessions(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	sam, tim := e.user("sam"), e.user("tim")
	conv := e.direct(tim, "sam")
	m := e.send(tim, conv.ID, "hello sam")

	ck, csrf, login := cookieSession(t, e, "sam")
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Errorf("session cookie flags: HttpOnly %v SameSite %v Path %q, want HttpOnly, Lax, /", ck.HttpOnly, ck.SameSite, ck.Path)
	}
	if strings.Contains(login, ck.Value) || strings.Contains(login, `"token"`) {
		t.Errorf("the cookie login answer carries the session token: %s", login)
	}
	if csrf == "" || csrf == ck.Value {
		t.Errorf("csrf_token %q: want a value distinct from the session token", csrf)
	}

	// Every state-changing route refuses a cookie without the CSRF header,
	// or with a wrong one, before doing anything.
	changes := []probe{
		{"DELETE", "/api/v1/sessions/current", ""},
		{"PATCH", "/api/v1/me", `{"display_name":"CSRF"}`},
		{"PUT", "/api/v1/accounts/tim/follow", ""},
		{"DELETE", "/api/v1/accounts/tim/follow", ""},
		{"PUT", "/api/v1/accounts/tim/block", ""},
		{"DELETE", "/api/v1/accounts/tim/block", ""},
		{"POST", "/api/v1/conversations", `{"members":["tim"]}`},
		{"PATCH", "/api/v1/conversations/" + conv.ID, `{"muted":true}`},
		{"DELETE", "/api/v1/conversations/" + conv.ID, ""},
		{"POST", "/api/v1/conversations/" + conv.ID + "/accept", ""},
		{"POST", "/api/v1/conversations/" + conv.ID + "/read", `{}`},
		{"POST", "/api/v1/conversations/" + conv.ID + "/members", `{"members":["tim"]}`},
		{"DELETE", "/api/v1/conversations/" + conv.ID + "/members/tim", ""},
		{"POST", "/api/v1/conversations/" + conv.ID + "/messages", `{"text":"CSRF"}`},
		{"PATCH", "/api/v1/messages/" + m.ID, `{"text":"CSRF"}`},
		{"DELETE", "/api/v1/messages/" + m.ID + "?for=me", ""},
		{"PUT", "/api/v1/messages/" + m.ID + "/reactions/%F0%9F%91%8D", ""},
		{"DELETE", "/api/v1/messages/" + m.ID + "/reactions/%F0%9F%91%8D", ""},
		{"POST", "/api/v1/brands/x/team", `{"handle":"tim","role":"agent"}`},
		{"PUT", "/api/v1/brands/x/settings", `{}`},
	}
	for _, p := range changes {
		for _, token := range []string{"", "wrong", ck.Value} {
			if status, body := cookieDo(t, e, ck, token, p); status != http.StatusForbidden {
				t.Errorf("cookie %s with X-CSRF-Token %q: want 403, got %d %s", p, token, status, body)
			}
		}
	}
	me, _, err := sam.Me(ctx)
	must(t, err, "me")
	c, err := sam.Conversation(ctx, conv.ID)
	must(t, err, "conversation")
	msgs, _, err := sam.Messages(ctx, conv.ID, "", 10)
	must(t, err, "messages")
	if me.DisplayName == "CSRF" || c.Muted || len(msgs) != 1 || len(msgs[0].Reactions) != 0 || len(c.Members) != 2 {
		t.Errorf("a refused cookie request changed state: me %+v, muted %v, messages %+v, members %d", me, c.Muted, msgs, len(c.Members))
	}
	// Reads work with the cookie alone, and a change with the right header.
	if status, body := cookieDo(t, e, ck, "", probe{"GET", "/api/v1/me", ""}); status != http.StatusOK {
		t.Errorf("cookie GET /me: %d %s", status, body)
	}
	if status, body := cookieDo(t, e, ck, csrf, probe{"PATCH", "/api/v1/me", `{"bio":"via cookie"}`}); status != http.StatusOK {
		t.Errorf("cookie PATCH /me with the CSRF token: %d %s", status, body)
	}

	// A cookie WebSocket from another site (or no Origin) is refused; from
	// this origin it opens.
	cookieHdr := func(origin string) http.Header {
		h := http.Header{}
		h.Set("Cookie", ck.Name+"="+ck.Value)
		if origin != "" {
			h.Set("Origin", origin)
		}
		return h
	}
	u, _ := url.Parse(e.url)
	for _, origin := range []string{"https://evil.example", "http://" + u.Host + ".evil.example", "null", ""} {
		if got := dialStream(t, e, cookieHdr(origin)); got != http.StatusForbidden {
			t.Errorf("cookie WebSocket with Origin %q: want 403, got %d", origin, got)
		}
	}
	if got := dialStream(t, e, cookieHdr("http://"+u.Host)); got != http.StatusSwitchingProtocols {
		t.Errorf("cookie WebSocket from this origin: want 101, got %d", got)
	}
	bad := http.Header{}
	bad.Set("Authorization", "Basic "+ck.Value)
	if got := dialStream(t, e, bad); got != http.StatusUnauthorized {
		t.Errorf("WebSocket with a Basic authorization: want 401, got %d", got)
	}

	// Login CSRF: a form on another site can post text/plain that happens to
	// be JSON ({"handle":...,"x":"="}); that must not log the browser into
	// the attacker's account. Only a JSON request from this site or an API
	// client (no Origin) gets a session cookie.
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		body := fmt.Sprintf(`{"handle":"tim","password":%q,"cookie":true,"x":"="}`, password("tim"))
		req, err := http.NewRequestWithContext(ctx, "POST", e.url+"/api/v1/sessions", strings.NewReader(body))
		must(t, err, "request")
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", "https://evil.example")
		resp, err := e.doc.httpClient().Do(req)
		must(t, err, "cross-site login")
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 || len(resp.Cookies()) != 0 {
			t.Errorf("a cross-site %s login: want a 4xx and no cookie, got %d with cookies %v", ct, resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
	}
	// No cross-origin reads: no CORS grant to another site.
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+"/api/v1/me", nil)
	must(t, err, "request")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	resp, err := e.doc.httpClient().Do(req)
	must(t, err, "cross-origin read")
	resp.Body.Close()
	if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" {
		t.Errorf("GET /api/v1/me from another origin: Access-Control-Allow-Origin %q", acao)
	}

	// Logging out ends the token everywhere: REST, a new socket, and the
	// socket already open (which must not deliver anything after it).
	token := sam.Token()
	open, err := sam.Stream(ctx, "")
	must(t, err, "sam's stream")
	defer open.Close()
	readUntilReady(ctx, t, open)
	must(t, sam.Logout(ctx), "logout")
	old := e.client(e.url, client.WithToken(token))
	_, _, err = old.Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "a logged-out token on /me")
	_, err = old.Stream(ctx, "")
	wantStatus(t, err, http.StatusUnauthorized, "a logged-out token on the WebSocket")
	e.send(tim, conv.ID, "AFTER-LOGOUT")
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		ev, err := open.Next(wait)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("the logged-out socket is still open 20 s after the logout")
			}
			break
		}
		if ev.Message != nil && ev.Message.Text == "AFTER-LOGOUT" {
			t.Errorf("a socket of a logged-out session received a new message")
			break
		}
	}
	// A cookie logout works and ends the cookie.
	if status, body := cookieDo(t, e, ck, csrf, probe{"DELETE", "/api/v1/sessions/current", ""}); status != http.StatusNoContent {
		t.Errorf("cookie logout: %d %s", status, body)
	}
	if status, _ := cookieDo(t, e, ck, "", probe{"GET", "/api/v1/me", ""}); status != http.StatusUnauthorized {
		t.Errorf("a logged-out cookie on /me: want 401, got %d", status)
	}
}

// TestSecurityPrivacyProbes: a non-member learns nothing of a conversation
// through any message route or parameter, a member of two conversations
// cannot carry one's content into the other, and a blocked member's typing
// and read receipts do not reach the blocker.
func TestSecurityPrivacyProbes(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ann, ben, eve := e.user("ann"), e.user("ben"), e.user("eve")
	must(t, ann.Follow(ctx, "ben"), "follow")
	must(t, ben.Follow(ctx, "ann"), "follow")
	ab := e.direct(ann, "ben")
	secret := e.send(ben, ab.ID, "SECRET-AB-TEXT")
	ea := e.direct(eve, "ann")
	e.send(eve, ea.ID, "hi ann")
	e.send(ann, ea.ID, "hi eve")

	// eve is no member of ab: every route answers 404.
	for _, p := range []probe{
		{"GET", "/api/v1/conversations/" + ab.ID, ""},
		{"PATCH", "/api/v1/conversations/" + ab.ID, `{"muted":true}`},
		{"DELETE", "/api/v1/conversations/" + ab.ID, ""},
		{"POST", "/api/v1/conversations/" + ab.ID + "/accept", ""},
		{"POST", "/api/v1/conversations/" + ab.ID + "/read", `{}`},
		{"POST", "/api/v1/conversations/" + ab.ID + "/read", `{"message_id":"` + secret.ID + `"}`},
		{"POST", "/api/v1/conversations/" + ab.ID + "/members", `{"members":["eve"]}`},
		{"DELETE", "/api/v1/conversations/" + ab.ID + "/members/ben", ""},
		{"DELETE", "/api/v1/conversations/" + ab.ID + "/members/eve", ""},
		{"GET", "/api/v1/conversations/" + ab.ID + "/messages", ""},
		{"GET", "/api/v1/conversations/" + ab.ID + "/messages?before=" + secret.ID, ""},
		{"POST", "/api/v1/conversations/" + ab.ID + "/messages", `{"text":"hi"}`},
		{"PATCH", "/api/v1/messages/" + secret.ID, `{"text":"EVE-EDIT"}`},
		{"DELETE", "/api/v1/messages/" + secret.ID + "?for=me", ""},
		{"DELETE", "/api/v1/messages/" + secret.ID + "?for=everyone", ""},
		{"PUT", "/api/v1/messages/" + secret.ID + "/reactions/%F0%9F%91%8D", ""},
		{"DELETE", "/api/v1/messages/" + secret.ID + "/reactions/%F0%9F%91%8D", ""},
		// Ids of another conversation as parameters of eve's own.
		{"POST", "/api/v1/conversations/" + ea.ID + "/messages", `{"text":"quote","reply_to":"` + secret.ID + `"}`},
		{"GET", "/api/v1/conversations/" + ea.ID + "/messages?before=" + secret.ID, ""},
		{"POST", "/api/v1/conversations/" + ea.ID + "/read", `{"message_id":"` + secret.ID + `"}`},
	} {
		wantStatus(t, rawCall(ctx, eve, p), http.StatusNotFound, "a non-member: "+p.String())
	}
	// ann is a member of both: she cannot make ab's message part of ea.
	for _, p := range []probe{
		{"POST", "/api/v1/conversations/" + ea.ID + "/messages", `{"text":"quote","reply_to":"` + secret.ID + `"}`},
		{"GET", "/api/v1/conversations/" + ea.ID + "/messages?before=" + secret.ID, ""},
		{"POST", "/api/v1/conversations/" + ea.ID + "/read", `{"message_id":"` + secret.ID + `"}`},
	} {
		wantStatus(t, rawCall(ctx, ann, p), http.StatusNotFound, "a member of both, another conversation's id: "+p.String())
	}
	for _, path := range []string{"/api/v1/conversations/" + ea.ID + "/messages", "/api/v1/events?cursor=0&limit=200", "/api/v1/conversations"} {
		if body := rawGet(t, ctx, eve, path); strings.Contains(body, "SECRET-AB") || strings.Contains(body, ab.ID) || strings.Contains(body, secret.ID) {
			t.Errorf("GET %s shows eve the other conversation: %s", path, body)
		}
	}
	msgs, _, err := ben.Messages(ctx, ab.ID, "", 10)
	must(t, err, "ben's history")
	if len(msgs) != 1 || msgs[0].Text != "SECRET-AB-TEXT" || msgs[0].Deleted || len(msgs[0].Reactions) != 0 {
		t.Errorf("eve's probes changed ab: %+v", msgs)
	}

	// ann blocks ben: his typing and read receipts no longer reach her.
	// Typing is ephemeral, so the check needs an order: ben's socket
	// handles his frames one after the other, so once eve has his typing
	// in their conversation, his typing to ann was already published; eve's
	// own typing to ann, published after that, closes the window.
	be := e.direct(eve, "ben")
	e.send(eve, be.ID, "hi ben")
	must(t, ann.Block(ctx, "ben"), "block")
	s, err := ann.Stream(ctx, "")
	must(t, err, "ann's stream")
	defer s.Close()
	readUntilReady(ctx, t, s)
	es, err := eve.Stream(ctx, "")
	must(t, err, "eve's stream")
	defer es.Close()
	readUntilReady(ctx, t, es)
	bs, err := ben.Stream(ctx, "")
	must(t, err, "ben's stream")
	defer bs.Close()
	readUntilReady(ctx, t, bs)
	must(t, es.SendTyping(ctx, ab.ID), "eve types into a conversation she is not in")
	must(t, bs.SendTyping(ctx, ab.ID), "ben types to ann")
	must(t, bs.SendTyping(ctx, be.ID), "ben types to eve")
	streamUntil(t, es, "ben's typing to eve", func(ev client.Event) bool {
		return ev.Type == "typing" && ev.ConversationID == be.ID
	})
	must(t, es.SendTyping(ctx, ea.ID), "eve types to ann")
	blocked := func(ev client.Event) {
		if ev.ConversationID == ab.ID || (ev.Actor != nil && ev.Actor.Handle == "ben") {
			b, _ := json.Marshal(ev)
			t.Errorf("ann, who blocked ben, received: %s", b)
		}
	}
	for _, ev := range streamUntil(t, s, "eve's typing to ann", func(ev client.Event) bool {
		return ev.Type == "typing" && ev.ConversationID == ea.ID
	}) {
		blocked(ev)
	}
	_ = ben.MarkRead(ctx, ab.ID, "")
	_, _, err = ben.Send(ctx, ab.ID, client.SendParams{Text: "BLOCKED-SEND"})
	wantStatus(t, err, http.StatusForbidden, "a blocked member sends")
	_, _, err = ben.CreateConversation(ctx, []string{"ann", "eve"}, "with the blocker")
	wantStatus(t, err, http.StatusForbidden, "a blocked account puts the blocker in a new group")
	e.user("fay")
	g, _, err := ben.CreateConversation(ctx, []string{"eve", "fay"}, "ben's group")
	must(t, err, "ben's group")
	_, err = ben.AddMembers(ctx, g.ID, []string{"ann"})
	wantStatus(t, err, http.StatusForbidden, "a blocked account adds the blocker to its group")
	e.send(eve, ea.ID, "MARKER-EVE")
	for _, ev := range streamUntil(t, s, "eve's marker", func(ev client.Event) bool {
		return ev.Message != nil && ev.Message.Text == "MARKER-EVE"
	}) {
		blocked(ev)
	}

	// eve turns read receipts off: her reading no longer reaches ann.
	_, _, err = eve.UpdateMe(ctx, client.MeUpdate{ReadReceipts: ptr(false)})
	must(t, err, "read receipts off")
	q := e.send(ann, ea.ID, "are you reading this?")
	must(t, eve.MarkRead(ctx, ea.ID, ""), "eve reads")
	e.send(eve, ea.ID, "MARKER-EVE-2")
	for _, ev := range streamUntil(t, s, "eve's second marker", func(ev client.Event) bool {
		return ev.Message != nil && ev.Message.Text == "MARKER-EVE-2"
	}) {
		if ev.Type == "read.updated" && ev.Actor != nil && ev.Actor.Handle == "eve" && ev.ReadSeq >= q.Seq {
			b, _ := json.Marshal(ev)
			t.Errorf("eve's read receipt reached ann although eve turned them off: %s", b)
		}
	}
}

// TestSecurityInputLimits sends oversized, malformed and hostile values to
// every text field, list and limit: a 4xx with the error envelope each time,
// never a 500 and never a hang.
func TestSecurityInputLimits(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	shop := e.brandAccount("shop", "Shop")
	joe, kim := e.user("joe"), e.user("kim")
	_, err := shop.AddTeamMember(ctx, "shop", "joe", "admin")
	must(t, err, "team")
	conv := e.direct(kim, "shop")
	m := e.send(kim, conv.ID, "hello")
	dm := e.direct(joe, "kim")
	canned, err := shop.CreateCannedReply(ctx, "shop", "c", "text")
	must(t, err, "canned")

	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	huge := strings.Repeat("a", 600_000)
	longWord := strings.Repeat("é", 5000)
	many := make([]string, 10_000)
	for i := range many {
		many[i] = fmt.Sprintf("user%d", i)
	}
	spans := make([]map[string]string, 10_000)
	for i := range spans {
		spans[i] = map[string]string{"day": "mon", "open": "09:00", "close": "10:00"}
	}
	bc := "/api/v1/brands/shop/conversations/" + conv.ID
	cases := []struct {
		who *client.Client
		p   probe
	}{
		{kim, probe{"POST", "/api/v1/conversations", js(map[string]any{"members": many})}},
		{kim, probe{"POST", "/api/v1/conversations", js(map[string]any{"members": []string{"joe", "shop"}, "title": longWord})}},
		{kim, probe{"POST", "/api/v1/conversations", js(map[string]any{"members": []string{"joe", "shop"}, "title": "a\x00b"})}},
		{kim, probe{"POST", "/api/v1/conversations", `{"members":"joe"}`}},
		{kim, probe{"POST", "/api/v1/conversations", `{"members":[]}`}},
		{kim, probe{"POST", "/api/v1/conversations", `{"members":[""]}`}},
		{kim, probe{"POST", "/api/v1/conversations", `{"members":` + strings.Repeat("[", 100_000) + `}`}},
		{kim, probe{"POST", "/api/v1/conversations/" + dm.ID + "/members", js(map[string]any{"members": many})}},
		{kim, probe{"PATCH", "/api/v1/conversations/" + dm.ID, js(map[string]any{"title": longWord})}},
		{kim, probe{"PATCH", "/api/v1/me", js(map[string]any{"display_name": longWord})}},
		{kim, probe{"PATCH", "/api/v1/me", js(map[string]any{"display_name": "kim\x1b[31m"})}},
		{kim, probe{"PATCH", "/api/v1/me", js(map[string]any{"display_name": "a\x00"})}},
		{kim, probe{"PATCH", "/api/v1/me", js(map[string]any{"bio": longWord})}},
		{kim, probe{"PATCH", "/api/v1/me", js(map[string]any{"bio": huge})}},
		{kim, probe{"PATCH", "/api/v1/me", js(map[string]any{"allow_incoming": "anyone"})}},
		{kim, probe{"PATCH", "/api/v1/me", `{"read_receipts":"yes"}`}},
		{kim, probe{"POST", "/api/v1/conversations/" + conv.ID + "/messages", js(map[string]any{"text": longWord})}},
		{kim, probe{"POST", "/api/v1/conversations/" + conv.ID + "/messages", js(map[string]any{"text": "a\x00b"})}},
		{kim, probe{"POST", "/api/v1/conversations/" + conv.ID + "/messages", js(map[string]any{"text": "x", "client_id": huge[:10_000]})}},
		{kim, probe{"POST", "/api/v1/conversations/" + conv.ID + "/messages", js(map[string]any{"text": "x", "reply_to": huge[:10_000]})}},
		{kim, probe{"PATCH", "/api/v1/messages/" + m.ID, js(map[string]any{"text": longWord})}},
		{kim, probe{"PUT", "/api/v1/messages/" + m.ID + "/reactions/abc", ""}},
		{kim, probe{"PUT", "/api/v1/messages/" + m.ID + "/reactions/" + url.PathEscape("👍👍👍"), ""}},
		{kim, probe{"PUT", "/api/v1/messages/" + m.ID + "/reactions/" + url.PathEscape(strings.Repeat("👍", 200)), ""}},
		{kim, probe{"PUT", "/api/v1/messages/" + m.ID + "/reactions/%00", ""}},
		{kim, probe{"PUT", "/api/v1/messages/" + m.ID + "/reactions/%FF", ""}},
		{kim, probe{"PUT", "/api/v1/messages/" + m.ID + "/reactions/%E2%80%AE", ""}},
		{kim, probe{"DELETE", "/api/v1/messages/" + m.ID + "?for=all", ""}},
		{joe, probe{"POST", "/api/v1/brands/shop/canned-replies", js(map[string]any{"title": longWord, "text": "x"})}},
		{joe, probe{"POST", "/api/v1/brands/shop/canned-replies", js(map[string]any{"title": "t", "text": longWord})}},
		{joe, probe{"POST", "/api/v1/brands/shop/canned-replies", js(map[string]any{"title": "t", "text": "a\x00"})}},
		{joe, probe{"PATCH", "/api/v1/brands/shop/canned-replies/" + canned.ID, js(map[string]any{"text": longWord})}},
		{joe, probe{"POST", bc + "/notes", js(map[string]any{"text": longWord})}},
		{joe, probe{"POST", bc + "/notes", js(map[string]any{"text": "  "})}},
		{joe, probe{"POST", bc + "/messages", js(map[string]any{"text": longWord})}},
		{joe, probe{"POST", bc + "/presence", js(map[string]any{"state": huge[:5000]})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"labels": many})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"labels": []string{huge[:5000]}})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"labels": []string{"<script>"}})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"assignee": huge[:5000]})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"assignee": "kim"})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"priority": "p0"})}},
		{joe, probe{"PATCH", bc, js(map[string]any{"status": "snoozed", "snoozed_until": "2000-01-01T00:00:00Z"})}},
		{joe, probe{"PATCH", bc, `{"snoozed_until":"tomorrow"}`}},
		{joe, probe{"POST", "/api/v1/brands/shop/team", js(map[string]any{"handle": huge[:5000], "role": "agent"})}},
		{joe, probe{"POST", "/api/v1/brands/shop/team", js(map[string]any{"handle": "kim", "role": "god"})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"hours": spans})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"away_message": longWord})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"away_message": "a\x00"})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"time_zone": "../../../../etc/passwd"})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"time_zone": "Local"})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"time_zone": huge[:5000]})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"time_zone": "Mars/Olympus"})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"hours": []map[string]string{{"day": "mon", "open": "25:00", "close": "26:00"}}})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"hours": []map[string]string{{"day": "mon", "open": "17:00", "close": "09:00"}}})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"hours": []map[string]string{{"day": "funday", "open": "09:00", "close": "10:00"}}})}},
		{joe, probe{"PUT", "/api/v1/brands/shop/settings", js(map[string]any{"hours": []map[string]string{{"day": "mon", "open": "-1:00", "close": "+9:00"}}})}},
		{joe, probe{"GET", "/api/v1/brands/shop/analytics?from=0001-01-02T00:00:00Z&to=9999-12-31T23:59:59Z", ""}},
		{joe, probe{"GET", "/api/v1/brands/shop/analytics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", ""}},
		{joe, probe{"GET", "/api/v1/brands/shop/analytics.csv?table=../../etc", ""}},
		{joe, probe{"GET", "/api/v1/brands/shop/inbox?view=everything", ""}},
		{joe, probe{"GET", "/api/v1/brands/shop/inbox?q=" + huge[:5000], ""}},
		{joe, probe{"GET", "/api/v1/brands/shop/inbox?cursor=" + huge[:5000], ""}},
		{joe, probe{"GET", "/api/v1/brands/shop/inbox?cursor=%FF%FE", ""}},
		{kim, probe{"GET", "/api/v1/conversations?folder=../../etc", ""}},
		{kim, probe{"GET", "/api/v1/conversations?cursor=" + huge[:5000], ""}},
		{kim, probe{"GET", "/api/v1/conversations/" + conv.ID + "/messages?before=" + huge[:5000], ""}},
		{kim, probe{"GET", "/api/v1/events?cursor=-1", ""}},
		{kim, probe{"GET", "/api/v1/events?cursor=99999999999999999999", ""}},
		{kim, probe{"GET", "/api/v1/events?cursor=1e9", ""}},
		{kim, probe{"GET", "/api/v1/events?cursor=0x10", ""}},
		{kim, probe{"GET", "/api/v1/accounts/joe/followers?cursor=" + huge[:5000], ""}},
		{kim, probe{"GET", "/api/v1/accounts?q=" + huge[:5000], ""}},
	}
	lists := []string{
		"/api/v1/conversations", "/api/v1/conversations/" + conv.ID + "/messages", "/api/v1/events",
		"/api/v1/accounts/joe/followers", "/api/v1/accounts/joe/following", "/api/v1/accounts?q=jo",
	}
	brandLists := []string{"/api/v1/brands/shop/inbox", bc}
	for _, lim := range []string{"-1", "0", "201", "99999999999999999999", "abc", "1.5", "%00"} {
		for _, l := range lists {
			cases = append(cases, struct {
				who *client.Client
				p   probe
			}{kim, probe{"GET", l + sep(l) + "limit=" + lim, ""}})
		}
		for _, l := range brandLists {
			cases = append(cases, struct {
				who *client.Client
				p   probe
			}{joe, probe{"GET", l + sep(l) + "limit=" + lim, ""}})
		}
	}
	for _, c := range cases {
		what := c.p.String()
		if len(what) > 160 {
			what = what[:160] + "..."
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := rawCall(rctx, c.who, c.p)
		cancel()
		want4xx(t, err, what)
	}
	// The server still answers normally afterwards, and nothing was stored.
	_, _, err = kim.Me(ctx)
	ok(t, err, "me after the hostile inputs")
	msgs, _, err := kim.Messages(ctx, conv.ID, "", 50)
	if ok(t, err, "history after the hostile inputs") && (len(msgs) != 1 || len(msgs[0].Reactions) != 0 || msgs[0].Text != "hello") {
		t.Errorf("hostile inputs left traces in the history: %+v", msgs)
	}
}

// sep is the separator before a query parameter appended to path.
func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestSecurityWebHeaders: the app's pages carry a strict CSP without inline
// script, and the API's JSON is never sniffed as HTML.
func TestSecurityWebHeaders(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	for _, path := range []string{"/", "/login", "/@someone", "/c/123", "/static-that-is-not-there"} {
		resp, err := e.doc.httpClient().Get(e.url + path)
		must(t, err, "GET "+path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "*") {
			t.Errorf("GET %s: CSP %q allows inline code, eval or any source", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, resp.Header.Get("X-Content-Type-Options"))
		}
		if strings.Contains(resp.Header.Get("Content-Type"), "html") && strings.Contains(strings.ToLower(string(body)), "<script>") {
			t.Errorf("GET %s: the page has an inline script", path)
		}
	}
	// The static files are a fixed set: no way out of the folder.
	for _, path := range []string{"/static/..%2f..%2fgo.mod", "/static/%2e%2e/%2e%2e/go.mod", "/static/js/..%2f..%2fweb.go"} {
		resp, err := e.doc.httpClient().Get(e.url + path)
		must(t, err, "GET "+path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "module ") || strings.Contains(string(body), "package web") {
			t.Errorf("GET %s: %d %.80s", path, resp.StatusCode, body)
		}
	}
	// An API error echoing a hostile path stays JSON.
	resp, err := e.doc.httpClient().Get(e.url + "/api/v1/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	must(t, err, "GET hostile API path")
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("an API 404 with a hostile path: Content-Type %q, want JSON", ct)
	}
}
