package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// brandAccount signs up a brand and returns a client logged in as it.
func (e *env) brandAccount(handle, name string) *client.Client {
	e.t.Helper()
	c := e.anon()
	if _, err := c.Signup(e.ctx, client.SignupParams{Handle: handle, Password: password(handle), DisplayName: name, Kind: "brand"}); err != nil {
		e.t.Fatalf("signup %s: %v", handle, err)
	}
	if _, _, err := c.Login(e.ctx, handle, password(handle)); err != nil {
		e.t.Fatalf("login %s: %v", handle, err)
	}
	return c
}

// agents signs up people with these handles and adds each to the team of
// the brand (brand logged in as it) as an agent; it returns their clients,
// in order.
func (e *env) agents(brand *client.Client, brandHandle string, handles ...string) []*client.Client {
	e.t.Helper()
	out := make([]*client.Client, 0, len(handles))
	for _, h := range handles {
		out = append(out, e.user(h))
		if _, err := brand.AddTeamMember(e.ctx, brandHandle, h, "agent"); err != nil {
			e.t.Fatalf("add %s to %s: %v", h, brandHandle, err)
		}
	}
	return out
}

// streamUntil reads a stream until an event matches, and returns the events
// read before it. It fails the test if the stream ends first or the bound
// passes (a liveness bound, not a timing assertion).
func streamUntil(t *testing.T, s *client.Stream, what string, match func(client.Event) bool) []client.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var before []client.Event
	for {
		ev, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(ev) {
			return before
		}
		before = append(before, ev)
	}
}

// rawGet returns the body of a GET as text, for leak checks.
func rawGet(t *testing.T, ctx context.Context, c *client.Client, path string) string {
	t.Helper()
	var raw json.RawMessage
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &raw); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return string(raw)
}

// TestBrandInbox follows a customer's conversation with a brand through the
// team inbox over real HTTP and WebSocket: round-robin assignment, a canned
// reply rendered with the customer's first name, the first response time,
// resolving and reopening, private notes that never reach the customer,
// presence between agents, and an agent removed from the team.
func TestBrandInbox(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	team := e.agents(acme, "acme", "bob", "carol")
	bob, carol := team[0], team[1]
	dan, erin := e.user("dan"), e.user("erin")

	_, err := bob.AddTeamMember(ctx, "acme", "erin", "agent")
	wantStatus(t, err, http.StatusForbidden, "an agent adds a member")
	_, err = dan.Team(ctx, "acme")
	wantStatus(t, err, http.StatusNotFound, "a customer lists the team")
	hello, err := acme.CreateCannedReply(ctx, "acme", "hello", "Hi {{first_name|there}}, thanks for reaching out to {{brand_name}}!")
	must(t, err, "canned reply")
	_, err = acme.CreateCannedReply(ctx, "acme", "broken", "Hi {{nickname}}")
	wantStatus(t, err, http.StatusBadRequest, "a canned reply with an unknown placeholder")

	bobStream, err := bob.Stream(ctx, "")
	must(t, err, "bob's stream")
	defer bobStream.Close()
	readUntilReady(ctx, t, bobStream)
	carolStream, err := carol.Stream(ctx, "")
	must(t, err, "carol's stream")
	defer carolStream.Close()
	readUntilReady(ctx, t, carolStream)

	// Dan writes first: round-robin gives him to bob; erin's goes to carol.
	conv := e.direct(dan, "acme")
	e.send(dan, conv.ID, "Hello, where is my order #4411?")
	streamUntil(t, bobStream, "inbox.message to bob", func(ev client.Event) bool {
		return ev.Type == "inbox.message" && ev.ConversationID == conv.ID && ev.Inbox != nil && ev.Inbox.Assignee != nil
	})
	erinConv := e.direct(erin, "acme")
	e.send(erin, erinConv.ID, "Do you ship to Norway?")
	d, err := bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "bob reads dan's conversation")
	if d.Inbox.Assignee == nil || d.Inbox.Assignee.Handle != "bob" || d.Inbox.WaitingSince == nil || d.Inbox.Status != "open" {
		t.Errorf("dan's conversation: %+v", d.Inbox)
	}
	de, err := carol.InboxConversation(ctx, "acme", erinConv.ID)
	must(t, err, "carol reads erin's conversation")
	if de.Inbox.Assignee == nil || de.Inbox.Assignee.Handle != "carol" {
		t.Errorf("erin's conversation assigned to %+v, want carol", de.Inbox.Assignee)
	}
	mine, _, err := bob.Inbox(ctx, "acme", client.InboxFilter{View: "mine"})
	must(t, err, "bob's inbox")
	if len(mine) != 1 || mine[0].ConversationID != conv.ID {
		t.Errorf("bob's conversations: %+v", mine)
	}
	if found, _, err := carol.Inbox(ctx, "acme", client.InboxFilter{Q: "Er"}); err != nil || len(found) != 1 || found[0].Customer.Handle != "erin" {
		t.Errorf("search by name: %+v, %v", found, err)
	}

	// An agent of another brand sees nothing of acme, and acme's agents
	// nothing of it: 404 both ways.
	globex := e.brandAccount("globex", "Globex")
	_, err = globex.AddTeamMember(ctx, "globex", "erin", "agent")
	must(t, err, "globex adds erin")
	_, err = erin.InboxConversation(ctx, "acme", conv.ID)
	wantStatus(t, err, http.StatusNotFound, "globex's agent reads acme's conversation")
	_, err = erin.Analytics(ctx, "acme", time.Time{}, time.Time{})
	wantStatus(t, err, http.StatusNotFound, "globex's agent reads acme's analytics")
	_, _, err = bob.Inbox(ctx, "globex", client.InboxFilter{})
	wantStatus(t, err, http.StatusNotFound, "acme's agent lists globex's inbox")
	_, err = bob.CannedReplies(ctx, "globex")
	wantStatus(t, err, http.StatusNotFound, "acme's agent lists globex's canned replies")

	// Both agents open dan's conversation: each sees the other.
	must(t, bob.Presence(ctx, "acme", conv.ID, "viewing"), "bob views")
	streamUntil(t, carolStream, "bob's presence", func(ev client.Event) bool {
		return ev.Type == "inbox.presence" && ev.Actor != nil && ev.Actor.Handle == "bob" && ev.State == "viewing"
	})
	must(t, carol.Presence(ctx, "acme", conv.ID, "typing"), "carol types")
	streamUntil(t, bobStream, "carol's presence", func(ev client.Event) bool {
		return ev.Type == "inbox.presence" && ev.Actor != nil && ev.Actor.Handle == "carol" && ev.State == "typing"
	})

	// Bob answers with the canned reply, rendered with dan's first name.
	sent, err := bob.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{CannedReplyID: hello.ID})
	must(t, err, "bob answers")
	want := "Hi Dan, thanks for reaching out to Acme Outdoor!"
	if sent.Text != want || sent.Sender.Handle != "acme" || sent.Author == nil || sent.Author.Handle != "bob" {
		t.Errorf("sent %+v (author %+v)", sent.Message, sent.Author)
	}
	msgs, _, err := dan.Messages(ctx, conv.ID, "", 10)
	must(t, err, "dan's history")
	if len(msgs) != 2 || msgs[0].Text != want || msgs[0].Sender.Handle != "acme" {
		t.Errorf("dan sees %+v", msgs)
	}
	d, err = bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "after the answer")
	if d.Inbox.FirstResponseAt == nil || d.Inbox.WaitingSince != nil || d.Messages[0].Author == nil {
		t.Errorf("first response not recorded: %+v", d.Inbox)
	}
	rep, err := carol.Analytics(ctx, "acme", time.Time{}, time.Time{})
	must(t, err, "analytics")
	if rep.Summary.Conversations != 2 || rep.Summary.Responded != 1 || rep.Summary.FirstResponse.Median == nil || *rep.Summary.ResponseRate != 0.5 {
		t.Errorf("analytics summary: %+v", rep.Summary)
	}
	csv, err := carol.AnalyticsCSV(ctx, "acme", "summary", time.Time{}, time.Time{})
	must(t, err, "analytics csv")
	if !strings.HasPrefix(csv, "scope,handle,conversations,") || !strings.Contains(csv, "\nbrand,acme,2,1,0.5,") || !strings.Contains(csv, "\nagent,bob,1,1,1,") {
		t.Errorf("csv:\n%s", csv)
	}

	// A private note: the team sees it; no customer-facing endpoint or
	// event ever carries it.
	const secret = "NOTE-7f3a: customer is on the refund watch list"
	_, err = bob.AddNote(ctx, "acme", conv.ID, secret)
	must(t, err, "add note")
	streamUntil(t, carolStream, "the note", func(ev client.Event) bool {
		return ev.Type == "inbox.note" && ev.Note != nil && ev.Note.Text == secret
	})
	if d, err := carol.InboxConversation(ctx, "acme", conv.ID); err != nil || len(d.Notes) != 1 || d.Notes[0].Text != secret {
		t.Errorf("notes: %+v, %v", d, err)
	}
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Labels: &[]string{"refund", "VIP"}, Priority: ptr("high")})
	must(t, err, "labels")
	if l, _, err := bob.Inbox(ctx, "acme", client.InboxFilter{Label: "vip"}); err != nil || len(l) != 1 {
		t.Errorf("label filter: %+v, %v", l, err)
	}
	for _, path := range []string{
		"/api/v1/conversations/" + conv.ID,
		"/api/v1/conversations/" + conv.ID + "/messages",
		"/api/v1/conversations?folder=inbox", "/api/v1/conversations?folder=requests", "/api/v1/conversations?folder=archived",
		"/api/v1/events?cursor=0&limit=200",
		"/api/v1/accounts/acme", "/api/v1/me",
	} {
		body := rawGet(t, ctx, dan, path)
		for _, leak := range []string{"NOTE-7f3a", "refund", "inbox.", "\"assignee\"", "\"author\""} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s shows the customer %q: %s", path, leak, body)
			}
		}
	}
	danStream, err := dan.Stream(ctx, "0")
	must(t, err, "dan's stream")
	for _, ev := range readUntilReady(ctx, t, danStream) {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), "NOTE-7f3a") || strings.HasPrefix(ev.Type, "inbox.") || ev.Inbox != nil || ev.Note != nil {
			t.Errorf("dan's stream carries team data: %s", b)
		}
	}
	danStream.Close()
	_, err = dan.InboxConversation(ctx, "acme", conv.ID)
	wantStatus(t, err, http.StatusNotFound, "a customer reads the brand's inbox")

	// Resolve; a new message from dan reopens it, waiting again.
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Status: ptr("resolved")})
	must(t, err, "resolve")
	if l, _, _ := bob.Inbox(ctx, "acme", client.InboxFilter{Status: "resolved"}); len(l) != 1 {
		t.Errorf("resolved filter: %d", len(l))
	}
	e.send(dan, conv.ID, "Actually, one more question")
	d, err = bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "after reopening")
	if d.Inbox.Status != "open" || d.Inbox.FirstResponseAt != nil || d.Inbox.WaitingSince == nil {
		t.Errorf("not reopened: %+v", d.Inbox)
	}

	// Bob's log holds the inbox's events while he is on the team.
	if n := countLogged(t, bob, func(ev client.Event) bool { return strings.HasPrefix(ev.Type, "inbox.") }); n == 0 {
		t.Fatal("bob's log holds no inbox events while he is an agent")
	}

	// Bob is removed: 404 at once, a last team.updated, then nothing more
	// of the brand on his open socket.
	must(t, acme.RemoveTeamMember(ctx, "acme", "bob"), "remove bob")
	_, err = bob.InboxConversation(ctx, "acme", conv.ID)
	wantStatus(t, err, http.StatusNotFound, "a removed agent reads a conversation")
	_, _, err = bob.Inbox(ctx, "acme", client.InboxFilter{})
	wantStatus(t, err, http.StatusNotFound, "a removed agent lists the inbox")
	_, err = bob.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "still me"})
	wantStatus(t, err, http.StatusNotFound, "a removed agent answers")
	streamUntil(t, bobStream, "bob's removal", func(ev client.Event) bool {
		return ev.Type == "team.updated" && ev.State == "removed" && ev.Actor != nil && ev.Actor.Handle == "bob"
	})
	e.send(dan, conv.ID, "Hello? Anyone?")
	streamUntil(t, carolStream, "dan's new message to carol", func(ev client.Event) bool {
		return ev.Type == "inbox.message" && ev.Message != nil && ev.Message.Text == "Hello? Anyone?"
	})
	// A direct message to bob after that: his stream delivers it, and
	// nothing of the brand before it.
	bobDM := e.direct(dan, "bob")
	e.send(dan, bobDM.ID, "marker for bob")
	before := streamUntil(t, bobStream, "the marker", func(ev client.Event) bool {
		return ev.Type == "message.created" && ev.Message != nil && ev.Message.Text == "marker for bob"
	})
	for _, ev := range before {
		if strings.HasPrefix(ev.Type, "inbox.") || ev.Brand != "" {
			t.Errorf("removed agent still got %s", ev.Type)
		}
	}
	// Nor does his log, read back from its start (the log keeps events
	// for weeks): the brand's events from while he was on the team are
	// withheld, but the team.updated that told him he was removed, and his
	// own messages, stay.
	if n := countLogged(t, bob, func(ev client.Event) bool { return ev.Brand != "" && ev.Type != "team.updated" }); n != 0 {
		t.Errorf("a removed agent's log still holds %d of the brand's team events", n)
	}
	if n := countLogged(t, bob, func(ev client.Event) bool { return ev.Type == "team.updated" && ev.State == "removed" }); n != 1 {
		t.Errorf("%d team.updated (removed) in bob's log, want 1", n)
	}
	if n := countLogged(t, bob, func(ev client.Event) bool { return ev.Message != nil && ev.Message.Text == "marker for bob" }); n == 0 {
		t.Error("bob's log lost his own direct message")
	}
}

// countLogged reads c's whole event log from its start, page by page,
// and counts the events that match.
func countLogged(t *testing.T, c *client.Client, match func(client.Event) bool) int {
	t.Helper()
	n, cursor := 0, "0"
	for {
		evs, next, err := c.Events(context.Background(), cursor, 100)
		must(t, err, "the event log")
		for _, ev := range evs {
			if match(ev) {
				n++
			}
		}
		if len(evs) == 0 || next == cursor {
			return n
		}
		cursor = next
	}
}

// TestBrandBadge: a brand that answers everyone quickly shows the "very
// responsive" badge on its profile; people never have the field.
func TestBrandBadge(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	shop := e.brandAccount("shop", "Shop")
	ann := e.user("ann")
	must2 := func(err error) { t.Helper(); must(t, err, "step") }
	_, err := shop.AddTeamMember(ctx, "shop", "ann", "admin")
	must2(err)
	ivy := e.user("ivy")
	conv := e.direct(ivy, "shop")
	e.send(ivy, conv.ID, "Hi!")
	_, err = ann.SendAsBrand(ctx, "shop", conv.ID, client.BrandReply{Text: "Hello Ivy, how can we help?"})
	must2(err)
	p, err := ivy.Account(ctx, "shop")
	must2(err)
	if p.VeryResponsive == nil || !*p.VeryResponsive {
		t.Errorf("very_responsive = %v, want true", p.VeryResponsive)
	}
	if p, err := ivy.Account(ctx, "ann"); err != nil || p.VeryResponsive != nil {
		t.Errorf("a person's profile has very_responsive: %v, %v", p.VeryResponsive, err)
	}
	// Business hours never open: the away message goes out once, automated.
	_, err = shop.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: "Europe/Paris", HoursEnabled: ptr(true),
		Hours: &[]client.BusinessHoursDay{}, AwayMessage: ptr("We're closed; back tomorrow.")})
	must2(err)
	e.send(ivy, conv.ID, "Are you there?")
	e.send(ivy, conv.ID, "Hello?")
	// The away message is a durable job that runs right after the commit:
	// wait (bounded) for it, then count.
	var msgs []client.Message
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		msgs, _, err = ivy.Messages(ctx, conv.ID, "", 10)
		must2(err)
		if slices.ContainsFunc(msgs, func(m client.Message) bool { return m.Automated }) || time.Now().After(deadline) {
			break
		}
	}
	away := 0
	for _, m := range msgs {
		if m.Automated {
			away++
			if m.Text != "We're closed; back tomorrow." || m.Sender.Handle != "shop" {
				t.Errorf("away message %+v", m)
			}
		}
	}
	if away != 1 {
		t.Errorf("%d away messages, want 1", away)
	}
	_, err = ann.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: "Mars/Olympus"})
	wantStatus(t, err, http.StatusBadRequest, "an unknown time zone")
}

// TestTeamAddRespectsBlocks: a brand cannot pull into its team, and so into
// its customers' conversations and its event stream, a person who blocked
// it or that it blocked, nor can an admin add someone who blocked them;
// nothing is added, and once the block is lifted the add goes through.
func TestTeamAddRespectsBlocks(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	ann, bea := e.user("ann"), e.user("bea")
	_, err := acme.AddTeamMember(ctx, "acme", "bea", "admin")
	must(t, err, "bea joins as admin")

	must(t, ann.Block(ctx, "acme"), "ann blocks acme")
	_, err = acme.AddTeamMember(ctx, "acme", "ann", "agent")
	wantStatus(t, err, http.StatusForbidden, "acme adds ann, who blocked it")
	must(t, ann.Unblock(ctx, "acme"), "ann unblocks acme")
	must(t, acme.Block(ctx, "ann"), "acme blocks ann")
	_, err = bea.AddTeamMember(ctx, "acme", "ann", "agent")
	wantStatus(t, err, http.StatusForbidden, "bea adds ann, whom acme blocked")
	must(t, acme.Unblock(ctx, "ann"), "acme unblocks ann")
	must(t, ann.Block(ctx, "bea"), "ann blocks bea")
	_, err = bea.AddTeamMember(ctx, "acme", "ann", "agent")
	wantStatus(t, err, http.StatusForbidden, "bea adds ann, who blocked her")
	if brands, err := ann.MyBrands(ctx); ok(t, err, "ann's brands") && len(brands) != 0 {
		t.Errorf("ann is on a team after refused adds: %+v", brands)
	}
	// Her block of bea does not stand between her and acme's owner.
	_, err = acme.AddTeamMember(ctx, "acme", "ann", "agent")
	ok(t, err, "acme adds ann, no block between them")
}
