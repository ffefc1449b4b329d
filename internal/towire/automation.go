package towire

import (
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/wire"
)

// The automation types go both ways: the API answers with them and reads
// settings, rules and flows in the same shapes (the FromWire functions).

// QuickReplies converts buttons (nil stays nil).
func QuickReplies(qs []dm.QuickReply) []wire.QuickReply {
	if qs == nil {
		return nil
	}
	out := make([]wire.QuickReply, len(qs))
	for i, q := range qs {
		out[i] = wire.QuickReply(q)
	}
	return out
}

func quickRepliesFromWire(qs []wire.QuickReply) []dm.QuickReply {
	if qs == nil {
		return nil
	}
	out := make([]dm.QuickReply, len(qs))
	for i, q := range qs {
		out[i] = dm.QuickReply(q)
	}
	return out
}

// AutomationSettings converts a brand's bot settings (nil stays nil).
func AutomationSettings(s *dm.AutomationSettings) *wire.AutomationSettings {
	if s == nil {
		return nil
	}
	return &wire.AutomationSettings{Enabled: s.Enabled, HandoffWords: s.HandoffWords, HandoffMessage: s.HandoffMessage,
		LoopGuard: s.LoopGuard, IceBreakers: QuickReplies(s.IceBreakers), Menu: QuickReplies(s.Menu),
		Version: s.Version, UpdatedAt: s.UpdatedAt}
}

// AutomationSettingsFromWire reads the settings a client sent.
func AutomationSettingsFromWire(s *wire.AutomationSettings) dm.AutomationSettings {
	return dm.AutomationSettings{Enabled: s.Enabled, HandoffWords: s.HandoffWords, HandoffMessage: s.HandoffMessage,
		LoopGuard: s.LoopGuard, IceBreakers: quickRepliesFromWire(s.IceBreakers), Menu: quickRepliesFromWire(s.Menu),
		Version: s.Version, UpdatedAt: s.UpdatedAt}
}

// Rule converts a rule (nil stays nil).
func Rule(r *dm.Rule) *wire.Rule {
	if r == nil {
		return nil
	}
	w := rule(r)
	return &w
}

// Rules converts a brand's rules.
func Rules(rs []dm.Rule) []wire.Rule {
	out := make([]wire.Rule, len(rs))
	for i := range rs {
		out[i] = rule(&rs[i])
	}
	return out
}

func rule(r *dm.Rule) wire.Rule {
	w := wire.Rule{ID: r.ID, Name: r.Name, Enabled: r.Enabled, Position: r.Position, Trigger: wire.RuleTrigger(r.Trigger),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Conditions != nil {
		w.Conditions = make([]wire.RuleCondition, len(r.Conditions))
		for i, c := range r.Conditions {
			w.Conditions[i] = wire.RuleCondition(c)
		}
	}
	if r.Actions != nil {
		w.Actions = make([]wire.RuleAction, len(r.Actions))
		for i, a := range r.Actions {
			w.Actions[i] = wire.RuleAction{Type: a.Type, Text: a.Text, QuickReplies: QuickReplies(a.QuickReplies), Value: a.Value}
		}
	}
	return w
}

// TriggerFromWire reads a rule's trigger as a client sent it.
func TriggerFromWire(t wire.RuleTrigger) dm.Trigger { return dm.Trigger(t) }

// ConditionsFromWire reads a rule's conditions as a client sent them.
func ConditionsFromWire(cs []wire.RuleCondition) []dm.Condition {
	if cs == nil {
		return nil
	}
	out := make([]dm.Condition, len(cs))
	for i, c := range cs {
		out[i] = dm.Condition(c)
	}
	return out
}

// ActionsFromWire reads a rule's actions as a client sent them.
func ActionsFromWire(as []wire.RuleAction) []dm.Action {
	if as == nil {
		return nil
	}
	out := make([]dm.Action, len(as))
	for i, a := range as {
		out[i] = dm.Action{Type: a.Type, Text: a.Text, QuickReplies: quickRepliesFromWire(a.QuickReplies), Value: a.Value}
	}
	return out
}

// Flow converts a flow (nil stays nil).
func Flow(f *dm.Flow) *wire.Flow {
	if f == nil {
		return nil
	}
	w := flow(f)
	return &w
}

// Flows converts a brand's flows.
func Flows(fs []dm.Flow) []wire.Flow {
	if fs == nil {
		return nil
	}
	out := make([]wire.Flow, len(fs))
	for i := range fs {
		out[i] = flow(&fs[i])
	}
	return out
}

func flow(f *dm.Flow) wire.Flow {
	w := wire.Flow{ID: f.ID, Name: f.Name, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
	if f.Steps != nil {
		w.Steps = make([]wire.FlowStep, len(f.Steps))
		for i, s := range f.Steps {
			w.Steps[i] = wire.FlowStep{ID: s.ID, Text: s.Text}
			if s.Options != nil {
				w.Steps[i].Options = make([]wire.FlowOption, len(s.Options))
				for j, o := range s.Options {
					w.Steps[i].Options[j] = wire.FlowOption(o)
				}
			}
		}
	}
	return w
}

// FlowFromWire reads a flow as a client sent it.
func FlowFromWire(f *wire.Flow) dm.Flow {
	d := dm.Flow{ID: f.ID, Name: f.Name, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
	if f.Steps != nil {
		d.Steps = make([]dm.FlowStep, len(f.Steps))
		for i, s := range f.Steps {
			d.Steps[i] = dm.FlowStep{ID: s.ID, Text: s.Text}
			if s.Options != nil {
				d.Steps[i].Options = make([]dm.FlowOption, len(s.Options))
				for j, o := range s.Options {
					d.Steps[i].Options[j] = dm.FlowOption(o)
				}
			}
		}
	}
	return d
}

// AutomationLog converts entries of a brand's audit log.
func AutomationLog(es []dm.AutomationLogEntry) []wire.AutomationLogEntry {
	if es == nil {
		return nil
	}
	out := make([]wire.AutomationLogEntry, len(es))
	for i, e := range es {
		out[i] = wire.AutomationLogEntry{ID: e.ID, ConversationID: e.ConversationID, RuleID: e.RuleID, Event: e.Event,
			Outcome: e.Outcome, Detail: e.Detail, At: e.At}
	}
	return out
}
