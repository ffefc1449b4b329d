package brand_test

import (
	"context"
	"os"
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
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/postgres/pgtest"
	"github.com/parleyhq/parley/internal/sqlite"
)

// stores runs fn on SQLite and, when PARLEY_TEST_POSTGRES is set, on a
// fresh PostgreSQL schema.
func stores(t *testing.T, fn func(t *testing.T, open func(t *testing.T) dm.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) dm.Store {
			db, err := sqlite.Open(context.Background(), ":memory:")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("PARLEY_TEST_POSTGRES")
		if base == "" {
			t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test)")
		}
		fn(t, func(t *testing.T) dm.Store {
			db, err := postgres.Open(context.Background(), pgtest.Schema(t, base, "parley_brand_test_"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
}

// world is a chat service and a brand service on an in-memory SQLite store,
// with a clock the test sets.
type world struct {
	t     *testing.T
	ctx   context.Context
	store dm.Store
	ids   *identity.Service
	chat  *chat.Service
	brand *brand.Service
	jobs  *jobs.Runner

	mu  sync.Mutex
	now time.Time
}

func newWorld(t *testing.T, now time.Time, open func(t *testing.T) dm.Store) *world {
	t.Helper()
	ctx := context.Background()
	db := open(t)
	w := &world{t: t, ctx: ctx, store: db, now: now}
	w.wire(chat.Config{RateLimitOff: true})
	return w
}

// wire builds the services as the server does: the brand step in the chat
// service's send pipeline, and the brand's jobs on a runner that the test
// drives itself (runJobs), on the world's clock.
func (w *world) wire(cfg chat.Config) {
	step := brand.NewStep(brand.Config{Now: w.clock})
	w.jobs = jobs.New(w.store, jobs.Config{Now: w.clock})
	cfg.Steps = []chat.Step{step}
	w.ids = identity.New(w.store, identity.Config{RateLimitOff: cfg.RateLimitOff, PasswordCost: identity.CheapPasswordCost()})
	bus := inmem.New()
	w.t.Cleanup(func() { bus.Close() })
	w.chat = chat.New(w.store, bus, cfg)
	w.brand = brand.New(w.chat, step)
	w.brand.RegisterJobs(w.jobs)
}

// runJobs runs the jobs due now (the away message), as the server's runner
// would right after the commit.
func (w *world) runJobs() {
	w.t.Helper()
	if _, err := w.jobs.RunDue(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) set(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

func (w *world) account(handle, name, kind string) *dm.Account {
	w.t.Helper()
	a, err := w.ids.Signup(w.ctx, identity.SignupParams{Handle: handle, Password: "password-" + handle, DisplayName: name, Kind: kind})
	if err != nil {
		w.t.Fatal(err)
	}
	// Account ids start with their millisecond, and members added at one
	// instant of the frozen clock are in team order by id. At the production
	// password cost every sign-up took tens of milliseconds, which kept the
	// ids in the order the accounts were made; at the cheap test cost, wait
	// for the next millisecond to keep it.
	for ms := time.Now().UnixMilli(); time.Now().UnixMilli() == ms; {
		time.Sleep(100 * time.Microsecond)
	}
	return a
}

func (w *world) events(a *dm.Account) []dm.Event {
	w.t.Helper()
	evs, _, err := w.chat.Events(w.ctx, a, "0", 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	return evs
}

// must returns v, or panics (failing the test) on an error: the service
// calls of a scenario are not what the test checks.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestInboxFlow follows conversations through round-robin assignment, the
// away message, answers, resolution and reopening, notes and team changes.
func TestInboxFlow(t *testing.T) { stores(t, testInboxFlow) }

func testInboxFlow(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Now(), open)
	ctx := context.Background()
	acme := w.account("acme", "Acme Outdoor", dm.KindBrand)
	bob := w.account("bob", "Bob Okafor", dm.KindPerson)
	carol := w.account("carol", "Carol Nguyen", dm.KindPerson)
	eve := w.account("eve", "Eve Stone", dm.KindPerson)
	var customers []*dm.Account
	for _, h := range []string{"dan", "erin", "fay", "gus"} {
		customers = append(customers, w.account(h, strings.ToUpper(h[:1])+h[1:]+" Customer", dm.KindPerson))
	}
	must(w.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent))
	must(w.brand.AddMember(ctx, acme, "acme", "carol", dm.TeamAdmin))
	// Business hours that are never open: every customer message is outside.
	must(w.brand.PutSettings(ctx, acme, "acme", dm.BrandSettings{TimeZone: "Europe/Paris", HoursEnabled: true,
		Hours: []dm.OpenSpan{}, AwayMessage: "We are away; back at 9.", AutoAssign: true, ShowAgentName: true}))

	// Rules: an agent may not manage, a stranger sees nothing.
	if _, err := w.brand.AddMember(ctx, bob, "acme", "eve", dm.TeamAgent); !dm.IsCode(err, dm.EFORBIDDEN) {
		t.Errorf("agent adds a member: %v", err)
	}
	if _, err := w.brand.Team(ctx, eve, "acme"); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("stranger lists the team: %v", err)
	}

	// Four customers write: bob, carol, bob, carol.
	convs := make([]string, len(customers))
	for i, c := range customers {
		conv, _ := must2(w.chat.CreateConversation(ctx, c, []string{"acme"}, ""))
		convs[i] = conv.ID
		if _, _, err := w.chat.Send(ctx, c, conv.ID, chat.SendParams{Text: "Hello, anyone there?"}); err != nil {
			t.Fatal(err)
		}
	}
	w.runJobs()
	want := []string{"bob", "carol", "bob", "carol"}
	for i, id := range convs {
		d := must(w.brand.Conversation(ctx, bob, "acme", id, 10))
		if d.Inbox.Assignee == nil || d.Inbox.Assignee.Handle != want[i] {
			t.Errorf("conversation %d assigned to %+v, want %s", i, d.Inbox.Assignee, want[i])
		}
		if d.Inbox.WaitingSince == nil || d.Inbox.Status != dm.InboxOpen {
			t.Errorf("conversation %d: %+v", i, d.Inbox)
		}
		// The away message went out once, marked automated.
		if len(d.Messages) != 2 || !d.Messages[0].Automated || d.Messages[0].Text != "We are away; back at 9." {
			t.Errorf("conversation %d messages: %+v", i, d.Messages)
		}
	}
	// A second message the same day gets no second away message; the next
	// day it does.
	dan := customers[0]
	w.chat.Send(ctx, dan, convs[0], chat.SendParams{Text: "Hello?"})
	w.runJobs()
	if d := must(w.brand.Conversation(ctx, bob, "acme", convs[0], 10)); len(d.Messages) != 3 {
		t.Errorf("away message sent twice in a day: %d messages", len(d.Messages))
	}
	w.set(w.clock().Add(24 * time.Hour))
	w.chat.Send(ctx, dan, convs[0], chat.SendParams{Text: "Still there?"})
	w.runJobs()
	if d := must(w.brand.Conversation(ctx, bob, "acme", convs[0], 10)); len(d.Messages) != 5 || !d.Messages[0].Automated {
		t.Errorf("no away message the next day: %+v", d.Messages)
	}

	// Carol is unavailable: the next new conversation goes to bob.
	f := false
	must(w.brand.UpdateMember(ctx, carol, "acme", "carol", brand.MemberUpdate{Available: &f}))
	henry := w.account("henry", "Henry", dm.KindPerson)
	hc, _ := must2(w.chat.CreateConversation(ctx, henry, []string{"acme"}, ""))
	w.chat.Send(ctx, henry, hc.ID, chat.SendParams{Text: "hi"})
	if d := must(w.brand.Conversation(ctx, carol, "acme", hc.ID, 1)); d.Inbox.Assignee == nil || d.Inbox.Assignee.Handle != "bob" {
		t.Errorf("with carol away, assigned to %+v", d.Inbox.Assignee)
	}

	// Bob answers dan with a canned reply rendered for dan.
	c := must(w.brand.PutCannedReply(ctx, carol, "acme", "", brand.CannedUpdate{Title: ptr("hello"), Text: ptr("Hi {{first_name|there}}, {{agent_first_name}} from {{brand_name}} here!")}))
	if _, err := w.brand.PutCannedReply(ctx, carol, "acme", "", brand.CannedUpdate{Title: ptr("bad"), Text: ptr("Hi {{nick}}")}); !dm.IsCode(err, dm.EINVALID) {
		t.Errorf("unknown placeholder saved: %v", err)
	}
	sent, _ := must2(w.brand.Send(ctx, bob, "acme", convs[0], brand.Reply{CannedReplyID: c.ID}))
	if sent.Text != "Hi Dan, Bob from Acme Outdoor here!" || sent.Sender.Handle != "acme" || sent.AgentName != "Bob" || sent.Author.Handle != "bob" {
		t.Errorf("sent %+v", sent)
	}
	d := must(w.brand.Conversation(ctx, bob, "acme", convs[0], 10))
	if d.Inbox.FirstResponseAt == nil || d.Inbox.WaitingSince != nil {
		t.Errorf("after the answer: %+v", d.Inbox)
	}
	// The customer sees the brand, the agent's first name, nothing else.
	msgs, _, err := w.chat.Messages(ctx, dan, convs[0], "", 10)
	if err != nil || msgs[0].Sender.Handle != "acme" || msgs[0].AgentName != "Bob" || msgs[1].Automated != true {
		t.Errorf("customer's view: %+v, %v", msgs, err)
	}
	// Reacting keeps the agent's name and the bot's mark in the events, as in history.
	if err := w.chat.React(ctx, dan, msgs[0].ID, "👍", true); err != nil {
		t.Fatal(err)
	}
	if err := w.chat.React(ctx, dan, msgs[1].ID, "👍", true); err != nil {
		t.Fatal(err)
	}
	var reacted []dm.Message
	for _, e := range w.events(dan) {
		if e.Type == dm.EventReactionAdded && e.Message != nil {
			reacted = append(reacted, *e.Message)
		}
	}
	if len(reacted) != 2 || reacted[0].AgentName != "Bob" || !reacted[1].Automated {
		t.Errorf("reaction events lost the brand fields: %+v", reacted)
	}

	// A note reaches the team, never the customer.
	must(w.brand.AddNote(ctx, bob, "acme", convs[0], "SECRET: refund approved"))
	for _, e := range w.events(dan) {
		if e.Note != nil || e.Inbox != nil || strings.HasPrefix(e.Type, "inbox.") {
			t.Errorf("customer got a team event: %+v", e)
		}
	}
	gotNote := false
	for _, e := range w.events(carol) {
		if e.Type == dm.EventInboxNote && e.Note.Text == "SECRET: refund approved" {
			gotNote = true
		}
	}
	if !gotNote {
		t.Error("carol did not get the note event")
	}

	// Resolve, then a customer message reopens the conversation in a new thread.
	res := dm.InboxResolved
	must(w.brand.UpdateConversation(ctx, bob, "acme", convs[0], brand.InboxUpdate{Status: &res}))
	if v := inbox(w.brand.Inbox(ctx, bob, "acme", brand.InboxQuery{Status: dm.InboxResolved})); len(v) != 1 {
		t.Errorf("resolved list: %d", len(v))
	}
	w.chat.Send(ctx, dan, convs[0], chat.SendParams{Text: "One more thing"})
	d = must(w.brand.Conversation(ctx, bob, "acme", convs[0], 1))
	if d.Inbox.Status != dm.InboxOpen || d.Inbox.FirstResponseAt != nil || d.Inbox.WaitingSince == nil {
		t.Errorf("after reopening: %+v", d.Inbox)
	}

	// Filters.
	mine := inbox(w.brand.Inbox(ctx, bob, "acme", brand.InboxQuery{View: "mine"}))
	if len(mine) != 3 {
		t.Errorf("bob's conversations: %d, want 3", len(mine))
	}
	if q := inbox(w.brand.Inbox(ctx, bob, "acme", brand.InboxQuery{Q: "Erin"})); len(q) != 1 || q[0].Customer.Handle != "erin" {
		t.Errorf("search: %+v", q)
	}

	// Bob leaves the team: access ends, his conversations are unassigned,
	// and no more inbox events reach his log.
	if err := w.brand.RemoveMember(ctx, carol, "acme", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.brand.Conversation(ctx, bob, "acme", convs[0], 1); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("removed agent reads a conversation: %v", err)
	}
	if _, _, err := w.brand.Send(ctx, bob, "acme", convs[0], brand.Reply{Text: "still here"}); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("removed agent sends: %v", err)
	}
	before := len(w.events(bob))
	w.chat.Send(ctx, dan, convs[0], chat.SendParams{Text: "Hello again"})
	if after := len(w.events(bob)); after != before {
		t.Errorf("removed agent got %d more events", after-before)
	}
	if v := inbox(w.brand.Inbox(ctx, carol, "acme", brand.InboxQuery{Assignee: "carol"})); len(v) != 2 {
		t.Errorf("carol's after bob left: %d", len(v))
	}
	un := inbox(w.brand.Inbox(ctx, carol, "acme", brand.InboxQuery{View: "unassigned"}))
	if len(un) != 3 {
		t.Errorf("unassigned after bob left: %d, want 3", len(un))
	}

	// A customer's edit reaches the team as inbox.message_updated.
	last := must3(w.chat.Messages(ctx, dan, convs[0], "", 1))[0]
	must(w.chat.Edit(ctx, dan, last.ID, "Hello again (edited)"))
	edited := false
	for _, e := range w.events(carol) {
		if e.Type == dm.EventInboxMessageUpdated && e.Message.Text == "Hello again (edited)" && e.State == dm.EventMessageEdited {
			edited = true
		}
	}
	if !edited {
		t.Error("carol was not told of dan's edit")
	}

	// The badge: every conversation answered? No: only dan's was.
	if on, err := w.brand.VeryResponsive(ctx, acme); err != nil || on {
		t.Errorf("very responsive = %v, %v", on, err)
	}
}

func ptr[T any](v T) *T { return &v }

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func inbox(v []dm.InboxView, _ string, err error) []dm.InboxView {
	if err != nil {
		panic(err)
	}
	return v
}

// TestConcurrentSends mixes, at the same time, customers writing to a brand,
// agents answering as the brand, and two agents messaging each other: on
// PostgreSQL these take locks on overlapping event logs, and none may fail
// (no deadlock), while every customer conversation ends up assigned once
// and answered.
func TestConcurrentSends(t *testing.T) { stores(t, testConcurrentSends) }

func testConcurrentSends(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Now(), open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	bob := w.account("bob", "Bob", dm.KindPerson)
	carol := w.account("carol", "Carol", dm.KindPerson)
	must(w.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent))
	must(w.brand.AddMember(ctx, acme, "acme", "carol", dm.TeamAgent))
	agentsDM, _ := must2(w.chat.CreateConversation(ctx, bob, []string{"carol"}, ""))
	const customers, rounds = 4, 5
	var convs []string
	var custs []*dm.Account
	for i := range customers {
		c := w.account("cust"+string(rune('a'+i)), "Customer", dm.KindPerson)
		conv, _ := must2(w.chat.CreateConversation(ctx, c, []string{"acme"}, ""))
		convs, custs = append(convs, conv.ID), append(custs, c)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				if _, _, err := w.chat.Send(ctx, custs[i], convs[i], chat.SendParams{Text: "question " + string(rune('0'+r))}); err != nil {
					errs <- err
				}
				agent := bob
				if i%2 == 1 {
					agent = carol
				}
				if _, _, err := w.brand.Send(ctx, agent, "acme", convs[i], brand.Reply{Text: "answer"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, a := range []*dm.Account{bob, carol} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds * 2 {
				if _, _, err := w.chat.Send(ctx, a, agentsDM.ID, chat.SendParams{Text: "psst"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("send: %v", err)
	}
	for _, id := range convs {
		d := must(w.brand.Conversation(ctx, bob, "acme", id, 100))
		if d.Inbox.Assignee == nil || d.Inbox.FirstResponseAt == nil || d.Inbox.WaitingSince != nil || len(d.Messages) != 2*rounds {
			t.Errorf("conversation %s: %+v, %d messages", id, d.Inbox, len(d.Messages))
		}
	}
}

// TestAgentsAsBrand: agents who write as one brand each have their own send
// allowance and their own client ids.
func TestAgentsAsBrand(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{t: t, ctx: ctx, store: db, now: time.Now()}
	w.wire(chat.Config{SendPerSecond: 0.001, SendBurst: 2})
	c, b := w.chat, w.brand
	acme := w.account("acme", "Acme", dm.KindBrand)
	bob := w.account("bob", "Bob", dm.KindPerson)
	carol := w.account("carol", "Carol", dm.KindPerson)
	dan := w.account("dan", "Dan", dm.KindPerson)
	must(b.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent))
	must(b.AddMember(ctx, acme, "acme", "carol", dm.TeamAgent))
	conv, _ := must2(c.CreateConversation(ctx, dan, []string{"acme"}, ""))
	must2(c.Send(ctx, dan, conv.ID, chat.SendParams{Text: "hi"}))

	// The same client id from two agents: two messages; a retry: the first.
	m1, created1 := must2(b.Send(ctx, bob, "acme", conv.ID, brand.Reply{Text: "from bob", ClientID: "k1"}))
	m2, created2 := must2(b.Send(ctx, carol, "acme", conv.ID, brand.Reply{Text: "from carol", ClientID: "k1"}))
	again, created3 := must2(b.Send(ctx, bob, "acme", conv.ID, brand.Reply{Text: "from bob", ClientID: "k1"}))
	if !created1 || !created2 || created3 || m1.ID == m2.ID || again.ID != m1.ID {
		t.Errorf("client ids: %v %v %v, ids %s %s %s", created1, created2, created3, m1.ID, m2.ID, again.ID)
	}
	// Bob used his burst of two; carol still has one left.
	must2(b.Send(ctx, bob, "acme", conv.ID, brand.Reply{Text: "bob again"}))
	if _, _, err := b.Send(ctx, bob, "acme", conv.ID, brand.Reply{Text: "bob too fast"}); !dm.IsCode(err, dm.ERATELIMITED) {
		t.Errorf("bob's third send: %v, want rate_limited", err)
	}
	if _, _, err := b.Send(ctx, carol, "acme", conv.ID, brand.Reply{Text: "carol again"}); err != nil {
		t.Errorf("carol's second send: %v", err)
	}
}

func must3[A, B any](a A, _ B, err error) A {
	if err != nil {
		panic(err)
	}
	return a
}

// TestAwayMessageOnceWhenAWorkerDies: the away message is a job enqueued with
// the customer's message. A worker that sent it and died before recording
// the job as done leaves it leased; once the lease has run out the job runs
// again and, sending with the job's client_id, finds the message it already
// sent: the customer gets one away message, not two.
func TestAwayMessageOnceWhenAWorkerDies(t *testing.T) {
	w := newWorld(t, time.Date(2026, 6, 1, 22, 0, 0, 0, time.UTC), func(t *testing.T) dm.Store {
		db, err := sqlite.Open(context.Background(), ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
	ctx := w.ctx
	acme := w.account("acme", "Acme", dm.KindBrand)
	dan := w.account("dan", "Dan", dm.KindPerson)
	const away = "Closed; back at 9."
	must(w.brand.PutSettings(ctx, acme, "acme", dm.BrandSettings{TimeZone: "UTC", HoursEnabled: true, Hours: []dm.OpenSpan{}, AwayMessage: away}))
	conv, _ := must2(w.chat.CreateConversation(ctx, dan, []string{"acme"}, ""))
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "hello?"}))

	// A worker of another node claims the job, sends, and dies.
	var j dm.Job
	must0(w.store.Update(ctx, func(tx dm.Tx) error {
		got, err := tx.ClaimJobs(ctx, []string{brand.JobAwayMessage}, "dead-node", w.clock(), time.Minute, 10)
		if err == nil && len(got) != 1 {
			t.Fatalf("claimed %d away jobs, want 1", len(got))
		}
		if err == nil {
			j = got[0]
		}
		return err
	}))
	must2(w.chat.Send(ctx, acme, conv.ID, chat.SendParams{Text: away, Automated: true, ClientID: "job:" + j.ID}))

	w.runJobs() // the lease still runs: nothing to do
	w.set(w.clock().Add(time.Minute))
	w.runJobs()
	msgs, _ := must2(w.chat.Messages(ctx, dan, conv.ID, "", 10))
	n := 0
	for _, m := range msgs {
		if m.Text == away {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d away messages, want 1", n)
	}
	must0(w.store.View(ctx, func(tx dm.Tx) error {
		got, err := tx.Job(ctx, j.ID)
		if err == nil && (got.State != dm.JobDone || got.Attempts != 2) {
			t.Errorf("away job %+v, want done after 2 attempts", got)
		}
		return err
	}))
}

func must0(err error) {
	if err != nil {
		panic(err)
	}
}
