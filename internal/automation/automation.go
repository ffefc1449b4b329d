// Package automation is the rules engine of brand chatbots: a brand's rules
// (trigger, conditions, actions), flows of quick-reply buttons, and the
// human-touch guarantees, as a pure decision over one event and the facts
// around it. It reads no store and sends nothing: internal/brand gathers the
// facts inside the send's transaction, calls Evaluate, applies the Decision
// there (labels, assignment, status, the bot's state) and enqueues the bot's
// message as a durable job, so evaluation costs microseconds on the send
// path and nothing is lost in a crash.
//
// The engine's rules, in order:
//
//  1. A bot never answers a bot: an automated message triggers nothing.
//  2. The customer can always reach a person: a hand-off word (human,
//     agent, person by default, whole words in any case or accent) or the
//     "Talk to a person" button hands off at once; the bot then stays
//     quiet until the conversation is resolved.
//  3. After a person of the team writes, the bot stays quiet until the
//     conversation is resolved.
//  4. A button of a flow moves the flow on and nothing else.
//  5. Otherwise every enabled rule whose trigger and conditions match
//     applies its actions, in rule order; only the first matching rule that
//     sends a message sends it (one answer per customer message).
//  6. The loop guard: after LoopGuard bot messages with no customer message
//     in between, the bot sends nothing more.
package automation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Payloads the engine gives meaning to.
const (
	// HandoffPayload is the payload of the "Talk to a person" button.
	HandoffPayload = "parley:handoff"
	// flowPrefix starts the payload of a flow button: flow:<flow>:<step>:<option>.
	flowPrefix = "flow:"
)

// DefaultHandoffWords hand a conversation to a person when none are set.
var DefaultHandoffWords = []string{"human", "agent", "person"}

// DefaultLoopGuard is how many bot messages in a row the bot may send.
const DefaultLoopGuard = 3

// DefaultHandoffMessage is what the bot says when it hands off.
const DefaultHandoffMessage = "A person from our team will answer you here soon."

// HandoffButton is the quick reply that asks for a person.
var HandoffButton = dm.QuickReply{Title: "Talk to a person", Payload: HandoffPayload}

// Program is a brand's automation compiled for evaluation. It is immutable
// and safe to share between goroutines.
type Program struct {
	Settings dm.AutomationSettings
	rules    []compiledRule
	// byWord indexes the keyword phrases by their first word, so a message
	// is matched in time proportional to its length, not to the number of
	// rules; unspaced holds the phrases matched as substrings.
	byWord       map[string][]phraseRef
	unspaced     []phraseRef
	flows        map[string]*dm.Flow
	handoffWords []phrase
	// What the rules need to know, so that facts cost a read only when a
	// rule asks for them.
	NeedsFollows    bool
	NeedsAttributes bool
	// NoReplyRules are the enabled rules with a no_reply trigger: each
	// customer message that starts a wait arms their timers.
	NoReplyRules []dm.Rule
	// The rules each kind of event can trigger, by index into rules, so
	// that evaluation looks only at those: a customer message's keyword
	// rules come from byWord and unspaced, its quick-reply rules from
	// byPayload, and onMessage holds the rest (message, first_message,
	// outside_hours); a timer's rule is byRuleID, a resolution's
	// onResolved.
	onMessage []int
	// joined: some phrase is matched as a substring (text.joined).
	joined     bool
	byPayload  map[string][]int
	byRuleID   map[string][]int
	onResolved []int
}

type compiledRule struct {
	rule dm.Rule
}

// phraseRef is a keyword phrase of rule number rule.
type phraseRef struct {
	rule   int
	phrase phrase
}

// Compile builds a Program from a brand's settings, rules and flows.
func Compile(set dm.AutomationSettings, rules []dm.Rule, flows []dm.Flow) *Program {
	p := &Program{Settings: set, flows: map[string]*dm.Flow{}, byWord: map[string][]phraseRef{},
		byPayload: map[string][]int{}, byRuleID: map[string][]int{}}
	if p.Settings.LoopGuard <= 0 {
		p.Settings.LoopGuard = DefaultLoopGuard
	}
	if p.Settings.HandoffMessage == "" {
		p.Settings.HandoffMessage = DefaultHandoffMessage
	}
	hw := set.HandoffWords
	if len(hw) == 0 {
		hw = DefaultHandoffWords
	}
	for _, w := range hw {
		p.handoffWords = append(p.handoffWords, compilePhrase(w))
	}
	for i := range flows {
		p.flows[flows[i].ID] = &flows[i]
	}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		cr := compiledRule{rule: r}
		if r.Trigger.Type == dm.TriggerKeyword {
			for _, k := range r.Trigger.Keywords {
				ref := phraseRef{rule: len(p.rules), phrase: compilePhrase(k)}
				switch {
				case ref.phrase.substr != "":
					p.unspaced = append(p.unspaced, ref)
				case len(ref.phrase.words) > 0:
					p.byWord[ref.phrase.words[0]] = append(p.byWord[ref.phrase.words[0]], ref)
				}
			}
		}
		for _, c := range r.Conditions {
			switch c.Type {
			case dm.CondFollows:
				p.NeedsFollows = true
			case dm.CondAttribute:
				p.NeedsAttributes = true
			}
		}
		i := len(p.rules)
		switch r.Trigger.Type {
		case dm.TriggerNoReply:
			p.NoReplyRules = append(p.NoReplyRules, r)
			p.byRuleID[r.ID] = append(p.byRuleID[r.ID], i)
		case dm.TriggerMessage, dm.TriggerFirstMessage, dm.TriggerOutsideHours:
			p.onMessage = append(p.onMessage, i)
		case dm.TriggerQuickReply:
			if r.Trigger.Payload != "" {
				p.byPayload[r.Trigger.Payload] = append(p.byPayload[r.Trigger.Payload], i)
			}
		case dm.TriggerResolved:
			p.onResolved = append(p.onResolved, i)
		}
		p.rules = append(p.rules, cr)
	}
	p.joined = len(p.unspaced) > 0 || slices.ContainsFunc(p.handoffWords, func(ph phrase) bool { return ph.substr != "" })
	return p
}

// Event kinds.
const (
	EventMessage  = "message"  // a customer message
	EventNoReply  = "no_reply" // a no_reply timer ran out (RuleID)
	EventResolved = "resolved" // the conversation was resolved
)

// Event is what happened, with the facts the rules may look at.
type Event struct {
	Kind    string
	Text    string
	Payload string
	// Automated: the message was written by a bot.
	Automated bool
	// First: the customer's first message to the brand, ever.
	First bool
	// OutsideHours: the brand's business hours are closed now.
	OutsideHours bool
	// RuleID names the rule whose timer ran out (EventNoReply).
	RuleID string
	// Local is now in the brand's time zone (time windows).
	Local time.Time
	// The conversation and the customer.
	Follows    bool
	Attributes map[string]string
	Labels     []string
	Status     string
	Unassigned bool
	State      dm.BotState
}

// Outgoing is a message the bot is to send.
type Outgoing struct {
	// Text is a template (placeholders as canned replies).
	Text         string
	QuickReplies []dm.QuickReply
	RuleID       string
	// Recommend asks for the customer's top product pick as a card with
	// the message (the brand layer picks it when it sends).
	Recommend bool
}

// Decision is what the engine decided for one event. The caller applies it.
type Decision struct {
	Send *Outgoing
	// Handoff: give the conversation to a person now.
	Handoff      bool
	AddLabels    []string
	RemoveLabels []string
	// Assign is an agent's handle, or "round_robin"; "" leaves it.
	Assign   string
	Status   string
	Priority string
	// Survey is the id of the survey to ask (a send_survey action of a
	// resolved rule; the first one wins), besides any Send.
	Survey string
	// State is the bot's state after the event.
	State dm.BotState
	// Log says what fired and why, and what was held back.
	Log []LogLine
}

// LogLine is one entry of the audit trail.
type LogLine struct {
	RuleID  string `json:"rule_id,omitempty"`
	Outcome string `json:"outcome"` // fired, handoff, flow, silent, loop_guard, bot_message, one_answer
	Detail  string `json:"detail"`
}

// Evaluate decides what the bot does about ev.
func (p *Program) Evaluate(ev Event) Decision {
	d := Decision{State: ev.State}
	if ev.Kind == EventMessage && !ev.Automated {
		d.State.Streak = 0 // the customer wrote
	}
	if !p.Settings.Enabled {
		return d
	}
	if ev.Automated {
		d.log("", "bot_message", "an automated message triggers nothing")
		return d
	}
	if ev.Kind == EventResolved {
		// Resolution ends the hand-off and the quiet: the next customer
		// message may be answered by the bot again.
		d.State.Silent, d.State.HandedOff, d.State.FlowID, d.State.FlowStep = false, false, "", ""
	}
	var keyword []bool // by rule: a keyword of the rule is in the text
	// cand marks, by rule, the rules whose trigger this event may fire
	// (the compiled indexes); the others are not looked at.
	var cand []bool
	switch ev.Kind {
	case EventMessage:
		t := prepareText(ev.Text, p.joined)
		if ev.Payload == HandoffPayload || p.asksForPerson(t) {
			p.handoff(&d, "the customer asked for a person")
			return d
		}
		if strings.HasPrefix(ev.Payload, flowPrefix) {
			p.followFlow(&d, ev.Payload)
			return d
		}
		keyword = p.keywordHits(t)
		cand = slices.Clone(keyword)
		for _, i := range p.onMessage {
			cand[i] = true
		}
		if ev.Payload != "" {
			for _, i := range p.byPayload[ev.Payload] {
				cand[i] = true
			}
		}
	case EventNoReply:
		cand = make([]bool, len(p.rules))
		for _, i := range p.byRuleID[ev.RuleID] {
			cand[i] = true
		}
	case EventResolved:
		cand = make([]bool, len(p.rules))
		for _, i := range p.onResolved {
			cand[i] = true
		}
	}
	for i := range p.rules {
		if cand == nil || !cand[i] {
			continue
		}
		cr := &p.rules[i]
		if !cr.triggered(&ev, keyword != nil && keyword[i]) || !conditionsHold(cr.rule.Conditions, &ev) {
			continue
		}
		var acts []string
		for _, a := range cr.rule.Actions {
			acts = append(acts, a.Type)
			switch a.Type {
			case dm.ActReply:
				p.send(&d, &Outgoing{Text: a.Text, QuickReplies: a.QuickReplies, RuleID: cr.rule.ID})
			case dm.ActRecommend:
				p.send(&d, &Outgoing{Text: a.Text, Recommend: true, RuleID: cr.rule.ID})
			case dm.ActStartFlow:
				if f := p.flows[a.Value]; f != nil && len(f.Steps) > 0 {
					if p.send(&d, flowMessage(f, &f.Steps[0], cr.rule.ID)) {
						d.State.FlowID, d.State.FlowStep = f.ID, f.Steps[0].ID
					}
				}
			case dm.ActAddLabel:
				d.AddLabels = append(d.AddLabels, a.Value)
			case dm.ActRemoveLabel:
				d.RemoveLabels = append(d.RemoveLabels, a.Value)
			case dm.ActAssign:
				d.Assign = a.Value
			case dm.ActSetStatus:
				d.Status = a.Value
			case dm.ActSetPriority:
				d.Priority = a.Value
			case dm.ActHandoff:
				d.Handoff = true
			case dm.ActSendSurvey:
				// One survey per resolution, whatever the rules say.
				if ev.Kind == EventResolved && d.Survey == "" {
					d.Survey = a.Value
				}
			}
		}
		d.log(cr.rule.ID, "fired", fmt.Sprintf("%q on %s: %s", cr.rule.Name, ev.Kind, strings.Join(acts, ", ")))
	}
	if d.Handoff {
		p.handoff(&d, "a rule handed off")
	}
	p.guard(&d)
	return d
}

// send chooses o as the answer unless one was chosen already; it reports
// whether o was chosen.
func (p *Program) send(d *Decision, o *Outgoing) bool {
	if d.Send != nil {
		d.log(o.RuleID, "one_answer", "another rule already answers this message")
		return false
	}
	d.Send = o
	return true
}

// guard holds back the bot's message when a person is handling the
// conversation or the loop guard has tripped.
func (p *Program) guard(d *Decision) {
	if d.Send == nil {
		return
	}
	switch {
	case d.State.Silent && !d.Handoff:
		d.log(d.Send.RuleID, "silent", "a person is handling this conversation: the bot stays quiet")
		d.Send = nil
	case d.State.Streak >= p.Settings.LoopGuard:
		d.log(d.Send.RuleID, "loop_guard", fmt.Sprintf("%d bot messages without an answer: the bot stops", d.State.Streak))
		d.Send = nil
	default:
		d.State.Streak++
	}
}

func (p *Program) asksForPerson(t text) bool {
	for _, ph := range p.handoffWords {
		if ph.matches(t) {
			return true
		}
	}
	return false
}

// handoff gives the conversation to a person: assigned (round-robin unless
// someone is), the team told, the bot quiet from now on. The customer is
// told once.
func (p *Program) handoff(d *Decision, why string) {
	d.Handoff = true
	d.Send = nil
	if !d.State.HandedOff {
		d.Send = &Outgoing{Text: p.Settings.HandoffMessage}
	}
	d.State.HandedOff, d.State.Silent, d.State.FlowID, d.State.FlowStep = true, true, "", ""
	if d.Assign == "" {
		d.Assign = "round_robin"
	}
	d.log("", "handoff", why)
	if d.Send != nil {
		d.State.Streak++
	}
}

// followFlow moves a flow on from the button whose payload is given.
func (p *Program) followFlow(d *Decision, payload string) {
	parts := strings.Split(strings.TrimPrefix(payload, flowPrefix), ":")
	if len(parts) != 3 {
		d.log("", "flow", "a malformed flow button: ignored")
		return
	}
	f := p.flows[parts[0]]
	i, err := strconv.Atoi(parts[2])
	var step *dm.FlowStep
	if f != nil {
		if k := slices.IndexFunc(f.Steps, func(s dm.FlowStep) bool { return s.ID == parts[1] }); k >= 0 {
			step = &f.Steps[k]
		}
	}
	if step == nil || err != nil || i < 0 || i >= len(step.Options) {
		d.log("", "flow", "a button of a flow that changed or is gone: ignored")
		return
	}
	opt := step.Options[i]
	switch {
	case opt.Handoff:
		p.handoff(d, fmt.Sprintf("flow %q: %q", f.Name, opt.Title))
		return
	case opt.Next != "":
		k := slices.IndexFunc(f.Steps, func(s dm.FlowStep) bool { return s.ID == opt.Next })
		if k < 0 {
			d.log("", "flow", "the next step is gone")
			return
		}
		d.Send = flowMessage(f, &f.Steps[k], "")
		d.State.FlowID, d.State.FlowStep = f.ID, f.Steps[k].ID
		d.log("", "flow", fmt.Sprintf("flow %q: %q -> step %s", f.Name, opt.Title, opt.Next))
	default:
		d.State.FlowID, d.State.FlowStep = "", ""
		d.log("", "flow", fmt.Sprintf("flow %q ended: %q", f.Name, opt.Title))
	}
	p.guard(d)
}

// flowMessage is a flow step as a message: its text and one quick reply per
// option, each carrying where it leads.
func flowMessage(f *dm.Flow, s *dm.FlowStep, ruleID string) *Outgoing {
	o := &Outgoing{Text: s.Text, RuleID: ruleID}
	for i, opt := range s.Options {
		o.QuickReplies = append(o.QuickReplies, dm.QuickReply{Title: opt.Title, Payload: fmt.Sprintf("%s%s:%s:%d", flowPrefix, f.ID, s.ID, i)})
	}
	return o
}

func (d *Decision) log(ruleID, outcome, detail string) {
	d.Log = append(d.Log, LogLine{RuleID: ruleID, Outcome: outcome, Detail: detail})
}

// keywordHits tells, per rule, whether one of its keyword phrases is in t.
func (p *Program) keywordHits(t text) []bool {
	hits := make([]bool, len(p.rules))
	for i, w := range t.words {
		for _, ref := range p.byWord[w] {
			if !hits[ref.rule] && ref.phrase.matchesAt(t, i) {
				hits[ref.rule] = true
			}
		}
	}
	for _, ref := range p.unspaced {
		if !hits[ref.rule] && ref.phrase.matches(t) {
			hits[ref.rule] = true
		}
	}
	return hits
}

func (cr *compiledRule) triggered(ev *Event, keywordHit bool) bool {
	tr := cr.rule.Trigger
	switch tr.Type {
	case dm.TriggerMessage:
		return ev.Kind == EventMessage
	case dm.TriggerFirstMessage:
		return ev.Kind == EventMessage && ev.First
	case dm.TriggerOutsideHours:
		return ev.Kind == EventMessage && ev.OutsideHours
	case dm.TriggerQuickReply:
		return ev.Kind == EventMessage && ev.Payload != "" && ev.Payload == tr.Payload
	case dm.TriggerNoReply:
		return ev.Kind == EventNoReply && ev.RuleID == cr.rule.ID
	case dm.TriggerResolved:
		return ev.Kind == EventResolved
	case dm.TriggerKeyword:
		return ev.Kind == EventMessage && keywordHit
	}
	return false
}

func conditionsHold(cs []dm.Condition, ev *Event) bool {
	for _, c := range cs {
		if holds(c, ev) == c.Not {
			return false
		}
	}
	return true
}

func holds(c dm.Condition, ev *Event) bool {
	switch c.Type {
	case dm.CondFollows:
		return ev.Follows
	case dm.CondLabel:
		return slices.Contains(ev.Labels, c.Value)
	case dm.CondAttribute:
		v, ok := ev.Attributes[c.Key]
		return ok && (c.Value == "" || v == c.Value)
	case dm.CondUnassigned:
		return ev.Unassigned
	case dm.CondStatus:
		return ev.Status == c.Value
	case dm.CondTimeWindow:
		if len(c.Days) > 0 && !slices.Contains(c.Days, int(ev.Local.Weekday())) {
			return false
		}
		now := ev.Local.Format("15:04")
		if c.From <= c.To {
			return now >= c.From && now < c.To
		}
		return now >= c.From || now < c.To // a window across midnight
	}
	return false
}
