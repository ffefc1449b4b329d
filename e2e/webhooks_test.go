package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/webhooks"
)

// hookReceiver is a real HTTP receiver on the loopback interface: it
// checks every delivery's signature against the endpoint's secret (set
// once known) and keeps the events it got.
type hookReceiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	secret  string
	events  []webhooks.Event
	byEvent map[string]int
	bad     []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{byEvent: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		if err != nil {
			w.WriteHeader(400)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := webhooks.Verify(r.secret, req.Header, body, time.Now(), 5*time.Minute); err != nil {
			r.bad = append(r.bad, err.Error())
			w.WriteHeader(401)
			return
		}
		var ev webhooks.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			r.bad = append(r.bad, err.Error())
			w.WriteHeader(400)
			return
		}
		r.events = append(r.events, ev)
		r.byEvent[ev.ID]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) setSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

func (r *hookReceiver) snapshot() (events []webhooks.Event, byEvent map[string]int, bad []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byEvent = map[string]int{}
	for k, v := range r.byEvent {
		byEvent[k] = v
	}
	return append([]webhooks.Event(nil), r.events...), byEvent, append([]string(nil), r.bad...)
}

// waitEvents waits until the receiver holds at least n events.
func (r *hookReceiver) waitEvents(t *testing.T, n int, timeout time.Duration) []webhooks.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		evs, _, bad := r.snapshot()
		if len(bad) > 0 {
			t.Fatalf("the receiver refused deliveries: %v", bad)
		}
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %d events after %v, want %d", len(evs), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var loopbackOnly = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// TestExternalBot plays an external bot end to end over HTTP: a brand
// registers a webhook and makes a bot token; a customer writes; the signed
// webhook reaches a real receiver; the bot answers with its token through
// the brand inbox API, marked automated under its name. The token is
// useless on another brand and on personal endpoints, and dies when revoked.
func TestExternalBot(t *testing.T) {
	e := startWith(t, limitsOff, func(c *server.Config) { c.WebhookAllow = loopbackOnly })
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	globex := e.brandAccount("globex", "Globex")
	ann := e.user("ann")
	cara := e.user("cara")
	_, err := acme.AddTeamMember(ctx, "acme", "ann", "agent")
	must(t, err, "add ann")
	rcv := newHookReceiver(t)

	// Bad input and the wrong callers are refused, and leave nothing.
	for name, p := range map[string]client.WebhookParams{
		"no url":        {Events: []string{"message.received"}},
		"ftp url":       {URL: "ftp://example.com/", Events: []string{"message.received"}},
		"credentials":   {URL: "https://a:b@example.com/", Events: []string{"message.received"}},
		"no events":     {URL: "https://example.com/"},
		"unknown event": {URL: "https://example.com/", Events: []string{"message.deleted"}},
		"long desc":     {URL: "https://example.com/", Description: strings.Repeat("x", 201), Events: []string{"message.received"}},
	} {
		_, _, err = acme.CreateWebhook(ctx, "acme", p)
		wantStatus(t, err, 400, "create webhook with "+name)
	}
	if _, err := acme.Do(ctx, "POST", "/api/v1/brands/acme/webhooks", strings.NewReader(`{"url": 5}`), nil); client.ErrorStatus(err) != 400 {
		t.Errorf("malformed JSON: %v", err)
	}
	good := client.WebhookParams{URL: rcv.srv.URL + "/parley", Events: []string{"message.received", "message.sent"}}
	_, _, err = ann.CreateWebhook(ctx, "acme", good)
	wantStatus(t, err, 404, "an agent registers a webhook")
	_, _, err = cara.CreateWebhook(ctx, "acme", good)
	wantStatus(t, err, 404, "a stranger registers a webhook")
	_, _, err = ann.WebhookDeliveries(ctx, "acme", "", "", 10)
	wantStatus(t, err, 404, "an agent reads the delivery log")
	_, _, err = ann.CreateBotToken(ctx, "acme", "sneaky")
	wantStatus(t, err, 404, "an agent makes a bot token")
	_, _, err = acme.CreateBotToken(ctx, "acme", "")
	wantStatus(t, err, 400, "a bot token without a name")
	if hs, err := acme.Webhooks(ctx, "acme"); err != nil || len(hs) != 0 {
		t.Fatalf("webhooks after refusals: %v %v", hs, err)
	}

	hook, secret, err := acme.CreateWebhook(ctx, "acme", good)
	must(t, err, "register the webhook")
	rcv.setSecret(secret)
	_, token, err := acme.CreateBotToken(ctx, "acme", "Helper")
	must(t, err, "make a bot token")
	if !strings.HasPrefix(token, "pbot_") {
		t.Fatalf("bot token %q", token)
	}
	tokens, err := acme.BotTokens(ctx, "acme")
	must(t, err, "list bot tokens")
	if b, _ := json.Marshal(tokens); len(tokens) != 1 || strings.Contains(string(b), token[5:]) {
		t.Errorf("token list %s shows the secret or is wrong", b)
	}

	conv := e.direct(cara, "acme")
	e.send(cara, conv.ID, "Do you have tents in stock?")
	evs := rcv.waitEvents(t, 1, 10*time.Second)
	ev := evs[0]
	if ev.Type != "message.received" || ev.Data.ConversationID != conv.ID || ev.Data.Message.Text != "Do you have tents in stock?" || ev.Data.Customer.Handle != "cara" {
		t.Fatalf("event = %+v", ev)
	}

	// The bot answers through the brand inbox API with its token.
	bot := e.client(e.url)
	bot.SetToken(token)
	items, _, err := bot.Inbox(ctx, "acme", client.InboxFilter{})
	must(t, err, "the bot lists its brand's inbox")
	if len(items) != 1 {
		t.Errorf("the bot sees %d conversations", len(items))
	}
	_, err = bot.InboxConversation(ctx, "acme", ev.Data.ConversationID)
	must(t, err, "the bot reads the conversation")
	reply, err := bot.SendAsBrand(ctx, "acme", ev.Data.ConversationID, client.BrandReply{Text: "Yes: 12 in stock.", ClientID: "r1"})
	must(t, err, "the bot answers")
	again, err := bot.SendAsBrand(ctx, "acme", ev.Data.ConversationID, client.BrandReply{Text: "Yes: 12 in stock.", ClientID: "r1"})
	must(t, err, "the bot retries")
	if again.ID != reply.ID {
		t.Errorf("a retry with the same client_id made a second message")
	}
	msgs, err := allMessages(ctx, cara, conv.ID)
	must(t, err, "the customer's history")
	var seen bool
	for _, m := range msgs {
		if m.Text == "Yes: 12 in stock." {
			seen = true
			if !m.Automated || m.AgentName != "Helper" || m.Sender.Handle != "acme" {
				t.Errorf("the bot's message as the customer sees it: %+v", m)
			}
		}
	}
	if !seen || len(msgs) != 2 {
		t.Errorf("customer sees %d messages, bot's among them: %v", len(msgs), seen)
	}
	evs = rcv.waitEvents(t, 2, 10*time.Second)
	if evs[1].Type != "message.sent" || !evs[1].Data.Message.Automated || evs[1].Data.Message.AgentName != "Helper" {
		t.Errorf("message.sent event = %+v", evs[1])
	}

	// A token of acme is a 404 on globex and on every personal endpoint.
	gconv := e.direct(cara, "globex")
	e.send(cara, gconv.ID, "hello globex")
	_, _, err = bot.Inbox(ctx, "globex", client.InboxFilter{})
	wantStatus(t, errOnly(0, 0, err), 404, "acme's bot lists globex's inbox")
	_, err = bot.SendAsBrand(ctx, "globex", gconv.ID, client.BrandReply{Text: "hijack"})
	wantStatus(t, err, 404, "acme's bot answers for globex")
	_, err = bot.SendAsBrand(ctx, "acme", gconv.ID, client.BrandReply{Text: "hijack"})
	wantStatus(t, err, 404, "acme's bot answers globex's conversation under acme")
	_, _, err = bot.Me(ctx)
	wantStatus(t, err, 404, "the bot reads /me")
	_, _, err = bot.Send(ctx, conv.ID, client.SendParams{Text: "as the brand account itself"})
	wantStatus(t, err, 404, "the bot uses the personal send")
	_, _, err = bot.Conversations(ctx, "inbox", "", 10)
	wantStatus(t, err, 404, "the bot lists the brand account's conversations")
	_, _, err = bot.Events(ctx, "", 10)
	wantStatus(t, err, 404, "the bot reads the brand account's events")
	_, err = bot.Team(ctx, "acme")
	wantStatus(t, err, 404, "the bot reads the team")
	_, err = bot.Webhooks(ctx, "acme")
	wantStatus(t, err, 404, "the bot lists webhooks")
	_, _, err = bot.CreateBotToken(ctx, "acme", "child")
	wantStatus(t, err, 404, "the bot makes a bot token")
	_, err = bot.AddNote(ctx, "acme", conv.ID, "note")
	wantStatus(t, err, 404, "the bot writes a private note")
	if gmsgs, _ := allMessages(ctx, cara, gconv.ID); len(gmsgs) != 1 {
		t.Errorf("globex's conversation has %d messages", len(gmsgs))
	}
	// The bot token is not a session: as a cookie it is nothing.
	req, _ := http.NewRequest("GET", e.url+"/api/v1/brands/acme/inbox", nil)
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: token})
	if resp, err := e.doc.httpClient().Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("the bot token as a cookie: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}

	// The delivery log shows both deliveries as succeeded; a redelivery
	// sends the first event again under the same event id.
	var ds []client.WebhookDelivery
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, _, err = acme.WebhookDeliveries(ctx, "acme", hook.ID, "", 10)
		must(t, err, "delivery log")
		if len(ds) == 2 && ds[0].Status == "succeeded" && ds[1].Status == "succeeded" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(ds) != 2 || ds[0].Status != "succeeded" || ds[1].Status != "succeeded" || ds[1].EventID != ev.ID {
		t.Fatalf("delivery log = %+v", ds)
	}
	d, err := acme.WebhookDelivery(ctx, "acme", ds[1].ID)
	must(t, err, "one delivery")
	if len(d.AttemptLog) != 1 || d.AttemptLog[0].StatusCode != 204 || !strings.Contains(string(d.Payload), `"message.received"`) {
		t.Errorf("delivery = %+v payload %s", d, d.Payload)
	}
	_, err = acme.Redeliver(ctx, "acme", ds[1].ID)
	must(t, err, "redeliver")
	evs = rcv.waitEvents(t, 3, 10*time.Second)
	if evs[2].ID != ev.ID {
		t.Errorf("redelivered event id %s, want %s", evs[2].ID, ev.ID)
	}
	_, err = globex.WebhookDelivery(ctx, "globex", ds[1].ID)
	wantStatus(t, errOnly(0, 0, err), 404, "another brand reads acme's delivery")

	// Revoked, the token stops working.
	must(t, acme.RevokeBotToken(ctx, "acme", tokens[0].ID), "revoke")
	_, err = bot.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "still here?"})
	wantStatus(t, err, 401, "a revoked bot token")
}

// TestWebhookSurvivesACrash kills the real server with SIGKILL after a
// customer message committed its delivery and before the delivery was made
// (the first life runs no jobs), and checks that after a restart the
// receiver gets the event exactly once, and that a third life sends nothing
// more.
func TestWebhookSurvivesACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds cmd/parley and kills it; run without -short")
	}
	t.Parallel()
	tmp := t.TempDir()
	bin := buildParley(t, tmp)
	data := filepath.Join(tmp, "data")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	rcv := newHookReceiver(t)

	p := serve(t, bin, data, "--job-workers", "-1", "--webhook-allow", "127.0.0.0/8")
	for _, a := range []client.SignupParams{{Handle: "shop", Kind: "brand"}, {Handle: "cyd"}} {
		a.Password = password(a.Handle)
		if _, err := checkedClient(t, nil, p.url).Signup(ctx, a); err != nil {
			t.Fatalf("signup %s: %v", a.Handle, err)
		}
	}
	login := func(url, handle string) *client.Client {
		c := checkedClient(t, nil, url)
		if _, _, err := c.Login(ctx, handle, password(handle)); err != nil {
			t.Fatalf("login %s: %v", handle, err)
		}
		return c
	}
	shop, cy := login(p.url, "shop"), login(p.url, "cyd")
	_, secret, err := shop.CreateWebhook(ctx, "shop", client.WebhookParams{URL: rcv.srv.URL, Events: []string{"message.received"}})
	must(t, err, "register the webhook")
	rcv.setSecret(secret)
	conv := e2eDirect(ctx, t, cy, "shop")
	e2eSend(ctx, t, cy, conv.ID, "Is my order shipped?")
	time.Sleep(100 * time.Millisecond)
	if evs, _, _ := rcv.snapshot(); len(evs) != 0 {
		t.Fatalf("%d deliveries from a node that runs no jobs", len(evs))
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	<-p.exited

	p2 := serve(t, bin, data, "--webhook-allow", "127.0.0.0/8")
	evs := rcv.waitEvents(t, 1, 30*time.Second)
	if evs[0].Data.Message.Text != "Is my order shipped?" {
		t.Errorf("event = %+v", evs[0])
	}
	shop2 := login(p2.url, "shop")
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, _, err := shop2.WebhookDeliveries(ctx, "shop", "", "", 10)
		must(t, err, "delivery log")
		if len(ds) == 1 && ds[0].Status == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log after restart: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p2.exited

	serve(t, bin, data, "--webhook-allow", "127.0.0.0/8")
	time.Sleep(300 * time.Millisecond) // a third life polls its queue at once; give a stray re-run its chance
	if evs, byEvent, _ := rcv.snapshot(); len(evs) != 1 || byEvent[evs[0].ID] != 1 {
		t.Fatalf("%d deliveries after two restarts, want exactly 1", len(evs))
	}
}

// TestMultiNodeWebhooksOnce runs two nodes on one PostgreSQL and sends
// customer messages through both: every event reaches the receiver exactly
// once, whichever node claimed it.
func TestMultiNodeWebhooksOnce(t *testing.T) {
	m := newMultiNodeEnv(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	rcv := newHookReceiver(t)
	a := m.node(t, "--webhook-allow", "127.0.0.0/8", "--job-workers", "8")
	b := m.node(t, "--webhook-allow", "127.0.0.0/8", "--job-workers", "8")
	shop, _ := multiSignup(ctx, t, a.url, a.url, "shop", "brand")
	_, secret, err := shop.CreateWebhook(ctx, "shop", client.WebhookParams{URL: rcv.srv.URL, Events: []string{"message.received"}})
	must(t, err, "register the webhook")
	rcv.setSecret(secret)
	const customers, each = 10, 10
	var wg sync.WaitGroup
	for i := range customers {
		node := a.url
		if i%2 == 1 {
			node = b.url
		}
		c, _ := multiSignup(ctx, t, node, node, "cust"+string(rune('a'+i)), "person")
		conv, _, err := c.CreateConversation(ctx, []string{"shop"}, "")
		must(t, err, "conversation")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if _, _, err := c.Send(ctx, conv.ID, client.SendParams{Text: "message " + string(rune('0'+j))}); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rcv.waitEvents(t, customers*each, 60*time.Second)
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show up
	evs, byEvent, _ := rcv.snapshot()
	if len(evs) != customers*each || len(byEvent) != customers*each {
		t.Fatalf("%d deliveries of %d events, want %d of %d", len(evs), len(byEvent), customers*each, customers*each)
	}
	for id, n := range byEvent {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

// multiSignup signs up an account of a kind through one node and logs it in
// through another.
func multiSignup(ctx context.Context, t *testing.T, signupURL, loginURL, handle, kind string) (*client.Client, *client.Account) {
	t.Helper()
	if _, err := checkedClient(t, nil, signupURL).Signup(ctx, client.SignupParams{Handle: handle, Password: password(handle), Kind: kind}); err != nil {
		t.Fatalf("signup %s: %v", handle, err)
	}
	c := checkedClient(t, nil, loginURL)
	_, acc, err := c.Login(ctx, handle, password(handle))
	if err != nil {
		t.Fatalf("login %s: %v", handle, err)
	}
	return c, acc
}
