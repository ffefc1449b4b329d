package automation

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/parleyhq/parley/internal/dm"
)

func TestKeywordMatching(t *testing.T) {
	for _, tc := range []struct {
		keyword, text string
		want          bool
	}{
		{"refund", "I want a REFUND!", true},
		{"refund", "(refund)", true},
		{"refund", "refunded already", false}, // whole words only
		{"order status", "what is my Order  status?", true},
		{"order status", "status of my order", false}, // a phrase keeps its order
		{"cafe", "Un café, s'il vous plaît", true},    // accents do not matter
		{"café", "CAFE", true},
		{"livraison", "Où est ma LIVRAISON ?", true},
		{"доставка", "Где моя Доставка?", true}, // Cyrillic
		{"ayuda", "¿Me ayudas?", false},
		{"ayuda", "Necesito ayuda.", true},
		{"help", "ＨＥＬＰ me", true}, // full-width letters
		{"配送", "配送はいつですか", true},  // no spaces between words: a substring
		{"返品", "配送はいつですか", false},
		{"straße", "Welche Straße?", true},
		{"", "anything", false},
	} {
		got := compilePhrase(tc.keyword).matches(prepareText(tc.text, true))
		if got != tc.want {
			t.Errorf("keyword %q in %q = %v, want %v", tc.keyword, tc.text, got, tc.want)
		}
	}
}

func reply(id, name string, tr dm.Trigger, text string, conds ...dm.Condition) dm.Rule {
	return dm.Rule{ID: id, Name: name, Enabled: true, Trigger: tr, Conditions: conds, Actions: []dm.Action{{Type: dm.ActReply, Text: text}}}
}

func program(rules []dm.Rule, flows ...dm.Flow) *Program {
	return Compile(dm.AutomationSettings{Enabled: true}, rules, flows)
}

func TestEvaluate(t *testing.T) {
	kw := func(k ...string) dm.Trigger { return dm.Trigger{Type: dm.TriggerKeyword, Keywords: k} }
	rules := []dm.Rule{
		reply("r1", "refunds", kw("refund", "money back"), "Refunds take 5 days."),
		reply("r2", "hello", kw("hello", "bonjour"), "Hi {{first_name|there}}!"),
		{ID: "r3", Name: "label refunds", Enabled: true, Trigger: kw("refund"), Actions: []dm.Action{{Type: dm.ActAddLabel, Value: "refund"}, {Type: dm.ActSetPriority, Value: dm.PriorityHigh}}},
		reply("r4", "followers only", kw("vip"), "Welcome, VIP.", dm.Condition{Type: dm.CondFollows}),
		reply("r5", "disabled", kw("hello"), "never"),
		reply("r6", "first", dm.Trigger{Type: dm.TriggerFirstMessage}, "Welcome to Acme!"),
		reply("r7", "night", kw("open"), "We open at 9.", dm.Condition{Type: dm.CondTimeWindow, From: "21:00", To: "09:00"}),
	}
	rules[4].Enabled = false
	p := program(rules)
	night := time.Date(2026, 5, 1, 23, 30, 0, 0, time.UTC)
	noon := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		ev     Event
		send   string // "" : nothing sent
		labels []string
		fired  int
	}{
		{"keyword", Event{Kind: EventMessage, Text: "Can I get my money back?"}, "Refunds take 5 days.", nil, 1},
		{"two rules, one answer, both apply", Event{Kind: EventMessage, Text: "refund please"}, "Refunds take 5 days.", []string{"refund"}, 2},
		{"first matching rule answers", Event{Kind: EventMessage, Text: "hello, refund?"}, "Refunds take 5 days.", []string{"refund"}, 3},
		{"disabled rules never fire", Event{Kind: EventMessage, Text: "hello"}, "Hi {{first_name|there}}!", nil, 1},
		{"condition false", Event{Kind: EventMessage, Text: "vip"}, "", nil, 0},
		{"condition true", Event{Kind: EventMessage, Text: "vip", Follows: true}, "Welcome, VIP.", nil, 1},
		{"first message", Event{Kind: EventMessage, Text: "yo", First: true}, "Welcome to Acme!", nil, 1},
		{"time window across midnight", Event{Kind: EventMessage, Text: "are you open", Local: night}, "We open at 9.", nil, 1},
		{"outside the window", Event{Kind: EventMessage, Text: "are you open", Local: noon}, "", nil, 0},
		{"a bot's message triggers nothing", Event{Kind: EventMessage, Text: "refund", Automated: true}, "", nil, 0},
		{"silent after a person wrote", Event{Kind: EventMessage, Text: "hello", State: dm.BotState{Silent: true}}, "", nil, 1},
		{"resolved ends the quiet", Event{Kind: EventResolved, State: dm.BotState{Silent: true}}, "", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Evaluate(tc.ev)
			got := ""
			if d.Send != nil {
				got = d.Send.Text
			}
			if got != tc.send {
				t.Errorf("sends %q, want %q (log %+v)", got, tc.send, d.Log)
			}
			if strings.Join(d.AddLabels, ",") != strings.Join(tc.labels, ",") {
				t.Errorf("labels %v, want %v", d.AddLabels, tc.labels)
			}
			fired := 0
			for _, l := range d.Log {
				if l.Outcome == "fired" {
					fired++
				}
			}
			if fired != tc.fired {
				t.Errorf("%d rules fired, want %d: %+v", fired, tc.fired, d.Log)
			}
		})
	}
}

func TestHandoff(t *testing.T) {
	p := program([]dm.Rule{reply("r1", "any", dm.Trigger{Type: dm.TriggerMessage}, "Bot here.")})
	for _, text := range []string{"I want a HUMAN", "can I talk to an agent?", "a real person please", "Humàn!"} {
		d := p.Evaluate(Event{Kind: EventMessage, Text: text})
		if !d.Handoff || d.Send == nil || d.Send.Text != DefaultHandoffMessage || !d.State.Silent || !d.State.HandedOff || d.Assign != "round_robin" {
			t.Errorf("%q: %+v", text, d)
		}
	}
	// "personal" is not "person": whole words only.
	if d := p.Evaluate(Event{Kind: EventMessage, Text: "a personal question"}); d.Handoff {
		t.Error("'personal' handed off")
	}
	// The button does it too, and a second ask is not answered twice.
	d := p.Evaluate(Event{Kind: EventMessage, Text: "Talk to a person", Payload: HandoffPayload})
	if !d.Handoff || d.Send == nil {
		t.Fatalf("button: %+v", d)
	}
	d2 := p.Evaluate(Event{Kind: EventMessage, Text: "human!!", State: d.State})
	if !d2.Handoff || d2.Send != nil {
		t.Errorf("second hand-off request: %+v, want no second confirmation", d2)
	}
	// While handed off, the bot stays quiet.
	if d3 := p.Evaluate(Event{Kind: EventMessage, Text: "hello?", State: d.State}); d3.Send != nil {
		t.Errorf("bot answered after the hand-off: %+v", d3.Send)
	}
	// Configured words replace the defaults, in any language.
	q := Compile(dm.AutomationSettings{Enabled: true, HandoffWords: []string{"humano", "quelqu'un"}}, nil, nil)
	if d := q.Evaluate(Event{Kind: EventMessage, Text: "Quiero un HUMANO"}); !d.Handoff {
		t.Error("configured hand-off word ignored")
	}
	if d := q.Evaluate(Event{Kind: EventMessage, Text: "human"}); d.Handoff {
		t.Error("default word still hands off after others were configured")
	}
}

func TestLoopGuard(t *testing.T) {
	p := program([]dm.Rule{
		reply("r1", "timer", dm.Trigger{Type: dm.TriggerNoReply, Minutes: 5}, "Still there?"),
	})
	st := dm.BotState{}
	sent := 0
	for range 5 {
		d := p.Evaluate(Event{Kind: EventNoReply, RuleID: "r1", State: st})
		if d.Send != nil {
			sent++
		}
		st = d.State
	}
	if sent != DefaultLoopGuard {
		t.Fatalf("%d bot messages without an answer, want %d", sent, DefaultLoopGuard)
	}
	// The customer writes: the streak starts over.
	d := p.Evaluate(Event{Kind: EventMessage, Text: "yes", State: st})
	d = p.Evaluate(Event{Kind: EventNoReply, RuleID: "r1", State: d.State})
	if d.Send == nil {
		t.Fatal("the guard did not reset when the customer wrote")
	}
}

func TestFlow(t *testing.T) {
	flow := dm.Flow{ID: "f", Name: "faq", Steps: []dm.FlowStep{
		{ID: "start", Text: "What are you looking for?", Options: []dm.FlowOption{{Title: "Returns", Next: "returns"}, {Title: "A person", Handoff: true}, {Title: "Nothing"}}},
		{ID: "returns", Text: "You have 30 days.", Options: []dm.FlowOption{{Title: "Thanks"}}},
	}}
	p := program([]dm.Rule{{ID: "r", Name: "menu", Enabled: true, Trigger: dm.Trigger{Type: dm.TriggerQuickReply, Payload: "MENU"},
		Actions: []dm.Action{{Type: dm.ActStartFlow, Value: "f"}}}}, flow)
	d := p.Evaluate(Event{Kind: EventMessage, Text: "Menu", Payload: "MENU"})
	if d.Send == nil || d.Send.Text != "What are you looking for?" || len(d.Send.QuickReplies) != 3 || d.State.FlowStep != "start" {
		t.Fatalf("start: %+v", d)
	}
	tap := d.Send.QuickReplies[0]
	d = p.Evaluate(Event{Kind: EventMessage, Text: tap.Title, Payload: tap.Payload, State: d.State})
	if d.Send == nil || d.Send.Text != "You have 30 days." || d.State.FlowStep != "returns" {
		t.Fatalf("after Returns: %+v", d)
	}
	d = p.Evaluate(Event{Kind: EventMessage, Text: "Thanks", Payload: d.Send.QuickReplies[0].Payload, State: d.State})
	if d.Send != nil || d.State.FlowID != "" {
		t.Fatalf("end of flow: %+v", d)
	}
	person := program(nil, flow).Evaluate(Event{Kind: EventMessage, Text: "A person", Payload: "flow:f:start:1"})
	if !person.Handoff {
		t.Fatal("a hand-off option did not hand off")
	}
	for _, bad := range []string{"flow:f:start:9", "flow:gone:start:0", "flow:f", "flow:f:start:x"} {
		if d := p.Evaluate(Event{Kind: EventMessage, Text: "x", Payload: bad}); d.Send != nil || d.Handoff {
			t.Errorf("payload %q did something: %+v", bad, d)
		}
	}
}

func TestValidateRule(t *testing.T) {
	ok := Checks{Template: func(string) error { return nil }, Agent: func(h string) bool { return h == "bob" }, Flow: func(id string) bool { return id == "f1" }}
	good := dm.Rule{Name: "n", Trigger: dm.Trigger{Type: dm.TriggerKeyword, Keywords: []string{"hi"}}, Actions: []dm.Action{{Type: dm.ActReply, Text: "hello",
		QuickReplies: []dm.QuickReply{{Title: "Yes", Payload: "Y"}}}}}
	if err := ValidateRule(&good, ok); err != nil {
		t.Fatalf("a good rule: %v", err)
	}
	many := make([]dm.QuickReply, 14)
	for i := range many {
		many[i] = dm.QuickReply{Title: "x", Payload: "x"}
	}
	for _, tc := range []struct {
		change func(r *dm.Rule)
		field  string
	}{
		{func(r *dm.Rule) { r.Name = "" }, "name"},
		{func(r *dm.Rule) { r.Trigger.Type = "sometimes" }, "trigger.type"},
		{func(r *dm.Rule) { r.Trigger.Keywords = []string{"!!!"} }, "trigger.keywords[0]"},
		{func(r *dm.Rule) { r.Trigger = dm.Trigger{Type: dm.TriggerNoReply} }, "trigger.minutes"},
		{func(r *dm.Rule) { r.Actions[0].QuickReplies = many }, "actions[0].quick_replies"},
		{func(r *dm.Rule) { r.Actions[0].QuickReplies[0].Title = "a title that is far too long" }, "actions[0].quick_replies[0].title"},
		{func(r *dm.Rule) { r.Actions[0].QuickReplies[0].Payload = "" }, "actions[0].quick_replies[0].payload"},
		{func(r *dm.Rule) { r.Actions[0].Text = " " }, "actions[0].text"},
		{func(r *dm.Rule) { r.Actions = append(r.Actions, dm.Action{Type: dm.ActAssign, Value: "mallory"}) }, "actions[1].value"},
		{func(r *dm.Rule) { r.Actions = append(r.Actions, dm.Action{Type: dm.ActStartFlow, Value: "nope"}) }, "actions[1].value"},
		{func(r *dm.Rule) {
			r.Conditions = []dm.Condition{{Type: dm.CondTimeWindow, From: "25:00", To: "09:00"}}
		}, "conditions[0].from"},
		{func(r *dm.Rule) { r.Actions = nil }, "actions"},
	} {
		r := good
		r.Actions = append([]dm.Action(nil), good.Actions...)
		r.Actions[0].QuickReplies = append([]dm.QuickReply(nil), good.Actions[0].QuickReplies...)
		tc.change(&r)
		err := ValidateRule(&r, ok)
		if !dm.IsCode(err, dm.EINVALID) || !strings.HasPrefix(dm.ErrorMessage(err), tc.field+":") {
			t.Errorf("want a 400 naming %s, got %v", tc.field, err)
		}
	}
}

func TestValidateFlow(t *testing.T) {
	f := dm.Flow{Name: "x", Steps: []dm.FlowStep{{ID: "a", Text: "A?", Options: []dm.FlowOption{{Title: "b", Next: "b"}}}, {ID: "b", Text: "B."}}}
	if err := ValidateFlow(&f, Checks{}); err != nil {
		t.Fatal(err)
	}
	f.Steps[0].Options[0].Next = "zzz"
	if err := ValidateFlow(&f, Checks{}); err == nil || !strings.HasPrefix(dm.ErrorMessage(err), "steps[0].options[0].next:") {
		t.Fatalf("a dangling next: %v", err)
	}
}

// TestFoldASCII checks fold's ASCII fast path against the general one.
func TestFoldASCII(t *testing.T) {
	for _, s := range []string{"", "Hello, World!", "REFUND now 123", "a\tB\nc-D_e~", "\x00\x7f ABC xyz"} {
		got := fold(s)
		d := norm.NFKD.String(s)
		var b strings.Builder
		for _, r := range d {
			if !unicode.Is(unicode.Mn, r) {
				b.WriteRune(unicode.ToLower(r))
			}
		}
		if got != b.String() {
			t.Errorf("fold(%q) = %q, want %q", s, got, b.String())
		}
	}
}
