package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/webhooks"
)

// world wires the services as internal/server does, on an in-memory SQLite
// store, with a clock the test sets and a job runner it drives (RunDue), so
// that retries happen when the test moves the clock, without sleeping.
type world struct {
	t     *testing.T
	ctx   context.Context
	ids   *identity.Service
	chat  *chat.Service
	brand *brand.Service
	hooks *webhooks.Service
	jobs  *jobs.Runner

	mu  sync.Mutex
	now time.Time
}

func newWorld(t *testing.T, cfg webhooks.Config) *world {
	t.Helper()
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{t: t, ctx: context.Background(), now: time.Now().UTC().Truncate(time.Millisecond)}
	cfg.Now = w.clock
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return time.Minute }
	}
	bstep := brand.NewStep(brand.Config{Now: w.clock})
	hstep := webhooks.NewStep(bstep, cfg)
	bstep.Watch(hstep)
	bus := inmem.New()
	t.Cleanup(func() { bus.Close() })
	w.jobs = jobs.New(db, jobs.Config{Now: w.clock})
	w.ids = identity.New(db, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	w.chat = chat.New(db, bus, chat.Config{RateLimitOff: true, Now: w.clock, Steps: []chat.Step{bstep, hstep}})
	w.brand = brand.New(w.chat, bstep)
	w.brand.RegisterJobs(w.jobs)
	w.hooks = webhooks.New(w.chat, w.brand, hstep, cfg)
	w.hooks.RegisterJobs(w.jobs)
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

func (w *world) runJobs() int {
	w.t.Helper()
	n, err := w.jobs.RunDue(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) account(handle, kind string) *dm.Account {
	w.t.Helper()
	a, err := w.ids.Signup(w.ctx, identity.SignupParams{Handle: handle, Password: "password-" + handle, DisplayName: strings.ToUpper(handle[:1]) + handle[1:], Kind: kind})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// customerWrites opens (or reuses) the customer's conversation with the
// brand and sends text.
func (w *world) customerWrites(c *dm.Account, brandHandle, text string) *dm.Message {
	w.t.Helper()
	conv, _, err := w.chat.CreateConversation(w.ctx, c, []string{brandHandle}, "")
	if err != nil {
		w.t.Fatal(err)
	}
	m, _, err := w.chat.Send(w.ctx, c, conv.ID, chat.SendParams{Text: text})
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// receiver is a real HTTP server on the loopback interface that records
// what it receives and answers with the status its script gives.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	status func(n int) int // n: 1 for the first request
}

type received struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: b, at: time.Now()})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(r.status(n))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func always(code int) func(int) int { return func(int) int { return code } }

// TestSignedDeliveryRetriedUntilSuccess: a receiver that fails three times
// and then succeeds gets four signed requests of the same event, exactly one
// of them answered 2xx, and nothing after that; the delivery log shows the
// four attempts.
func TestSignedDeliveryRetriedUntilSuccess(t *testing.T) {
	w := newWorld(t, webhooks.Config{Allow: loopback})
	acme := w.account("acme", dm.KindBrand)
	cara := w.account("cara", dm.KindPerson)
	rcv := newReceiver(t, func(n int) int {
		if n <= 3 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	ep, secret, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", webhooks.EndpointInput{URL: rcv.srv.URL + "/hook", Events: []string{dm.WebhookMessageReceived}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, webhooks.SecretPrefix) || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	msg := w.customerWrites(cara, "acme", "Where is my order?")
	if got := rcv.requests(); len(got) != 0 {
		t.Fatalf("%d requests before the job ran: the send must not deliver by itself", len(got))
	}
	for i := range 6 {
		w.runJobs()
		if i < 5 {
			w.advance(time.Minute + time.Second)
		}
	}
	got := rcv.requests()
	if len(got) != 4 {
		t.Fatalf("receiver got %d requests, want 4 (three 500s, then a 204)", len(got))
	}
	for i, r := range got {
		if err := webhooks.Verify(secret, r.header, r.body, w.clock(), 10*time.Minute); err != nil {
			t.Errorf("request %d: signature does not verify: %v", i+1, err)
		}
		if err := webhooks.Verify("whsec_wrong", r.header, r.body, w.clock(), 10*time.Minute); err == nil {
			t.Errorf("request %d verifies with a wrong secret", i+1)
		}
		tampered := append([]byte(nil), r.body...)
		tampered[len(tampered)-2] ^= 1
		if err := webhooks.Verify(secret, r.header, tampered, w.clock(), 10*time.Minute); err == nil {
			t.Errorf("request %d: a changed body verifies", i+1)
		}
		if r.header.Get(webhooks.HeaderID) != got[0].header.Get(webhooks.HeaderID) || string(r.body) != string(got[0].body) {
			t.Errorf("request %d is not the same event as the first", i+1)
		}
		if r.header.Get("Content-Type") != "application/json" || r.header.Get(webhooks.HeaderEvent) != dm.WebhookMessageReceived {
			t.Errorf("request %d headers: %v", i+1, r.header)
		}
	}
	var ev webhooks.Event
	if err := json.Unmarshal(got[0].body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != dm.WebhookMessageReceived || ev.Brand.Handle != "acme" || ev.Data.Message == nil || ev.Data.Message.ID != msg.ID ||
		ev.Data.Message.Text != "Where is my order?" || ev.Data.Customer == nil || ev.Data.Customer.Handle != "cara" || ev.ID != got[0].header.Get(webhooks.HeaderID) {
		t.Errorf("event = %s", got[0].body)
	}
	// A stale timestamp is refused by the receiver's check.
	if err := webhooks.Verify(secret, got[0].header, got[0].body, w.clock().Add(time.Hour), 5*time.Minute); err == nil {
		t.Error("a delivery an hour old verifies")
	}

	ds, _, err := w.hooks.Deliveries(w.ctx, acme, "acme", ep.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Status != dm.DeliverySucceeded || ds[0].Attempts != 4 || ds[0].LastStatusCode != 204 || ds[0].DeliveredAt == nil {
		t.Fatalf("deliveries = %+v", ds)
	}
	d, body, err := w.hooks.Delivery(w.ctx, acme, "acme", ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	codes := []int{}
	for _, a := range d.Attempts {
		codes = append(codes, a.StatusCode)
	}
	if len(codes) != 4 || codes[0] != 500 || codes[2] != 500 || codes[3] != 204 || d.Attempts[0].Error != "HTTP 500" || body != string(got[0].body) {
		t.Errorf("attempt log = %+v", d.Attempts)
	}

	// Redelivery sends the same event again, as a new delivery.
	nd, err := w.hooks.Redeliver(w.ctx, acme, "acme", ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	w.runJobs()
	got = rcv.requests()
	if len(got) != 5 || got[4].header.Get(webhooks.HeaderID) != ev.ID || got[4].header.Get(webhooks.HeaderDelivery) != nd.ID || string(got[4].body) != string(got[0].body) {
		t.Errorf("redelivery: %d requests, last %v", len(got), got[len(got)-1].header)
	}
}

// TestRetriesLastADay: the default schedule keeps trying for more than 24
// hours, and not absurdly longer.
func TestRetriesLastADay(t *testing.T) {
	var total time.Duration
	for n := 1; n < webhooks.MaxAttempts; n++ {
		total += webhooks.Backoff(n)
	}
	if total < 24*time.Hour || total > 36*time.Hour {
		t.Errorf("%d attempts span %v, want 24 to 36 hours", webhooks.MaxAttempts, total)
	}
	if webhooks.Backoff(1) > 12*time.Second {
		t.Errorf("first retry after %v", webhooks.Backoff(1))
	}
}

// TestGivesUpAfterMaxAttempts: a receiver that always fails gets
// MaxAttempts requests, then the delivery is failed and the job dead.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	w := newWorld(t, webhooks.Config{Allow: loopback, MaxAttempts: 3})
	acme := w.account("acme", dm.KindBrand)
	cara := w.account("cara", dm.KindPerson)
	rcv := newReceiver(t, always(http.StatusServiceUnavailable))
	if _, _, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", webhooks.EndpointInput{URL: rcv.srv.URL, Events: []string{dm.WebhookMessageReceived}}); err != nil {
		t.Fatal(err)
	}
	w.customerWrites(cara, "acme", "hello")
	for range 5 {
		w.runJobs()
		w.advance(2 * time.Minute)
	}
	if n := len(rcv.requests()); n != 3 {
		t.Errorf("receiver got %d requests, want 3", n)
	}
	ds, _, _ := w.hooks.Deliveries(w.ctx, acme, "acme", "", "", 10)
	if len(ds) != 1 || ds[0].Status != dm.DeliveryFailed || ds[0].Attempts != 3 || ds[0].LastStatusCode != 503 {
		t.Errorf("deliveries = %+v", ds)
	}
}

// TestEventsAndFilters: each endpoint gets the event types it chose, from
// brand conversations only, with who wrote or changed what.
func TestEventsAndFilters(t *testing.T) {
	w := newWorld(t, webhooks.Config{Allow: loopback})
	acme := w.account("acme", dm.KindBrand)
	bob := w.account("bob", dm.KindPerson)
	cara := w.account("cara", dm.KindPerson)
	dan := w.account("dan", dm.KindPerson)
	if _, err := w.brand.AddMember(w.ctx, acme, "acme", "bob", dm.TeamAgent); err != nil {
		t.Fatal(err)
	}
	all := newReceiver(t, always(200))
	sentOnly := newReceiver(t, always(200))
	if _, _, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", webhooks.EndpointInput{URL: all.srv.URL, Events: dm.WebhookEvents}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", webhooks.EndpointInput{URL: sentOnly.srv.URL, Events: []string{dm.WebhookMessageSent}}); err != nil {
		t.Fatal(err)
	}
	// Two people talking: nothing for the brand's endpoints.
	w.customerWrites(cara, "dan", "hi dan")
	_ = dan
	// The customer writes (round-robin assigns bob), bob answers, a bot
	// answers, bob resolves.
	in := w.customerWrites(cara, "acme", "Do you ship to Oslo?")
	out, _, err := w.brand.Send(w.ctx, bob, "acme", in.ConversationID, brand.Reply{Text: "We do!"})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := w.brand.CreateBotToken(w.ctx, acme, "acme", "Orderbot")
	if err != nil {
		t.Fatal(err)
	}
	bot, err := w.brand.AuthenticateBot(w.ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.brand.BotSend(w.ctx, bot, "acme", in.ConversationID, brand.Reply{Text: "Shipping takes 3 days."}); err != nil {
		t.Fatal(err)
	}
	st := dm.InboxResolved
	if _, err := w.brand.UpdateConversation(w.ctx, bob, "acme", in.ConversationID, brand.InboxUpdate{Status: &st}); err != nil {
		t.Fatal(err)
	}
	w.runJobs()

	events := func(r *receiver) []webhooks.Event {
		var out []webhooks.Event
		for _, q := range r.requests() {
			var ev webhooks.Event
			if err := json.Unmarshal(q.body, &ev); err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
		return out
	}
	types := map[string][]webhooks.Event{}
	for _, ev := range events(all) {
		types[ev.Type] = append(types[ev.Type], ev)
	}
	if len(types[dm.WebhookMessageReceived]) != 1 || len(types[dm.WebhookMessageSent]) != 2 || len(types[dm.WebhookConversationAssigned]) != 1 ||
		len(types[dm.WebhookConversationResolved]) != 1 || len(all.requests()) != 5 {
		t.Fatalf("all-events endpoint got %v", types)
	}
	for _, ev := range types[dm.WebhookMessageSent] {
		m := ev.Data.Message
		switch m.Text {
		case out.Text:
			if ev.Data.Agent == nil || ev.Data.Agent.Handle != "bob" || m.Automated {
				t.Errorf("agent's message event: %+v", ev.Data)
			}
		case "Shipping takes 3 days.":
			if ev.Data.Agent != nil || !m.Automated || m.AgentName != "Orderbot" {
				t.Errorf("bot's message event: %+v, message %+v", ev.Data, m)
			}
		default:
			t.Errorf("unexpected message.sent %q", m.Text)
		}
		if m.Sender.Handle != "acme" || ev.Data.Customer.Handle != "cara" {
			t.Errorf("message.sent sender %s customer %s", m.Sender.Handle, ev.Data.Customer.Handle)
		}
	}
	if a := types[dm.WebhookConversationAssigned][0].Data.Conversation; a == nil || a.Assignee == nil || a.Assignee.Handle != "bob" {
		t.Errorf("assigned event: %+v", types[dm.WebhookConversationAssigned][0].Data)
	}
	if r := types[dm.WebhookConversationResolved][0].Data; r.Conversation.Status != dm.InboxResolved || r.Agent == nil || r.Agent.Handle != "bob" || r.ConversationID != in.ConversationID {
		t.Errorf("resolved event: %+v", r)
	}
	if evs := events(sentOnly); len(evs) != 2 || evs[0].Type != dm.WebhookMessageSent || evs[1].Type != dm.WebhookMessageSent {
		t.Errorf("message.sent endpoint got %+v", evs)
	}
}

// TestHostileReceivers: a receiver that hangs, answers 500, redirects,
// sends a huge body or speaks bad TLS costs only its own attempts: a good
// endpoint of the same brand still gets its delivery in the same run, and
// a redirect is not followed.
func TestHostileReceivers(t *testing.T) {
	// The time-out cuts the hanging receiver; it is generous so that the
	// honest ones (the 1 GiB body is cut by size, not time) answer within
	// it even under the race detector on a loaded machine.
	w := newWorld(t, webhooks.Config{Allow: loopback, Timeout: 5 * time.Second})
	acme := w.account("acme", dm.KindBrand)
	cara := w.account("cara", dm.KindPerson)
	good := newReceiver(t, always(200))
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, good.srv.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		chunk := make([]byte, 64<<10)
		for i := 0; i < 16*1024; i++ { // 1 GiB if anyone read it all
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer huge.Close()
	fails := newReceiver(t, always(500))
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer tlsSrv.Close()

	urls := map[string]string{"slow": slow.URL, "redirect": redirect.URL, "huge": huge.URL, "fails": fails.srv.URL, "tls": tlsSrv.URL, "good": good.srv.URL}
	ids := map[string]string{}
	for name, u := range urls {
		ep, _, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", webhooks.EndpointInput{URL: u, Description: name, Events: []string{dm.WebhookMessageReceived}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ids[name] = ep.ID
	}
	// The send only enqueues: no receiver has heard of it when it returns
	// (a send that delivered would have waited for the hanging one).
	w.customerWrites(cara, "acme", "hello")
	if n := len(good.requests()) + len(fails.requests()); n != 0 {
		t.Errorf("%d requests before the jobs ran", n)
	}
	w.runJobs()
	if n := len(good.requests()); n != 1 {
		t.Errorf("good endpoint got %d requests, want 1", n)
	}
	for _, r := range good.requests() {
		if r.header.Get(webhooks.HeaderID) == "" {
			t.Error("the good endpoint got a request without the event id")
		}
	}
	want := map[string]struct {
		status int
		code   int
		err    string
	}{
		"good":     {1, 200, ""},
		"huge":     {1, 200, ""},
		"slow":     {0, 0, "timeout|deadline exceeded"},
		"redirect": {0, 307, "redirect not followed"},
		"fails":    {0, 500, "HTTP 500"},
		"tls":      {0, 0, "certificate"},
	}
	for name, wt := range want {
		ds, _, err := w.hooks.Deliveries(w.ctx, acme, "acme", ids[name], "", 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("%s: %v %+v", name, err, ds)
		}
		d := ds[0]
		wantStatus := dm.DeliveryPending
		if wt.status == 1 {
			wantStatus = dm.DeliverySucceeded
		}
		matched := false
		for _, alt := range strings.Split(wt.err, "|") {
			matched = matched || strings.Contains(strings.ToLower(d.LastError), strings.ToLower(alt))
		}
		if d.Status != wantStatus || d.LastStatusCode != wt.code || !matched || d.Attempts != 1 {
			t.Errorf("%s: delivery %+v, want status %s, code %d, error containing %q", name, d, wantStatus, wt.code, wt.err)
		}
	}
	for _, r := range good.requests() {
		if strings.Contains(r.header.Get("Referer"), "stolen") {
			t.Error("the redirect was followed")
		}
	}
}

// TestPrivateAddressesRefused: without --webhook-allow a loopback URL is
// accepted at registration (its name could resolve anywhere) but never
// dialled: each attempt fails with "address not allowed".
func TestPrivateAddressesRefused(t *testing.T) {
	w := newWorld(t, webhooks.Config{})
	acme := w.account("acme", dm.KindBrand)
	cara := w.account("cara", dm.KindPerson)
	rcv := newReceiver(t, always(200))
	if _, _, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", webhooks.EndpointInput{URL: rcv.srv.URL, Events: []string{dm.WebhookMessageReceived}}); err != nil {
		t.Fatal(err)
	}
	w.customerWrites(cara, "acme", "hello")
	w.runJobs()
	if n := len(rcv.requests()); n != 0 {
		t.Errorf("a loopback receiver got %d requests without --webhook-allow", n)
	}
	ds, _, _ := w.hooks.Deliveries(w.ctx, acme, "acme", "", "", 10)
	if len(ds) != 1 || !strings.Contains(ds[0].LastError, "not allowed") || ds[0].Status != dm.DeliveryPending {
		t.Errorf("deliveries = %+v", ds)
	}
}

// TestManageEndpoints: bad input is a 400 with nothing written; agents
// and strangers get 404; the secret is returned on creation and rotation
// only, and a rotated secret signs the next attempt.
func TestManageEndpoints(t *testing.T) {
	w := newWorld(t, webhooks.Config{Allow: loopback})
	acme := w.account("acme", dm.KindBrand)
	bob := w.account("bob", dm.KindPerson)
	eve := w.account("eve", dm.KindPerson)
	if _, err := w.brand.AddMember(w.ctx, acme, "acme", "bob", dm.TeamAgent); err != nil {
		t.Fatal(err)
	}
	ok := []string{dm.WebhookMessageReceived}
	for _, in := range []webhooks.EndpointInput{
		{URL: "", Events: ok},
		{URL: "ftp://example.com/", Events: ok},
		{URL: "https://user:pw@example.com/", Events: ok},
		{URL: "https:///nohost", Events: ok},
		{URL: "https://example.com/#frag", Events: ok},
		{URL: "https://example.com/" + strings.Repeat("a", 2100), Events: ok},
		{URL: "https://example.com/", Events: nil},
		{URL: "https://example.com/", Events: []string{"message.everything"}},
		{URL: "https://example.com/", Description: strings.Repeat("d", 201), Events: ok},
		{URL: "https://example.com/", Description: "bell\a", Events: ok},
	} {
		if _, _, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", in); !dm.IsCode(err, dm.EINVALID) {
			t.Errorf("create %+v: %v, want invalid", in, err)
		}
	}
	if es, _ := w.hooks.Endpoints(w.ctx, acme, "acme"); len(es) != 0 {
		t.Fatalf("bad input left %d endpoints", len(es))
	}
	good := webhooks.EndpointInput{URL: "https://example.com/hook", Events: ok}
	for who, a := range map[string]*dm.Account{"agent": bob, "stranger": eve} {
		if _, _, err := w.hooks.CreateEndpoint(w.ctx, a, "acme", good); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("%s creates: %v, want not found", who, err)
		}
		if _, err := w.hooks.Endpoints(w.ctx, a, "acme"); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("%s lists: %v, want not found", who, err)
		}
		if _, _, err := w.brand.CreateBotToken(w.ctx, a, "acme", "x"); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("%s makes a bot token: %v, want not found", who, err)
		}
	}
	ep, secret, err := w.hooks.CreateEndpoint(w.ctx, acme, "acme", good)
	if err != nil {
		t.Fatal(err)
	}
	es, err := w.hooks.Endpoints(w.ctx, acme, "acme")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(es)
	if strings.Contains(string(b), secret) || strings.Contains(string(b), "secret") {
		t.Errorf("the endpoint list shows the secret: %s", b)
	}
	_, rotated, err := w.hooks.RotateSecret(w.ctx, acme, "acme", ep.ID)
	if err != nil || rotated == secret || !strings.HasPrefix(rotated, webhooks.SecretPrefix) {
		t.Errorf("rotate: %q, %v", rotated, err)
	}
	if _, _, err := w.hooks.RotateSecret(w.ctx, bob, "acme", ep.ID); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("agent rotates: %v", err)
	}
	if err := w.hooks.DeleteEndpoint(w.ctx, acme, "acme", "nope"); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("delete unknown: %v", err)
	}
	if err := w.hooks.DeleteEndpoint(w.ctx, acme, "acme", ep.ID); err != nil {
		t.Error(err)
	}
}
