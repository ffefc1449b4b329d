package brand

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/automation"
	"github.com/parleyhq/parley/internal/dm"
)

// The automation settings, rules and flows of a brand: team members read
// them and try them (dry run); owners and admins change them. Every change
// bumps the settings' version, which tells every node to recompile.

// automationSettings returns a brand's bot settings, or the defaults.
func automationSettings(ctx context.Context, tx dm.Tx, brandID string) (*dm.AutomationSettings, error) {
	set, err := tx.AutomationSettings(ctx, brandID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return &dm.AutomationSettings{BrandID: brandID, Enabled: true, HandoffWords: slices.Clone(automation.DefaultHandoffWords),
			HandoffMessage: automation.DefaultHandoffMessage, LoopGuard: automation.DefaultLoopGuard,
			IceBreakers: []dm.QuickReply{}, Menu: []dm.QuickReply{}}, nil
	}
	return set, err
}

// bump saves set with the next version.
func (s *Service) bump(ctx context.Context, tx dm.Tx, set *dm.AutomationSettings) error {
	set.Version++
	set.UpdatedAt = s.now()
	return tx.PutAutomationSettings(ctx, set)
}

// Automation returns a brand's bot settings (any team member).
func (s *Service) Automation(ctx context.Context, me *dm.Account, handle string) (*dm.AutomationSettings, error) {
	var out *dm.AutomationSettings
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = automationSettings(ctx, tx, a.brand.ID)
		return err
	})
	return out, err
}

// PutAutomation replaces a brand's bot settings (owners and admins).
func (s *Service) PutAutomation(ctx context.Context, me *dm.Account, handle string, in dm.AutomationSettings) (*dm.AutomationSettings, error) {
	if err := automation.ValidateSettings(&in); err != nil {
		return nil, err
	}
	var out *dm.AutomationSettings
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		old, err := automationSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		set := in
		set.BrandID, set.Version = a.brand.ID, old.Version
		set.HandoffMessage = strings.TrimSpace(set.HandoffMessage)
		for _, f := range []*[]dm.QuickReply{&set.IceBreakers, &set.Menu} {
			if *f == nil {
				*f = []dm.QuickReply{}
			}
		}
		if set.HandoffWords == nil {
			set.HandoffWords = []string{}
		}
		if err := s.bump(ctx, tx, &set); err != nil {
			return err
		}
		out = &set
		return nil
	})
	return out, err
}

// RuleInput is a rule as an owner writes it.
type RuleInput struct {
	Name       string
	Enabled    bool
	Trigger    dm.Trigger
	Conditions []dm.Condition
	Actions    []dm.Action
}

// checks are the validation hooks that need the brand's data.
func (s *Service) checks(ctx context.Context, tx dm.Tx, brandID string) (automation.Checks, error) {
	flows, err := tx.Flows(ctx, brandID)
	if err != nil {
		return automation.Checks{}, err
	}
	team, err := tx.TeamMembers(ctx, brandID)
	if err != nil {
		return automation.Checks{}, err
	}
	agentTeams, err := tx.AgentTeams(ctx, brandID)
	if err != nil {
		return automation.Checks{}, err
	}
	return automation.Checks{
		Template: func(text string) error { _, err := ParseTemplate(text); return err },
		Agent: func(handle string) bool {
			if name, ok := strings.CutPrefix(handle, "team:"); ok {
				return slices.ContainsFunc(agentTeams, func(t dm.AgentTeam) bool { return t.Name == name })
			}
			acc, err := tx.AccountByHandle(ctx, dm.NormalizeHandle(handle))
			return err == nil && slices.ContainsFunc(team, func(m dm.TeamMember) bool { return m.UserID == acc.ID })
		},
		Flow: func(id string) bool { return slices.ContainsFunc(flows, func(f dm.Flow) bool { return f.ID == id }) },
		Survey: func(id string) bool {
			v, err := tx.Survey(ctx, id)
			return err == nil && v.BrandID == brandID
		},
	}, nil
}

// Rules lists a brand's rules in evaluation order (any team member).
func (s *Service) Rules(ctx context.Context, me *dm.Account, handle string) ([]dm.Rule, error) {
	var out []dm.Rule
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.Rules(ctx, a.brand.ID)
		return err
	})
	return out, err
}

// PutRule creates (id "") or replaces a rule (owners and admins). A new
// rule goes last.
func (s *Service) PutRule(ctx context.Context, me *dm.Account, handle, id string, in RuleInput) (*dm.Rule, bool, error) {
	r := dm.Rule{ID: id, Name: strings.TrimSpace(in.Name), Enabled: in.Enabled, Trigger: in.Trigger, Conditions: in.Conditions, Actions: in.Actions}
	if r.Conditions == nil {
		r.Conditions = []dm.Condition{}
	}
	var created bool
	err := s.putAutomation(ctx, me, handle, func(tx dm.Tx, brandID string, ck automation.Checks, t time.Time) error {
		if err := automation.ValidateRule(&r, ck); err != nil {
			return err
		}
		rules, err := tx.Rules(ctx, brandID)
		if err != nil {
			return err
		}
		if id == "" {
			if len(rules) >= dm.MaxRulesPerBrand {
				return dm.Errorf(dm.EINVALID, "A brand has at most %d rules.", dm.MaxRulesPerBrand)
			}
			r.ID, r.CreatedAt, created = dm.NewID(), t, true
			r.Position = 0
			for _, x := range rules {
				r.Position = max(r.Position, x.Position+1)
			}
		} else {
			k := slices.IndexFunc(rules, func(x dm.Rule) bool { return x.ID == id })
			if k < 0 {
				return dm.Errorf(dm.ENOTFOUND, "No rule %q.", dm.Truncate(id, 40))
			}
			r.Position, r.CreatedAt = rules[k].Position, rules[k].CreatedAt
		}
		r.BrandID, r.UpdatedAt = brandID, t
		return tx.PutRule(ctx, &r)
	})
	if err != nil {
		return nil, false, err
	}
	return &r, created, nil
}

// putAutomation runs put, the part of PutRule or PutFlow that differs, in
// the transaction they share: the caller must manage the brand, the brand
// is locked (one brand's saves run one at a time, so limits and positions
// hold), the validation hooks are read, and after put the settings' version
// is bumped, which tells every node to recompile.
func (s *Service) putAutomation(ctx context.Context, me *dm.Account, handle string, put func(tx dm.Tx, brandID string, ck automation.Checks, t time.Time) error) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.LockBrand(ctx, a.brand.ID); err != nil {
			return err
		}
		ck, err := s.checks(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		if err := put(tx, a.brand.ID, ck, s.now()); err != nil {
			return err
		}
		return s.bumpBrand(ctx, tx, a.brand.ID)
	})
}

func (s *Service) bumpBrand(ctx context.Context, tx dm.Tx, brandID string) error {
	set, err := automationSettings(ctx, tx, brandID)
	if err != nil {
		return err
	}
	return s.bump(ctx, tx, set)
}

// DeleteRule deletes a rule (owners and admins).
func (s *Service) DeleteRule(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.DeleteRule(ctx, a.brand.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No rule %q.", dm.Truncate(id, 40))
		} else if err != nil {
			return err
		}
		return s.bumpBrand(ctx, tx, a.brand.ID)
	})
}

// ReorderRules puts a brand's rules in the order of ids, which must name
// each of them once (owners and admins).
func (s *Service) ReorderRules(ctx context.Context, me *dm.Account, handle string, ids []string) ([]dm.Rule, error) {
	var out []dm.Rule
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.LockBrand(ctx, a.brand.ID); err != nil {
			return err
		}
		rules, err := tx.Rules(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		byID := map[string]dm.Rule{}
		for _, r := range rules {
			byID[r.ID] = r
		}
		if len(ids) != len(rules) {
			return dm.Errorf(dm.EINVALID, "ids: name each of the brand's %d rules once.", len(rules))
		}
		for i, id := range ids {
			r, ok := byID[id]
			if !ok {
				return dm.Errorf(dm.EINVALID, "ids[%d]: no rule %q, or named twice.", i, dm.Truncate(id, 40))
			}
			delete(byID, id)
			r.Position = i
			if err := tx.PutRule(ctx, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return s.bumpBrand(ctx, tx, a.brand.ID)
	})
	return out, err
}

// Flows lists a brand's flows (any team member).
func (s *Service) Flows(ctx context.Context, me *dm.Account, handle string) ([]dm.Flow, error) {
	var out []dm.Flow
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.Flows(ctx, a.brand.ID)
		return err
	})
	return out, err
}

// PutFlow creates (id "") or replaces a flow (owners and admins).
func (s *Service) PutFlow(ctx context.Context, me *dm.Account, handle, id string, in dm.Flow) (*dm.Flow, bool, error) {
	f := dm.Flow{ID: id, Name: strings.TrimSpace(in.Name), Steps: in.Steps}
	for i := range f.Steps {
		if f.Steps[i].Options == nil {
			f.Steps[i].Options = []dm.FlowOption{}
		}
	}
	var created bool
	err := s.putAutomation(ctx, me, handle, func(tx dm.Tx, brandID string, ck automation.Checks, t time.Time) error {
		if err := automation.ValidateFlow(&f, ck); err != nil {
			return err
		}
		flows, err := tx.Flows(ctx, brandID)
		if err != nil {
			return err
		}
		if id == "" {
			if len(flows) >= dm.MaxFlowsPerBrand {
				return dm.Errorf(dm.EINVALID, "A brand has at most %d flows.", dm.MaxFlowsPerBrand)
			}
			f.ID, f.CreatedAt, created = dm.NewID(), t, true
		} else {
			k := slices.IndexFunc(flows, func(x dm.Flow) bool { return x.ID == id })
			if k < 0 {
				return dm.Errorf(dm.ENOTFOUND, "No flow %q.", dm.Truncate(id, 40))
			}
			f.CreatedAt = flows[k].CreatedAt
		}
		f.BrandID, f.UpdatedAt = brandID, t
		return tx.PutFlow(ctx, &f)
	})
	if err != nil {
		return nil, false, err
	}
	return &f, created, nil
}

// DeleteFlow deletes a flow no rule starts (owners and admins).
func (s *Service) DeleteFlow(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		rules, err := tx.Rules(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		for _, r := range rules {
			for _, act := range r.Actions {
				if act.Type == dm.ActStartFlow && act.Value == id {
					return dm.Errorf(dm.ECONFLICT, "Rule %q starts this flow: change or delete it first.", r.Name)
				}
			}
		}
		if err := tx.DeleteFlow(ctx, a.brand.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No flow %q.", dm.Truncate(id, 40))
		} else if err != nil {
			return err
		}
		return s.bumpBrand(ctx, tx, a.brand.ID)
	})
}

// DryRunInput is a sample customer message to try the rules on.
type DryRunInput struct {
	Text    string
	Payload string
	// FirstMessage pretends it is the customer's first message ever.
	FirstMessage bool
	// Customer, when set, is a real customer whose facts (follows,
	// attributes, the conversation's labels and status) are used.
	Customer string
	// At is the time to pretend it is (default now).
	At *time.Time
}

// DryRunResult is what the bot would do, without doing it.
type DryRunResult struct {
	Reply        *DryRunReply
	Handoff      bool
	AddLabels    []string
	RemoveLabels []string
	Assign       string
	Status       string
	Priority     string
	Log          []automation.LogLine
}

// DryRunReply is the message the customer would receive.
type DryRunReply struct {
	Text         string
	QuickReplies []dm.QuickReply
	RuleID       string
}

// DryRun shows which rules fire on a sample message and what the customer
// would receive; nothing is written or sent (any team member).
func (s *Service) DryRun(ctx context.Context, me *dm.Account, handle string, in DryRunInput) (*DryRunResult, error) {
	if err := dm.ValidateText(in.Text); err != nil {
		return nil, err
	}
	if err := dm.ValidatePayload(in.Payload); err != nil {
		return nil, err
	}
	var out *DryRunResult
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		set, err := automationSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		rules, err := tx.Rules(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		flows, err := tx.Flows(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		set.Enabled = true // a dry run tries the rules even while the bot is off
		p := automation.Compile(*set, rules, flows)
		bs, err := loadSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		now := s.now()
		if in.At != nil {
			now = in.At.UTC()
		}
		sc := newSchedule(bs)
		ev := automation.Event{Kind: automation.EventMessage, Text: in.Text, Payload: in.Payload, First: in.FirstMessage,
			OutsideHours: bs.HoursEnabled && !sc.open(now), Local: now.In(sc.loc), Status: dm.InboxOpen, Unassigned: true, Labels: []string{}}
		customer := &dm.Account{Handle: "customer", DisplayName: ""}
		if in.Customer != "" {
			// Only the brand's own customers: the team learns nothing here
			// of accounts that never wrote to it.
			c, err := customerOf(ctx, tx, a.brand.ID, in.Customer)
			if err != nil {
				return err
			}
			customer = c
			r, err := tx.Relationship(ctx, c.ID, a.brand.ID)
			if err != nil {
				return err
			}
			ev.Follows = r.AFollowsB
			if ev.Attributes, err = tx.CustomerAttributes(ctx, a.brand.ID, c.ID); err != nil {
				return err
			}
			if id, err := tx.DirectConversationID(ctx, c.ID, a.brand.ID); err == nil {
				if it, err := tx.InboxItem(ctx, id); err == nil {
					ev.Labels, ev.Status, ev.Unassigned = it.Labels, it.Status, it.AssigneeID == ""
				}
				if st, err := tx.BotState(ctx, id); err == nil {
					ev.State = *st
				}
			}
		}
		d := p.Evaluate(ev)
		out = &DryRunResult{Handoff: d.Handoff, AddLabels: nonNil(d.AddLabels), RemoveLabels: nonNil(d.RemoveLabels),
			Assign: d.Assign, Status: d.Status, Priority: d.Priority, Log: d.Log}
		if out.Log == nil {
			out.Log = []automation.LogLine{}
		}
		if d.Send != nil {
			tpl, err := ParseTemplate(d.Send.Text)
			if err != nil {
				return err
			}
			out.Reply = &DryRunReply{Text: tpl.Render(templateVars(customer, a.brand, nil)), QuickReplies: d.Send.QuickReplies, RuleID: d.Send.RuleID}
			if out.Reply.QuickReplies == nil {
				out.Reply.QuickReplies = []dm.QuickReply{}
			}
		}
		return nil
	})
	return out, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AutomationLog pages the audit trail of a brand's bot, newest first
// (conversationID "" for all; any team member).
func (s *Service) AutomationLog(ctx context.Context, me *dm.Account, handle, conversationID string, before time.Time, limit int) ([]dm.AutomationLogEntry, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before.IsZero() {
		before = s.now().Add(time.Millisecond)
	}
	var out []dm.AutomationLogEntry
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.AutomationLog(ctx, a.brand.ID, conversationID, before, limit)
		return err
	})
	return out, err
}

// maxAttributes bounds the attributes a brand keeps on one customer.
const maxAttributes = 50

// customerOf finds a customer of the brand by handle: an account that has
// a direct conversation with the brand (404 otherwise, so the team cannot
// probe other accounts through it).
func customerOf(ctx context.Context, tx dm.Tx, brandID, handle string) (*dm.Account, error) {
	h := dm.NormalizeHandle(handle)
	c, err := tx.AccountByHandle(ctx, h)
	if err == nil {
		_, err = tx.DirectConversationID(ctx, c.ID, brandID)
	}
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No customer @%s.", dm.Truncate(h, 40))
	}
	return c, err
}

// CustomerAttributes returns what the brand keeps on a customer (any team member).
func (s *Service) CustomerAttributes(ctx context.Context, me *dm.Account, handle, customer string) (map[string]string, error) {
	var out map[string]string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := customerOf(ctx, tx, a.brand.ID, customer)
		if err != nil {
			return err
		}
		out, err = tx.CustomerAttributes(ctx, a.brand.ID, c.ID)
		return err
	})
	return out, err
}

// SetCustomerAttributes sets (value "" removes) attributes of a customer
// (any team member) and returns them all.
func (s *Service) SetCustomerAttributes(ctx context.Context, me *dm.Account, handle, customer string, in map[string]string) (map[string]string, error) {
	if len(in) > maxAttributes {
		return nil, dm.Errorf(dm.EINVALID, "At most %d attributes.", maxAttributes)
	}
	for k, v := range in {
		if len(k) == 0 || len(k) > 64 || strings.ContainsFunc(k, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
		}) {
			return nil, dm.Errorf(dm.EINVALID, "attribute %q: keys are 1 to 64 letters, digits, '_', '-' or '.'.", dm.Truncate(k, 40))
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 200 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }) {
			return nil, dm.Errorf(dm.EINVALID, "attribute %s: a value is one line of at most 200 characters.", k)
		}
	}
	var out map[string]string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := customerOf(ctx, tx, a.brand.ID, customer)
		if err != nil {
			return err
		}
		for k, v := range in {
			if err := tx.SetCustomerAttribute(ctx, a.brand.ID, c.ID, k, strings.TrimSpace(v)); err != nil {
				return err
			}
		}
		if out, err = tx.CustomerAttributes(ctx, a.brand.ID, c.ID); err != nil {
			return err
		}
		if len(out) > maxAttributes {
			return dm.Errorf(dm.EINVALID, "At most %d attributes.", maxAttributes)
		}
		return nil
	})
	return out, err
}

// BotEntry is what a customer sees of a brand's bot before writing: the ice
// breakers of a first conversation, the persistent menu, and the button
// that reaches a person.
type BotEntry struct {
	IceBreakers []dm.QuickReply
	Menu        []dm.QuickReply
	Handoff     dm.QuickReply
}

// BotEntry returns what anyone may see of a brand's bot (nil when the
// brand has no bot switched on).
func (s *Service) BotEntry(ctx context.Context, b *dm.Account) (*BotEntry, error) {
	if b.Kind != dm.KindBrand {
		return nil, nil
	}
	var out *BotEntry
	err := s.store.View(ctx, func(tx dm.Tx) error {
		set, err := tx.AutomationSettings(ctx, b.ID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil
		}
		if err != nil || !set.Enabled {
			return err
		}
		out = &BotEntry{IceBreakers: dm.HonestQuickReplies(set.IceBreakers), Menu: dm.HonestQuickReplies(set.Menu), Handoff: automation.HandoffButton}
		return nil
	})
	return out, err
}
