package automation

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// invalid is a 400 that names the field at fault, e.g.
// "actions[1].quick_replies[0].title: at most 20 characters."
func invalid(field, format string, args ...any) error {
	return dm.Errorf(dm.EINVALID, "%s: %s", field, fmt.Sprintf(format, args...))
}

// Checks the brand layer supplies: whether a template parses, an agent
// handle is on the team, a flow exists.
type Checks struct {
	Template func(text string) error
	Agent    func(handle string) bool
	Flow     func(id string) bool
	// Survey tells whether id is one of the brand's surveys.
	Survey func(id string) bool
}

// ValidateRule checks a rule before it is saved; the error names the field.
func ValidateRule(r *dm.Rule, ck Checks) error {
	if err := textField("name", r.Name, 1, 100); err != nil {
		return err
	}
	tr := r.Trigger
	switch tr.Type {
	case dm.TriggerMessage, dm.TriggerFirstMessage, dm.TriggerOutsideHours, dm.TriggerResolved:
	case dm.TriggerKeyword:
		if len(tr.Keywords) == 0 || len(tr.Keywords) > dm.MaxKeywordsPerRule {
			return invalid("trigger.keywords", "1 to %d keywords or phrases.", dm.MaxKeywordsPerRule)
		}
		for i, k := range tr.Keywords {
			f := fmt.Sprintf("trigger.keywords[%d]", i)
			if err := textField(f, k, 1, 100); err != nil {
				return err
			}
			if p := compilePhrase(k); len(p.words) == 0 && p.substr == "" {
				return invalid(f, "a keyword needs a letter or a digit.")
			}
		}
	case dm.TriggerNoReply:
		if tr.Minutes < 1 || tr.Minutes > 7*24*60 {
			return invalid("trigger.minutes", "from 1 to %d minutes.", 7*24*60)
		}
	case dm.TriggerQuickReply:
		if err := payloadField("trigger.payload", tr.Payload); err != nil {
			return err
		}
	default:
		return invalid("trigger.type", "one of message, first_message, keyword, outside_hours, no_reply, quick_reply, resolved.")
	}
	if len(r.Conditions) > dm.MaxConditionsOrActs {
		return invalid("conditions", "at most %d.", dm.MaxConditionsOrActs)
	}
	for i, c := range r.Conditions {
		if err := validateCondition(fmt.Sprintf("conditions[%d]", i), c); err != nil {
			return err
		}
	}
	if len(r.Actions) == 0 || len(r.Actions) > dm.MaxConditionsOrActs {
		return invalid("actions", "1 to %d actions.", dm.MaxConditionsOrActs)
	}
	for i, a := range r.Actions {
		if err := validateAction(fmt.Sprintf("actions[%d]", i), a, ck); err != nil {
			return err
		}
		if a.Type == dm.ActSendSurvey && tr.Type != dm.TriggerResolved {
			return invalid(fmt.Sprintf("actions[%d].type", i), "send_survey works with the resolved trigger only.")
		}
	}
	return nil
}

func validateCondition(f string, c dm.Condition) error {
	switch c.Type {
	case dm.CondFollows, dm.CondUnassigned:
	case dm.CondLabel:
		return textField(f+".value", c.Value, 1, 40)
	case dm.CondAttribute:
		if err := keyField(f+".key", c.Key); err != nil {
			return err
		}
		return textField(f+".value", c.Value, 0, 200)
	case dm.CondStatus:
		if !slices.Contains([]string{dm.InboxOpen, dm.InboxPending, dm.InboxSnoozed, dm.InboxResolved}, c.Value) {
			return invalid(f+".value", "open, pending, snoozed or resolved.")
		}
	case dm.CondTimeWindow:
		for _, hm := range []struct{ name, v string }{{"from", c.From}, {"to", c.To}} {
			if _, err := time.Parse("15:04", hm.v); err != nil || len(hm.v) != 5 {
				return invalid(f+"."+hm.name, "a time as HH:MM.")
			}
		}
		if c.From == c.To {
			return invalid(f+".to", "the window is empty.")
		}
		for _, d := range c.Days {
			if d < 0 || d > 6 {
				return invalid(f+".days", "days are 0 (Sunday) to 6 (Saturday).")
			}
		}
	default:
		return invalid(f+".type", "one of follows, label, attribute, unassigned, status, time_window.")
	}
	return nil
}

func validateAction(f string, a dm.Action, ck Checks) error {
	switch a.Type {
	case dm.ActReply:
		if err := dm.ValidateText(a.Text); err != nil {
			return invalid(f+".text", "%s", dm.ErrorMessage(err))
		}
		if ck.Template != nil {
			if err := ck.Template(a.Text); err != nil {
				return invalid(f+".text", "%s", dm.ErrorMessage(err))
			}
		}
		return ValidateQuickReplies(f+".quick_replies", a.QuickReplies)
	case dm.ActRecommend:
		if a.Text == "" {
			return nil
		}
		if err := dm.ValidateText(a.Text); err != nil {
			return invalid(f+".text", "%s", dm.ErrorMessage(err))
		}
		if ck.Template != nil {
			if err := ck.Template(a.Text); err != nil {
				return invalid(f+".text", "%s", dm.ErrorMessage(err))
			}
		}
	case dm.ActAddLabel, dm.ActRemoveLabel:
		return textField(f+".value", a.Value, 1, 40)
	case dm.ActAssign:
		if a.Value != "round_robin" && (ck.Agent == nil || !ck.Agent(a.Value)) {
			return invalid(f+".value", "round_robin, team:<name> of an agent team, or the handle of a member of the team.")
		}
	case dm.ActSetStatus:
		if !slices.Contains([]string{dm.InboxOpen, dm.InboxPending, dm.InboxResolved}, a.Value) {
			return invalid(f+".value", "open, pending or resolved.")
		}
	case dm.ActSetPriority:
		if !slices.Contains([]string{dm.PriorityNone, dm.PriorityLow, dm.PriorityMedium, dm.PriorityHigh, dm.PriorityUrgent}, a.Value) {
			return invalid(f+".value", "none, low, medium, high or urgent.")
		}
	case dm.ActHandoff:
	case dm.ActStartFlow:
		if ck.Flow == nil || !ck.Flow(a.Value) {
			return invalid(f+".value", "the id of one of the brand's flows.")
		}
	case dm.ActSendSurvey:
		if ck.Survey == nil || !ck.Survey(a.Value) {
			return invalid(f+".value", "the id of one of the brand's surveys.")
		}
	default:
		return invalid(f+".type", "one of reply, add_label, remove_label, assign, set_status, set_priority, handoff, start_flow, send_survey.")
	}
	return nil
}

// ValidateQuickReplies checks buttons: at most 13, titles of 1 to 20
// characters, payloads of 1 to 1000 bytes.
func ValidateQuickReplies(f string, qrs []dm.QuickReply) error {
	if len(qrs) > dm.MaxQuickReplies {
		return invalid(f, "at most %d quick replies.", dm.MaxQuickReplies)
	}
	for i, q := range qrs {
		if err := titleField(fmt.Sprintf("%s[%d].title", f, i), q.Title, dm.MaxQuickReplyTitle); err != nil {
			return err
		}
		if err := payloadField(fmt.Sprintf("%s[%d].payload", f, i), q.Payload); err != nil {
			return err
		}
	}
	return nil
}

// ValidateFlow checks a flow: steps with unique ids, texts, at most 13
// options each, and every Next naming a step of the flow.
func ValidateFlow(fl *dm.Flow, ck Checks) error {
	if err := textField("name", fl.Name, 1, 100); err != nil {
		return err
	}
	if len(fl.Steps) == 0 || len(fl.Steps) > dm.MaxFlowSteps {
		return invalid("steps", "1 to %d steps.", dm.MaxFlowSteps)
	}
	ids := map[string]bool{}
	for i, s := range fl.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		if err := keyField(f+".id", s.ID); err != nil {
			return err
		}
		if ids[s.ID] {
			return invalid(f+".id", "step ids are unique in a flow.")
		}
		ids[s.ID] = true
	}
	for i, s := range fl.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		if err := dm.ValidateText(s.Text); err != nil {
			return invalid(f+".text", "%s", dm.ErrorMessage(err))
		}
		if ck.Template != nil {
			if err := ck.Template(s.Text); err != nil {
				return invalid(f+".text", "%s", dm.ErrorMessage(err))
			}
		}
		if len(s.Options) > dm.MaxQuickReplies {
			return invalid(f+".options", "at most %d options.", dm.MaxQuickReplies)
		}
		for j, o := range s.Options {
			of := fmt.Sprintf("%s.options[%d]", f, j)
			if err := titleField(of+".title", o.Title, dm.MaxQuickReplyTitle); err != nil {
				return err
			}
			if o.Next != "" && !ids[o.Next] {
				return invalid(of+".next", "no step %q in this flow.", dm.Truncate(o.Next, 40))
			}
			if o.Next != "" && o.Handoff {
				return invalid(of, "an option leads to a step or hands off, not both.")
			}
		}
	}
	return nil
}

// ValidateSettings checks a brand's bot settings.
func ValidateSettings(s *dm.AutomationSettings) error {
	if len(s.HandoffWords) > 20 {
		return invalid("handoff_words", "at most 20.")
	}
	for i, w := range s.HandoffWords {
		f := fmt.Sprintf("handoff_words[%d]", i)
		if err := textField(f, w, 1, 40); err != nil {
			return err
		}
		if p := compilePhrase(w); len(p.words) == 0 && p.substr == "" {
			return invalid(f, "a word needs a letter or a digit.")
		}
	}
	if s.HandoffMessage != "" {
		if err := dm.ValidateText(s.HandoffMessage); err != nil {
			return invalid("handoff_message", "%s", dm.ErrorMessage(err))
		}
	}
	if s.LoopGuard < 0 || s.LoopGuard > 20 {
		return invalid("loop_guard", "from 1 to 20 (0: the default, %d).", DefaultLoopGuard)
	}
	if len(s.IceBreakers) > dm.MaxIceBreakers {
		return invalid("ice_breakers", "at most %d questions.", dm.MaxIceBreakers)
	}
	for i, q := range s.IceBreakers {
		if err := titleField(fmt.Sprintf("ice_breakers[%d].title", i), q.Title, dm.MaxIceBreakerTitle); err != nil {
			return err
		}
		if err := payloadField(fmt.Sprintf("ice_breakers[%d].payload", i), q.Payload); err != nil {
			return err
		}
	}
	if len(s.Menu) > dm.MaxMenuItems {
		return invalid("menu", "at most %d entries.", dm.MaxMenuItems)
	}
	for i, q := range s.Menu {
		if err := titleField(fmt.Sprintf("menu[%d].title", i), q.Title, dm.MaxMenuTitle); err != nil {
			return err
		}
		if err := payloadField(fmt.Sprintf("menu[%d].payload", i), q.Payload); err != nil {
			return err
		}
	}
	return nil
}

// textField checks a one-line text of min to max characters.
func textField(f, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return invalid(f, "not valid UTF-8.")
	}
	n := utf8.RuneCountInString(s)
	if min > 0 && strings.TrimSpace(s) == "" {
		return invalid(f, "required.")
	}
	if n < min || n > max {
		return invalid(f, "%d to %d characters.", min, max)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return invalid(f, "no control characters.")
	}
	return nil
}

// titleField checks a button's title: a text field that also reads as
// what it is (dm.ValidateButtonTitle: no direction controls or invisible
// characters, since what a button shows is the text a tap sends).
func titleField(f, s string, max int) error {
	if err := textField(f, s, 1, max); err != nil {
		return err
	}
	if err := dm.ValidateButtonTitle(f, s, max); err != nil {
		return invalid(f, "%s", strings.TrimPrefix(dm.ErrorMessage(err), f+" "))
	}
	return nil
}

// payloadField checks a button's payload.
func payloadField(f, s string) error {
	if s == "" || len(s) > dm.MaxPayloadBytes {
		return invalid(f, "1 to %d bytes.", dm.MaxPayloadBytes)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return invalid(f, "not valid text.")
	}
	return nil
}

// keyField checks an identifier: letters, digits, '_', '-' and '.'.
func keyField(f, s string) error {
	if s == "" || len(s) > 64 {
		return invalid(f, "1 to 64 characters.")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return invalid(f, "letters, digits, '_', '-' and '.' only.")
		}
	}
	return nil
}
