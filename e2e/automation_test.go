package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/server"
)

// clock is a server clock the test moves on, for timers and business hours.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startClocked boots a server whose time-based rules run on clk and whose
// job runner looks for due jobs every 10 ms.
func startClocked(t *testing.T, clk *clock) *env {
	t.Helper()
	srv, err := server.New(t.Context(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), RateLimitOff: true,
		Now: clk.Now, JobPoll: 10 * time.Millisecond, PasswordCost: identity.CheapPasswordCost(), Logger: slog.New(slog.DiscardHandler)})
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
	return &env{t: t, ctx: t.Context(), url: srv.URL()}
}

// waitMessages polls a conversation (bounded) until ok holds for its
// messages, newest first, and returns them.
func waitMessages(t *testing.T, c *client.Client, convID, what string, ok func([]client.Message) bool) []client.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, err := allMessages(t.Context(), c, convID)
		must(t, err, "list messages")
		if ok(msgs) {
			return msgs
		}
		if time.Now().After(deadline) {
			var texts []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
			}
			t.Fatalf("waiting for %s; messages (newest first): %q", what, texts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countAutomated(msgs []client.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Automated {
			n++
		}
	}
	return n
}

// settle gives jobs that should not run a chance to (a bounded look for
// something that must not happen).
func settle() { time.Sleep(150 * time.Millisecond) }

// TestBotKeywordReplyAndHumanTouch: a keyword rule answers with a
// personalised reply marked automated, live on the customer's WebSocket and
// with its quick replies; "talk to a person" hands off at once (assigned,
// the team told live, a confirmation), and after that, and after any person
// of the team writes, the bot stays quiet until the conversation is resolved.
func TestBotKeywordReplyAndHumanTouch(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	bob := e.user("bobby")
	_, err := acme.AddTeamMember(ctx, "acme", "bobby", "agent")
	must(t, err, "add an agent")
	dana := e.user("dana")

	_, err = acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "refunds", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"refund", "money back"}},
		Actions: []client.RuleAction{{Type: "reply", Text: "Hi {{first_name|there}}! Refunds take 5 days.",
			QuickReplies: []client.QuickReply{{Title: "Track my refund", Payload: "TRACK"}}}, {Type: "add_label", Value: "refund"}}})
	must(t, err, "save a keyword rule")

	stream, err := dana.Stream(ctx, "")
	must(t, err, "customer's stream")
	defer stream.Close()
	agentStream, err := bob.Stream(ctx, "")
	must(t, err, "agent's stream")
	defer agentStream.Close()

	conv := e.direct(dana, "acme")
	e.send(dana, conv.ID, "Can I get my MONEY back?")
	streamUntil(t, stream, "the bot's reply", func(ev client.Event) bool {
		if ev.Type != "message.created" || ev.Message == nil || ev.Message.Sender.Handle != "acme" {
			return false
		}
		m := ev.Message
		if !m.Automated || m.Text != "Hi Dana! Refunds take 5 days." || len(m.QuickReplies) != 1 || m.QuickReplies[0].Payload != "TRACK" {
			t.Fatalf("the bot's reply: %+v", m)
		}
		return true
	})
	// History shows the same, and the rule labelled the conversation.
	msgs := waitMessages(t, dana, conv.ID, "the reply in history", func(ms []client.Message) bool { return countAutomated(ms) == 1 })
	if len(msgs[0].QuickReplies) != 1 {
		t.Errorf("quick replies missing from history: %+v", msgs[0])
	}
	d, err := bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "team view")
	if !strings.Contains(strings.Join(d.Inbox.Labels, ","), "refund") {
		t.Errorf("labels %v, want refund", d.Inbox.Labels)
	}

	// The customer asks for a person: hand-off, live to the team.
	e.send(dana, conv.ID, "I want to talk to a HUMAN")
	streamUntil(t, agentStream, "the hand-off notice", func(ev client.Event) bool {
		return ev.Type == "inbox.updated" && ev.State == "handoff" && ev.Inbox != nil && ev.Inbox.Assignee != nil && ev.Inbox.Assignee.Handle == "bobby"
	})
	waitMessages(t, dana, conv.ID, "the hand-off confirmation", func(ms []client.Message) bool { return countAutomated(ms) == 2 })
	e.send(dana, conv.ID, "refund refund refund")
	settle()
	if msgs := waitMessages(t, dana, conv.ID, "history", func([]client.Message) bool { return true }); countAutomated(msgs) != 2 {
		t.Fatalf("the bot answered after the hand-off: %d automated messages", countAutomated(msgs))
	}

	// Resolved: the bot may answer again; a person writes: quiet again.
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Status: ptr("resolved")})
	must(t, err, "resolve")
	e.send(dana, conv.ID, "one more refund question")
	waitMessages(t, dana, conv.ID, "a reply after resolution", func(ms []client.Message) bool { return countAutomated(ms) == 3 })
	_, err = bob.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "Bob here, I'll check it."})
	must(t, err, "agent replies")
	e.send(dana, conv.ID, "thanks! and my refund?")
	settle()
	if msgs := waitMessages(t, dana, conv.ID, "history", func([]client.Message) bool { return true }); countAutomated(msgs) != 3 {
		t.Fatalf("the bot answered after a person wrote: %d automated messages", countAutomated(msgs))
	}
	log, err := bob.AutomationLog(ctx, "acme", conv.ID)
	must(t, err, "audit log")
	outcomes := map[string]int{}
	for _, l := range log {
		outcomes[l.Outcome]++
	}
	if outcomes["fired"] < 2 || outcomes["handoff"] != 1 || outcomes["silent"] < 2 {
		t.Errorf("audit trail outcomes %v, want fired >= 2, one handoff, silent >= 2", outcomes)
	}
	// Analytics count the bot's work: the first thread was answered by the
	// bot, handed off, and resolved before any person wrote; the second
	// thread (after the resolution) was answered by the bot too.
	rep, err := bob.Analytics(ctx, "acme", time.Time{}, time.Time{})
	must(t, err, "analytics")
	if rep.Bot.AnsweredByBot != 2 || rep.Bot.HandedOff != 1 || rep.Bot.ResolvedWithoutHuman != 1 {
		t.Errorf("bot analytics %+v, want answered 2, handed off 1, resolved without a human 1", rep.Bot)
	}
}

// TestBotIceBreakersAndFlow: a brand's ice breakers are on its profile; a
// customer opening a first conversation taps one, which starts a flow; a
// quick-reply tap advances the flow; the hand-off option of a flow hands off.
func TestBotIceBreakersAndFlow(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	shop := e.brandAccount("shop", "Shop")
	ann := e.user("annie")

	flow, err := shop.PutFlow(ctx, "shop", client.Flow{Name: "orders", Steps: []client.FlowStep{
		{ID: "start", Text: "What about your order?", Options: []client.FlowOption{{Title: "Where is it?", Next: "where"}, {Title: "A person", Handoff: true}}},
		{ID: "where", Text: "It ships within 2 days.", Options: []client.FlowOption{{Title: "Thanks"}}},
	}})
	must(t, err, "save a flow")
	_, err = shop.PutAutomation(ctx, "shop", client.AutomationSettings{Enabled: true,
		IceBreakers: []client.QuickReply{{Title: "Where is my order?", Payload: "ORDER"}}, Menu: []client.QuickReply{{Title: "Orders", Payload: "ORDER"}}})
	must(t, err, "settings with ice breakers")
	_, err = shop.PutRule(ctx, "shop", client.Rule{Enabled: true, Name: "orders", Trigger: client.RuleTrigger{Type: "quick_reply", Payload: "ORDER"},
		Actions: []client.RuleAction{{Type: "start_flow", Value: flow.ID}}})
	must(t, err, "rule starting the flow")

	p, err := ann.Account(ctx, "shop")
	must(t, err, "brand profile")
	if p.Bot == nil || len(p.Bot.IceBreakers) != 1 || p.Bot.IceBreakers[0].Payload != "ORDER" || len(p.Bot.Menu) != 1 || p.Bot.Handoff.Payload == "" {
		t.Fatalf("profile bot entry: %+v", p.Bot)
	}
	conv := e.direct(ann, "shop")
	ib := p.Bot.IceBreakers[0]
	_, _, err = ann.Send(ctx, conv.ID, client.SendParams{Text: ib.Title, Payload: ib.Payload})
	must(t, err, "tap the ice breaker")
	msgs := waitMessages(t, ann, conv.ID, "the flow's first step", func(ms []client.Message) bool { return countAutomated(ms) == 1 })
	step := msgs[0]
	if step.Text != "What about your order?" || len(step.QuickReplies) != 2 {
		t.Fatalf("first step: %+v", step)
	}
	tap := step.QuickReplies[0]
	_, _, err = ann.Send(ctx, conv.ID, client.SendParams{Text: tap.Title, Payload: tap.Payload})
	must(t, err, "tap a quick reply")
	msgs = waitMessages(t, ann, conv.ID, "the next step", func(ms []client.Message) bool { return countAutomated(ms) == 2 })
	if msgs[0].Text != "It ships within 2 days." {
		t.Fatalf("after the tap: %+v", msgs[0])
	}
	// A forged payload of a step that does not exist does nothing.
	_, _, err = ann.Send(ctx, conv.ID, client.SendParams{Text: "x", Payload: "flow:" + flow.ID + ":nope:0"})
	must(t, err, "send a forged payload")
	settle()
	if msgs := waitMessages(t, ann, conv.ID, "history", func([]client.Message) bool { return true }); countAutomated(msgs) != 2 {
		t.Fatalf("a forged payload made the bot speak")
	}
	// A payload over the limit is a 400 and stores nothing.
	_, _, err = ann.Send(ctx, conv.ID, client.SendParams{Text: "x", Payload: strings.Repeat("p", 1001)})
	wantStatus(t, err, http.StatusBadRequest, "a payload over 1000 bytes")
}

// TestBotTimersAndLoopGuard: "no reply within N minutes" timers run on the
// server's clock (moved on by the test), stop once a person answers, and
// the loop guard stops a sequence of follow-ups after 3 bot messages.
func TestBotTimersAndLoopGuard(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	cy := e.user("cyril")
	for i, m := range []int{5, 10, 15, 20} {
		_, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "follow-up " + string(rune('a'+i)), Trigger: client.RuleTrigger{Type: "no_reply", Minutes: m},
			Actions: []client.RuleAction{{Type: "reply", Text: "Still with us? (" + string(rune('a'+i)) + ")"}}})
		must(t, err, "timer rule")
	}
	conv := e.direct(cy, "acme")
	e.send(cy, conv.ID, "hello?")
	settle()
	if n := countAutomated(waitMessages(t, cy, conv.ID, "history", func([]client.Message) bool { return true })); n != 0 {
		t.Fatalf("%d bot messages before any timer ran out", n)
	}
	for i := 1; i <= 4; i++ {
		clk.Add(5 * time.Minute)
		want := min(i, 3)
		waitMessages(t, cy, conv.ID, "follow-ups", func(ms []client.Message) bool { return countAutomated(ms) == want })
	}
	settle()
	if n := countAutomated(waitMessages(t, cy, conv.ID, "history", func([]client.Message) bool { return true })); n != 3 {
		t.Fatalf("%d follow-ups, want 3: the loop guard stops the fourth", n)
	}
	log, err := acme.AutomationLog(ctx, "acme", conv.ID)
	must(t, err, "log")
	guard := false
	for _, l := range log {
		guard = guard || l.Outcome == "loop_guard"
	}
	if !guard {
		t.Errorf("no loop_guard entry in the audit trail: %+v", log)
	}

	// A person answers the next wait before its timer: nothing is sent.
	e.send(cy, conv.ID, "hello again")
	_, err = acme.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "Here!"})
	must(t, err, "a person answers")
	clk.Add(time.Hour)
	settle()
	if n := countAutomated(waitMessages(t, cy, conv.ID, "history", func([]client.Message) bool { return true })); n != 3 {
		t.Fatalf("a timer fired after a person answered: %d bot messages", n)
	}
}

// TestBotRulesAPI: validation names the field; agents read and dry-run but
// cannot change rules; outsiders get 404; a dry run sends nothing.
func TestBotRulesAPI(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	agent := e.user("agnes")
	_, err := acme.AddTeamMember(ctx, "acme", "agnes", "agent")
	must(t, err, "add an agent")
	outsider := e.user("oscar")

	bad := []struct {
		rule  client.Rule
		field string
	}{
		{client.Rule{Enabled: true, Name: "x", Trigger: client.RuleTrigger{Type: "whenever"}, Actions: []client.RuleAction{{Type: "handoff"}}}, "trigger.type"},
		{client.Rule{Enabled: true, Name: "x", Trigger: client.RuleTrigger{Type: "message"}, Actions: []client.RuleAction{{Type: "reply", Text: "hi",
			QuickReplies: []client.QuickReply{{Title: "far too long for a button title", Payload: "p"}}}}}, "actions[0].quick_replies[0].title"},
		{client.Rule{Enabled: true, Name: "x", Trigger: client.RuleTrigger{Type: "message"}, Actions: []client.RuleAction{{Type: "reply", Text: "Hi {{nickname}}"}}}, "actions[0].text"},
		{client.Rule{Enabled: true, Name: "x", Trigger: client.RuleTrigger{Type: "message"}, Actions: []client.RuleAction{{Type: "assign", Value: "oscar"}}}, "actions[0].value"},
	}
	for _, b := range bad {
		_, err := acme.PutRule(ctx, "acme", b.rule)
		ce := wantStatus(t, err, http.StatusBadRequest, "an invalid rule")
		if ce != nil && !strings.HasPrefix(ce.Message, b.field+":") {
			t.Errorf("error %q does not name %s", ce.Message, b.field)
		}
	}
	good := client.Rule{Enabled: true, Name: "hello", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"bonjour"}},
		Actions: []client.RuleAction{{Type: "reply", Text: "Bonjour {{first_name|toi}} !"}}}
	_, err = agent.PutRule(ctx, "acme", good)
	wantStatus(t, err, http.StatusForbidden, "an agent saves a rule")
	_, err = outsider.Rules(ctx, "acme")
	wantStatus(t, err, http.StatusNotFound, "an outsider lists rules")
	_, err = outsider.DryRunRules(ctx, "acme", client.DryRun{Text: "bonjour"})
	wantStatus(t, err, http.StatusNotFound, "an outsider dry-runs")
	r1, err := acme.PutRule(ctx, "acme", good)
	must(t, err, "save a rule")
	r2, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "tag", Trigger: client.RuleTrigger{Type: "message"}, Actions: []client.RuleAction{{Type: "add_label", Value: "new"}}})
	must(t, err, "save a second rule")
	rules, err := acme.ReorderRules(ctx, "acme", []string{r2.ID, r1.ID})
	must(t, err, "reorder")
	if rules[0].ID != r2.ID {
		t.Errorf("order after reordering: %s first", rules[0].ID)
	}
	_, err = acme.ReorderRules(ctx, "acme", []string{r2.ID})
	wantStatus(t, err, http.StatusBadRequest, "a reorder that leaves a rule out")

	res, err := agent.DryRunRules(ctx, "acme", client.DryRun{Text: "Bonjour !"})
	must(t, err, "an agent dry-runs")
	if res.Reply == nil || res.Reply.Text != "Bonjour toi !" || len(res.AddLabels) != 1 || res.AddLabels[0] != "new" {
		t.Fatalf("dry run: %+v", res)
	}
	// The same with a real customer uses their name; nothing was sent.
	cust := e.user("zoe")
	conv := e.direct(cust, "acme")
	res, err = agent.DryRunRules(ctx, "acme", client.DryRun{Text: "bonjour", Customer: "zoe"})
	must(t, err, "dry run for a customer")
	if res.Reply == nil || res.Reply.Text != "Bonjour Zoe !" {
		t.Fatalf("dry run for zoe: %+v", res.Reply)
	}
	msgs, err := allMessages(ctx, cust, conv.ID)
	must(t, err, "history")
	if len(msgs) != 0 {
		t.Fatalf("a dry run sent %d messages", len(msgs))
	}
	// Switched off, the bot does nothing.
	_, err = acme.PutAutomation(ctx, "acme", client.AutomationSettings{Enabled: false})
	must(t, err, "switch the bot off")
	e.send(cust, conv.ID, "bonjour")
	settle()
	if n := countAutomated(waitMessages(t, cust, conv.ID, "history", func([]client.Message) bool { return true })); n != 0 {
		t.Fatalf("a switched-off bot sent %d messages", n)
	}
}

// TestBotNeverWritesToABlocker: a customer who blocks the brand gets no bot
// message, not even one decided (a timer armed) before the block.
func TestBotNeverWritesToABlocker(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	cy := e.user("cyd")
	_, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "nudge", Trigger: client.RuleTrigger{Type: "no_reply", Minutes: 5},
		Actions: []client.RuleAction{{Type: "reply", Text: "Still there?"}}})
	must(t, err, "timer rule")
	conv := e.direct(cy, "acme")
	e.send(cy, conv.ID, "hello")
	must(t, cy.Block(ctx, "acme"), "the customer blocks the brand")
	clk.Add(10 * time.Minute)
	// The timer runs out and its rule fires (the audit trail says so) ...
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		log, err := acme.AutomationLog(ctx, "acme", conv.ID)
		must(t, err, "log")
		if slices.ContainsFunc(log, func(l client.AutomationLogEntry) bool { return l.Event == "no_reply" && l.Outcome == "fired" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the timer never fired: %+v", log)
		}
	}
	// ... but its message is refused by the block and never stored.
	settle()
	d, err := acme.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "the brand's view")
	for _, m := range d.Messages {
		if m.Automated {
			t.Fatalf("the bot wrote to a customer who blocked the brand: %+v", m)
		}
	}
}

// TestConsentGate: every automated message passes the consent engine. STOP
// is confirmed once and stops follow-ups at once (replies to the person's
// own questions still come); START is confirmed and lets them through again;
// a follow-up due in quiet hours is put off to the morning, not dropped.
func TestConsentGate(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	_, err := acme.PutBrandSettings(ctx, "acme", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand time zone")
	for _, r := range []client.Rule{
		{Enabled: true, Name: "nudge", Trigger: client.RuleTrigger{Type: "no_reply", Minutes: 5}, Actions: []client.RuleAction{{Type: "reply", Text: "Still there?"}}},
		{Enabled: true, Name: "refunds", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"refund"}}, Actions: []client.RuleAction{{Type: "reply", Text: "Refunds take 5 days."}}},
	} {
		_, err := acme.PutRule(ctx, "acme", r)
		must(t, err, "rule")
	}
	eve := e.user("eve")
	conv := e.direct(eve, "acme")
	texts := func() []string {
		msgs, err := allMessages(ctx, eve, conv.ID)
		must(t, err, "history")
		var out []string
		for _, m := range msgs {
			if m.Automated {
				out = append([]string{m.Text}, out...)
			}
		}
		return out
	}
	waitTexts := func(n int) []string {
		waitMessages(t, eve, conv.ID, "automated messages", func(ms []client.Message) bool { return countAutomated(ms) == n })
		return texts()
	}

	e.send(eve, conv.ID, "hello") // arms the 5-minute nudge
	e.send(eve, conv.ID, "STOP")  // confirmed once
	got := waitTexts(1)
	if !strings.HasPrefix(got[0], "You won't get automated messages from Acme") {
		t.Fatalf("STOP confirmation: %q", got)
	}
	clk.Add(10 * time.Minute) // the nudge is due, but she said STOP
	settle()
	e.send(eve, conv.ID, "what about my refund?") // her own question: answered
	got = waitTexts(2)
	if got[1] != "Refunds take 5 days." {
		t.Fatalf("after STOP, a reply to her question: %q", got)
	}
	e.send(eve, conv.ID, "start")
	got = waitTexts(3)
	if !strings.HasPrefix(got[2], "You'll get messages from Acme again") {
		t.Fatalf("START confirmation: %q", got)
	}

	// Quiet hours (21:00 to 09:00 in her zone): a nudge due at 21:03 waits
	// for 09:00.
	clk.Add(time.Date(2026, 6, 1, 20, 58, 0, 0, time.UTC).Sub(clk.Now()))
	_, err = acme.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "Anything else?"}) // a person answers: the wait ends
	must(t, err, "agent reply")
	_, err = acme.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Status: ptr("resolved")}) // the bot may speak again
	must(t, err, "resolve")
	e.send(eve, conv.ID, "one more thing") // a new wait: nudge due 21:03
	clk.Add(10 * time.Minute)
	settle()
	if got := texts(); len(got) != 3 {
		t.Fatalf("a nudge went out in quiet hours: %q", got)
	}
	clk.Add(time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC).Sub(clk.Now()))
	got = waitTexts(4)
	if got[3] != "Still there?" {
		t.Fatalf("the morning's nudge: %q", got)
	}
}

// TestBotButtonsInTheTeamView: the team's view of a conversation shows the
// quick replies the bot offered, after a reload as live.
func TestBotButtonsInTheTeamView(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	_, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "menu", Trigger: client.RuleTrigger{Type: "message"},
		Actions: []client.RuleAction{{Type: "reply", Text: "How can we help?", QuickReplies: []client.QuickReply{{Title: "Orders", Payload: "ORDERS"}}}}})
	must(t, err, "rule")
	cy := e.user("cyan")
	conv := e.direct(cy, "acme")
	e.send(cy, conv.ID, "hi")
	waitMessages(t, cy, conv.ID, "the bot's answer", func(ms []client.Message) bool { return countAutomated(ms) == 1 })
	d, err := acme.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "team view")
	if len(d.Messages) == 0 || !d.Messages[0].Automated || len(d.Messages[0].QuickReplies) != 1 || d.Messages[0].QuickReplies[0].Payload != "ORDERS" {
		t.Fatalf("the team's view of the bot's message: %+v", d.Messages)
	}
}
