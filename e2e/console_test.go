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

// The brand console's support desk over real HTTP: service-level timers on
// the server's injected clock, the inbox's orders, routing with a cap and
// agent teams, macros that apply all their steps or none, @mentions that
// reach team members only, an audit trail the customer never sees, and the
// customer panel.

// eventsAfter returns c's events after cursor, and the new cursor.
func eventsAfter(t *testing.T, ctx context.Context, c *client.Client, cursor string) ([]client.Event, string) {
	t.Helper()
	var all []client.Event
	for {
		evs, next, err := c.Events(ctx, cursor, 200)
		must(t, err, "events")
		all = append(all, evs...)
		if len(evs) == 0 || next == cursor {
			return all, next
		}
		cursor = next
	}
}

// cursorNow returns c's current event cursor.
func cursorNow(t *testing.T, ctx context.Context, c *client.Client) string {
	t.Helper()
	_, cur, err := c.Events(ctx, "", 1)
	must(t, err, "current cursor")
	return cur
}

func inboxOrder(t *testing.T, ctx context.Context, c *client.Client, sort string) []string {
	t.Helper()
	items, _, err := c.Inbox(ctx, "acme", client.InboxFilter{Sort: sort})
	must(t, err, "inbox sorted by "+sort)
	var out []string
	for _, it := range items {
		out = append(out, it.Customer.Handle)
	}
	return out
}

func findItem(t *testing.T, ctx context.Context, c *client.Client, customer string) client.InboxConversation {
	t.Helper()
	items, _, err := c.Inbox(ctx, "acme", client.InboxFilter{})
	must(t, err, "inbox")
	for _, it := range items {
		if it.Customer.Handle == customer {
			return it
		}
	}
	t.Fatalf("%s not in the inbox", customer)
	return client.InboxConversation{}
}

// TestConsoleSLA runs the response targets on the server's clock: the time
// left counts down, a breach shows, an answer stops the clock and the next
// customer message starts the next-response target, and time outside
// business hours does not count. The inbox sorts by wait and by priority.
func TestConsoleSLA(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)} // a Monday
	e := startClocked(t, clk)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	bob := e.user("bob")
	_, err := acme.AddTeamMember(ctx, "acme", "bob", "agent")
	must(t, err, "add bob")
	_, err = bob.PutServiceLevels(ctx, "acme", client.ServiceLevelsUpdate{FirstResponseMinutes: ptr(30)})
	wantStatus(t, err, http.StatusForbidden, "an agent sets the service levels")
	_, err = acme.PutServiceLevels(ctx, "acme", client.ServiceLevelsUpdate{FirstResponseMinutes: ptr(-1)})
	wantStatus(t, err, http.StatusBadRequest, "a negative target")
	l, err := acme.PutServiceLevels(ctx, "acme", client.ServiceLevelsUpdate{FirstResponseMinutes: ptr(30), NextResponseMinutes: ptr(10)})
	must(t, err, "service levels")
	if l.FirstResponseMinutes != 30 || l.NextResponseMinutes != 10 || l.MaxOpenPerAgent != 0 || l.UpdatedAt == nil {
		t.Fatalf("service levels: %+v", l)
	}

	dan, erin := e.user("dan"), e.user("erin")
	danConv := e.direct(dan, "acme")
	e.send(dan, danConv.ID, "Where is my parcel?")
	it := findItem(t, ctx, bob, "dan")
	if it.SLA == nil || it.SLA.Kind != "first_response" || it.SLA.TargetSeconds != 1800 || it.SLA.RemainingSeconds != 1800 || it.SLA.Breached {
		t.Fatalf("at once: %+v", it.SLA)
	}
	clk.Add(20 * time.Minute)
	e.send(erin, e.direct(erin, "acme").ID, "Hello?")
	if it := findItem(t, ctx, bob, "dan"); it.SLA == nil || it.SLA.RemainingSeconds != 600 || it.SLA.Breached {
		t.Fatalf("after 20 minutes: %+v", it.SLA)
	}
	// Newest first by default; the longest wait first; the most urgent first.
	if got := inboxOrder(t, ctx, bob, ""); !slices.Equal(got, []string{"erin", "dan"}) {
		t.Errorf("latest first: %v", got)
	}
	if got := inboxOrder(t, ctx, bob, "waiting"); !slices.Equal(got, []string{"dan", "erin"}) {
		t.Errorf("waiting longest first: %v", got)
	}
	erinItem := findItem(t, ctx, bob, "erin")
	_, err = bob.UpdateInboxConversation(ctx, "acme", erinItem.ConversationID, client.InboxUpdate{Priority: ptr("urgent")})
	must(t, err, "erin is urgent")
	if got := inboxOrder(t, ctx, bob, "priority"); !slices.Equal(got, []string{"erin", "dan"}) {
		t.Errorf("priority first: %v", got)
	}
	_, err = bob.Do(ctx, http.MethodGet, "/api/v1/brands/acme/inbox?sort=oldest", nil, nil)
	wantStatus(t, err, http.StatusBadRequest, "an unknown sort")
	// Paging the wait order by offset.
	page1, next, err := bob.Inbox(ctx, "acme", client.InboxFilter{Sort: "waiting", Limit: 1})
	must(t, err, "first page")
	page2, _, err := bob.Inbox(ctx, "acme", client.InboxFilter{Sort: "waiting", Limit: 1, Cursor: next})
	must(t, err, "second page")
	if len(page1) != 1 || len(page2) != 1 || page1[0].Customer.Handle != "dan" || page2[0].Customer.Handle != "erin" {
		t.Errorf("pages: %v then %v", page1, page2)
	}

	clk.Add(15 * time.Minute)
	it = findItem(t, ctx, bob, "dan")
	if it.SLA == nil || !it.SLA.Breached || it.SLA.RemainingSeconds != -300 {
		t.Fatalf("after 35 minutes: %+v", it.SLA)
	}
	d, err := bob.InboxConversation(ctx, "acme", danConv.ID)
	must(t, err, "detail")
	if d.Inbox.SLA == nil || !d.Inbox.SLA.Breached {
		t.Errorf("the detail shows the breach too: %+v", d.Inbox.SLA)
	}
	// An answer stops the clock; the customer's next message starts the
	// next-response target.
	_, err = bob.SendAsBrand(ctx, "acme", danConv.ID, client.BrandReply{Text: "On its way!"})
	must(t, err, "bob answers")
	if it := findItem(t, ctx, bob, "dan"); it.SLA != nil {
		t.Fatalf("answered: %+v", it.SLA)
	}
	clk.Add(time.Minute)
	e.send(dan, danConv.ID, "When exactly?")
	clk.Add(4 * time.Minute)
	if it := findItem(t, ctx, bob, "dan"); it.SLA == nil || it.SLA.Kind != "next_response" || it.SLA.TargetSeconds != 600 || it.SLA.RemainingSeconds != 360 {
		t.Fatalf("next response: %+v", it.SLA)
	}
	// Resolved: no target runs.
	_, err = bob.UpdateInboxConversation(ctx, "acme", danConv.ID, client.InboxUpdate{Status: ptr("resolved")})
	must(t, err, "resolve")
	if it := findItem(t, ctx, bob, "dan"); it.SLA != nil {
		t.Fatalf("resolved: %+v", it.SLA)
	}

	// Business hours: Monday to Friday 09:00-17:00 UTC. Frank writes at
	// 16:55 on Monday; at 09:05 on Tuesday ten business minutes have passed.
	days := []client.BusinessHoursDay{}
	for _, day := range []string{"mon", "tue", "wed", "thu", "fri"} {
		days = append(days, client.BusinessHoursDay{Day: day, Open: "09:00", Close: "17:00"})
	}
	_, err = acme.PutBrandSettings(ctx, "acme", client.BrandSettings{TimeZone: "UTC", HoursEnabled: ptr(true), Hours: &days})
	must(t, err, "business hours")
	clk.Add(time.Date(2026, 6, 1, 16, 55, 0, 0, time.UTC).Sub(clk.Now()))
	frank := e.user("frank")
	e.send(frank, e.direct(frank, "acme").ID, "Still open?")
	clk.Add(16*time.Hour + 10*time.Minute)
	if it := findItem(t, ctx, bob, "frank"); it.SLA == nil || it.SLA.RemainingSeconds != 1200 || it.SLA.Breached {
		t.Fatalf("overnight counts only business minutes: %+v", it.SLA)
	}
}

// TestConsoleMacro checks that a macro sends its reply and sets labels,
// status, priority and assignee in one go, and that a step that fails (an
// assignee who left the team) makes nothing happen at all: no reply, no
// change. Agents save their own macros and canned replies, which nobody
// else sees; shared ones are the admins'.
func TestConsoleMacro(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	team := e.agents(acme, "acme", "bob", "carol", "erin")
	bob, carol := team[0], team[1]
	dan := e.user("dan")
	conv := e.direct(dan, "acme")
	e.send(dan, conv.ID, "My order arrived broken")

	shared, err := acme.CreateMacro(ctx, "acme", client.MacroParams{Title: ptr("Refund"), Text: ptr("Sorry {{first_name|there}}, a refund is on its way."),
		AddLabels: &[]string{"refund", "Billing"}, Status: ptr("pending"), Priority: ptr("high"), Assign: ptr("carol")})
	must(t, err, "a shared macro")
	if shared.Personal || !slices.Equal(shared.AddLabels, []string{"refund", "billing"}) || shared.Assign != "carol" {
		t.Fatalf("shared macro: %+v", shared)
	}
	_, err = acme.CreateMacro(ctx, "acme", client.MacroParams{Title: ptr("Bad"), Assign: ptr("dan")})
	wantStatus(t, err, http.StatusBadRequest, "a macro assigning a customer")
	_, err = acme.CreateMacro(ctx, "acme", client.MacroParams{Title: ptr("Bad"), Text: ptr("Hi {{nickname}}")})
	wantStatus(t, err, http.StatusBadRequest, "a macro with an unknown placeholder")
	_, err = acme.CreateMacro(ctx, "acme", client.MacroParams{Title: ptr("Nothing")})
	wantStatus(t, err, http.StatusBadRequest, "a macro that does nothing")

	// Bob keeps his own macro and canned reply; carol does not see them.
	mine, err := bob.CreateMacro(ctx, "acme", client.MacroParams{Title: ptr("Escalate"), Assign: ptr("erin"), Priority: ptr("urgent")})
	must(t, err, "an agent's own macro")
	if !mine.Personal {
		t.Errorf("an agent's macro is personal: %+v", mine)
	}
	mineCanned, err := bob.CreateCannedReply(ctx, "acme", "bob's hello", "Hello from Bob")
	must(t, err, "an agent's own canned reply")
	if !mineCanned.Personal {
		t.Errorf("an agent's canned reply is personal: %+v", mineCanned)
	}
	cms, err := carol.Macros(ctx, "acme")
	must(t, err, "carol's macros")
	if len(cms) != 1 || cms[0].ID != shared.ID {
		t.Errorf("carol sees %+v, want only the shared macro", cms)
	}
	ccs, err := carol.CannedReplies(ctx, "acme")
	must(t, err, "carol's canned replies")
	if len(ccs) != 0 {
		t.Errorf("carol sees bob's canned reply: %+v", ccs)
	}
	_, err = carol.ApplyMacro(ctx, "acme", conv.ID, mine.ID, "")
	wantStatus(t, err, http.StatusNotFound, "carol applies bob's macro")
	_, err = carol.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{CannedReplyID: mineCanned.ID})
	wantStatus(t, err, http.StatusNotFound, "carol sends bob's canned reply")
	_, err = bob.Do(ctx, http.MethodPatch, "/api/v1/brands/acme/macros/"+shared.ID, strings.NewReader(`{"title":"Mine now"}`), nil)
	wantStatus(t, err, http.StatusForbidden, "an agent changes a shared macro")
	_, err = carol.Do(ctx, http.MethodDelete, "/api/v1/brands/acme/macros/"+mine.ID, nil, nil)
	wantStatus(t, err, http.StatusNotFound, "carol deletes bob's macro")

	// Applied: every step, and the customer sees only the reply.
	res, err := bob.ApplyMacro(ctx, "acme", conv.ID, shared.ID, "refund-1")
	must(t, err, "apply the refund macro")
	if res.Message == nil || res.Message.Text != "Sorry Dan, a refund is on its way." || res.Message.Author == nil || res.Message.Author.Handle != "bob" {
		t.Fatalf("the reply: %+v", res.Message)
	}
	in := res.Inbox
	if in.Status != "pending" || in.Priority != "high" || in.Assignee == nil || in.Assignee.Handle != "carol" || !slices.Equal(in.Labels, []string{"refund", "billing"}) {
		t.Fatalf("after the macro: %+v", in)
	}
	again, err := bob.ApplyMacro(ctx, "acme", conv.ID, shared.ID, "refund-1")
	must(t, err, "apply again with the same client_id")
	if again.Message == nil || again.Message.ID != res.Message.ID {
		t.Errorf("a retry sends a second reply: %+v", again.Message)
	}
	msgs, err := allMessages(ctx, dan, conv.ID)
	must(t, err, "dan's messages")
	if len(msgs) != 2 {
		t.Errorf("dan has %d messages, want his and one reply", len(msgs))
	}

	// Erin leaves the team: bob's macro that assigns her fails as a whole.
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Labels: &[]string{"refund"}})
	must(t, err, "set labels")
	withText, err := acme.CreateMacro(ctx, "acme", client.MacroParams{Title: ptr("To erin"), Text: ptr("Erin will help you."),
		AddLabels: &[]string{"escalated"}, Status: ptr("open"), Assign: ptr("erin")})
	must(t, err, "macro to erin")
	must(t, acme.RemoveTeamMember(ctx, "acme", "erin"), "erin leaves")
	before, err := bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "before")
	_, err = bob.ApplyMacro(ctx, "acme", conv.ID, withText.ID, "to-erin")
	wantStatus(t, err, http.StatusNotFound, "a macro whose assignee left")
	_, err = bob.ApplyMacro(ctx, "acme", conv.ID, mine.ID, "")
	wantStatus(t, err, http.StatusNotFound, "bob's own macro whose assignee left")
	after, err := bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "after")
	if after.Inbox.Status != before.Inbox.Status || after.Inbox.Priority != before.Inbox.Priority || !slices.Equal(after.Inbox.Labels, []string{"refund"}) ||
		after.Inbox.Assignee == nil || after.Inbox.Assignee.Handle != "carol" || len(after.Audit) != len(before.Audit) {
		t.Errorf("a failed macro changed something: %+v (audit %d -> %d)", after.Inbox, len(before.Audit), len(after.Audit))
	}
	if msgs, err := allMessages(ctx, dan, conv.ID); err != nil || len(msgs) != 2 {
		t.Errorf("a failed macro sent its reply: %d messages, %v", len(msgs), err)
	}
}

// TestConsoleMentionsAndAudit checks that an @mention in a private note
// notifies the mentioned team member only, and that the audit trail shows
// who changed what to the team and never to the customer.
func TestConsoleMentionsAndAudit(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	team := e.agents(acme, "acme", "bob", "carol", "erin")
	bob, carol, erin := team[0], team[1], team[2]
	dan, mallory := e.user("dan"), e.user("mallory")
	conv := e.direct(dan, "acme")
	e.send(dan, conv.ID, "Hi, I need help")

	curs := map[string]string{}
	clients := map[string]*client.Client{"bob": bob, "carol": carol, "erin": erin, "dan": dan, "mallory": mallory}
	for h, c := range clients {
		curs[h] = cursorNow(t, ctx, c)
	}
	carolStream, err := carol.Stream(ctx, curs["carol"])
	must(t, err, "carol's stream")
	defer carolStream.Close()

	_, err = bob.AddNote(ctx, "acme", conv.ID, "@carol can you check the order? (not for @mallory, @dan or @bob)")
	must(t, err, "a note with mentions")
	streamUntil(t, carolStream, "carol's mention", func(ev client.Event) bool {
		return ev.Type == "inbox.mention" && ev.ConversationID == conv.ID && ev.Note != nil && ev.Actor != nil && ev.Actor.Handle == "bob"
	})
	for h, c := range clients {
		evs, _ := eventsAfter(t, ctx, c, curs[h])
		mentioned := 0
		for _, ev := range evs {
			if ev.Type == "inbox.mention" {
				mentioned++
			}
			if (h == "dan" || h == "mallory") && strings.HasPrefix(ev.Type, "inbox.") {
				t.Errorf("%s got %s", h, ev.Type)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[h == "carol"]; mentioned != want {
			t.Errorf("%s got %d mentions, want %d", h, mentioned, want)
		}
	}

	// The audit trail: bob changes everything, the team sees small lines.
	danCursor := cursorNow(t, ctx, dan)
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Status: ptr("pending"), Labels: &[]string{"secret-label"},
		Priority: ptr("urgent"), Assignee: ptr("erin")})
	must(t, err, "triage")
	d, err := carol.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "the detail")
	got := map[string]client.AuditEntry{}
	for _, a := range d.Audit {
		got[a.Field] = a
	}
	for field, want := range map[string][2]string{"status": {"open", "pending"}, "labels": {"", "secret-label"}, "priority": {"none", "urgent"}, "assignee": {"bob", "erin"}} {
		a, ok := got[field]
		if !ok || a.From != want[0] || a.To != want[1] || a.Actor == nil || a.Actor.Handle != "bob" || a.AfterSeq != 1 {
			t.Errorf("audit of %s: %+v, want %v by bob after seq 1", field, a, want)
		}
	}
	// The team's logs keep each change, read back from the store.
	carolEvents, _ := eventsAfter(t, ctx, carol, curs["carol"])
	audited := map[string]bool{}
	for _, ev := range carolEvents {
		if ev.Type == "inbox.audit" {
			if ev.Audit == nil || ev.Audit.Actor == nil || ev.Audit.Actor.Handle != "bob" || ev.Brand != "acme" {
				t.Errorf("inbox.audit event: %+v", ev)
				continue
			}
			audited[ev.Audit.Field] = true
		}
	}
	if len(audited) != 4 {
		t.Errorf("carol's log has audit events of %v, want status, labels, priority and assignee", audited)
	}
	danEvents, _ := eventsAfter(t, ctx, dan, danCursor)
	raw, _ := json.Marshal(danEvents)
	for _, leak := range []string{"audit", "secret-label", "urgent", "inbox."} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the customer's events carry %q: %s", leak, raw)
		}
	}
	for _, p := range []string{"/api/v1/conversations/" + conv.ID, "/api/v1/conversations/" + conv.ID + "/messages", "/api/v1/conversations"} {
		if body := rawGet(t, ctx, dan, p); strings.Contains(body, "secret-label") || strings.Contains(body, "audit") {
			t.Errorf("GET %s shows the customer the audit: %s", p, body)
		}
	}
}

// TestConsoleRouting checks the cap of open conversations per agent and an
// agent team's own round-robin, by hand and from an automation rule.
func TestConsoleRouting(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	bob := e.agents(acme, "acme", "bob", "carol")[0]
	_, err := acme.PutServiceLevels(ctx, "acme", client.ServiceLevelsUpdate{MaxOpenPerAgent: ptr(1)})
	must(t, err, "a cap of one")
	assignee := func(customer string) string {
		it := findItem(t, ctx, bob, customer)
		if it.Assignee == nil {
			return ""
		}
		return it.Assignee.Handle
	}
	c1, c2, c3, c4 := e.user("cust1"), e.user("cust2"), e.user("cust3"), e.user("cust4")
	conv1 := e.direct(c1, "acme")
	e.send(c1, conv1.ID, "one")
	e.send(c2, e.direct(c2, "acme").ID, "two")
	e.send(c3, e.direct(c3, "acme").ID, "three")
	a1, a2, a3 := assignee("cust1"), assignee("cust2"), assignee("cust3")
	if a1 == "" || a2 == "" || a1 == a2 || a3 != "" {
		t.Fatalf("with a cap of one: %q %q %q, want two agents and one waiting unassigned", a1, a2, a3)
	}
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv1.ID, client.InboxUpdate{Status: ptr("resolved")})
	must(t, err, "resolve the first")
	e.send(c4, e.direct(c4, "acme").ID, "four")
	if a4 := assignee("cust4"); a4 != a1 {
		t.Errorf("after a resolution the freed agent %q gets the next, got %q", a1, a4)
	}

	// Agent teams: billing is carol and dave, with its own round-robin.
	_, err = acme.PutServiceLevels(ctx, "acme", client.ServiceLevelsUpdate{MaxOpenPerAgent: ptr(0)})
	must(t, err, "no cap")
	e.user("dave")
	_, err = acme.AddTeamMember(ctx, "acme", "dave", "agent")
	must(t, err, "add dave")
	_, err = bob.CreateAgentTeam(ctx, "acme", "billing", []string{"carol", "dave"})
	wantStatus(t, err, http.StatusForbidden, "an agent creates an agent team")
	_, err = acme.CreateAgentTeam(ctx, "acme", "billing", []string{"carol", "cust1"})
	wantStatus(t, err, http.StatusNotFound, "a customer in an agent team")
	billing, err := acme.CreateAgentTeam(ctx, "acme", "Billing", []string{"carol", "dave"})
	must(t, err, "billing team")
	if billing.Name != "billing" || len(billing.Members) != 2 {
		t.Fatalf("billing: %+v", billing)
	}
	_, err = acme.CreateAgentTeam(ctx, "acme", "billing", nil)
	wantStatus(t, err, http.StatusConflict, "a second billing team")
	var picked []string
	for _, h := range []string{"cust2", "cust3"} {
		it := findItem(t, ctx, bob, h)
		v, err := bob.UpdateInboxConversation(ctx, "acme", it.ConversationID, client.InboxUpdate{Team: ptr("billing")})
		must(t, err, "assign to billing")
		if v.Assignee == nil {
			t.Fatalf("billing assigned nobody")
		}
		picked = append(picked, v.Assignee.Handle)
	}
	slices.Sort(picked)
	if !slices.Equal(picked, []string{"carol", "dave"}) {
		t.Errorf("billing's round-robin gave %v, want carol and dave", picked)
	}
	it := findItem(t, ctx, bob, "cust2")
	_, err = bob.UpdateInboxConversation(ctx, "acme", it.ConversationID, client.InboxUpdate{Team: ptr("shipping")})
	wantStatus(t, err, http.StatusNotFound, "an unknown team")

	// A rule assigns refunds to billing.
	_, err = acme.PutAutomation(ctx, "acme", client.AutomationSettings{Enabled: true})
	must(t, err, "automation on")
	_, err = acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "nope", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"refund"}},
		Actions: []client.RuleAction{{Type: "assign", Value: "team:shipping"}}})
	wantStatus(t, err, http.StatusBadRequest, "a rule assigning an unknown team")
	_, err = acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "refunds", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"refund"}},
		Actions: []client.RuleAction{{Type: "assign", Value: "team:billing"}}})
	must(t, err, "a rule assigning billing")
	eve := e.user("eve")
	e.send(eve, e.direct(eve, "acme").ID, "I want a refund")
	if a := assignee("eve"); a != "carol" && a != "dave" {
		t.Errorf("the rule assigned %q, want a member of billing", a)
	}
}

// TestConsoleCustomerPanel checks the customer panel and the notes that stay
// with a customer, and that every new route is a 404 to anyone outside the
// team.
func TestConsoleCustomerPanel(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	bob := e.user("bob")
	_, err := acme.AddTeamMember(ctx, "acme", "bob", "agent")
	must(t, err, "add bob")
	dan, stranger := e.user("dan"), e.user("stranger")
	must(t, dan.Follow(ctx, "acme"), "dan follows acme")
	conv := e.direct(dan, "acme")
	e.send(dan, conv.ID, "first question")
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Status: ptr("resolved"), Labels: &[]string{"vip"}})
	must(t, err, "resolve")
	e.send(dan, conv.ID, "second question")
	_, err = bob.SetCustomerAttributes(ctx, "acme", "dan", map[string]string{"plan": "gold"})
	must(t, err, "an agent edits an attribute")
	_, err = bob.AddCustomerNote(ctx, "acme", "dan", "Prefers e-mail <b>follow-ups</b>")
	must(t, err, "a note on dan")
	_, err = bob.AddCustomerNote(ctx, "acme", "dan", "   ")
	wantStatus(t, err, http.StatusBadRequest, "a blank note")

	p, err := bob.Customer(ctx, "acme", "dan")
	must(t, err, "the panel")
	if p.Customer.Handle != "dan" || p.Customer.DisplayName != "Dan" || !p.FollowsBrand || p.ConversationID != conv.ID || p.FirstContact.IsZero() {
		t.Errorf("panel: %+v", p)
	}
	if len(p.Conversations) != 2 || p.Conversations[1].ResolvedAt == nil || p.Conversations[0].ResolvedAt != nil {
		t.Errorf("earlier conversations: %+v", p.Conversations)
	}
	if p.Attributes["plan"] != "gold" || !slices.Equal(p.Labels, []string{"vip"}) || len(p.Notes) != 1 || p.Notes[0].Author.Handle != "bob" || p.Notes[0].Text != "Prefers e-mail <b>follow-ups</b>" {
		t.Errorf("panel details: %+v", p)
	}
	_, err = bob.Customer(ctx, "acme", "stranger")
	wantStatus(t, err, http.StatusNotFound, "the panel of someone who never wrote")

	// Every new route is a 404 to a customer and a stranger.
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/brands/acme/service-levels", ""},
		{"PUT", "/api/v1/brands/acme/service-levels", `{"first_response_minutes":5}`},
		{"GET", "/api/v1/brands/acme/agent-teams", ""},
		{"POST", "/api/v1/brands/acme/agent-teams", `{"name":"x"}`},
		{"PATCH", "/api/v1/brands/acme/agent-teams/x", `{"name":"y"}`},
		{"DELETE", "/api/v1/brands/acme/agent-teams/x", ""},
		{"GET", "/api/v1/brands/acme/macros", ""},
		{"POST", "/api/v1/brands/acme/macros", `{"title":"x","status":"open"}`},
		{"PATCH", "/api/v1/brands/acme/macros/x", `{"title":"y"}`},
		{"DELETE", "/api/v1/brands/acme/macros/x", ""},
		{"POST", "/api/v1/brands/acme/conversations/" + conv.ID + "/macro", `{"macro_id":"x"}`},
		{"GET", "/api/v1/brands/acme/customers/dan", ""},
		{"POST", "/api/v1/brands/acme/customers/dan/notes", `{"text":"x"}`},
		{"GET", "/api/v1/brands/acme/inbox?sort=waiting", ""},
	}
	for _, c := range []*client.Client{dan, stranger} {
		for _, r := range routes {
			var body *strings.Reader
			if r.body != "" {
				body = strings.NewReader(r.body)
			}
			var err error
			if body != nil {
				_, err = c.Do(ctx, r.method, r.path, body, nil)
			} else {
				_, err = c.Do(ctx, r.method, r.path, nil, nil)
			}
			wantStatus(t, err, http.StatusNotFound, r.method+" "+r.path+" by an outsider")
		}
	}
}
