package brand

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// This file is what a support team used to Zendesk, Intercom or Chatwoot
// expects of the console: service-level targets counted in business hours,
// routing with a cap per agent and agent teams with their own round-robin,
// macros applied in one transaction, @mentions in private notes, the audit
// trail of a conversation, and the customer panel.

// Bounds of the console's inputs.
const (
	maxSLAMinutes     = 30 * 24 * 60
	maxOpenCap        = 10_000
	maxAgentTeams     = 50
	maxTeamMembers    = 200
	maxMacros         = 200 // per owner (and for the shared ones)
	maxMentions       = 10
	maxCustomerNotes  = 500
	maxMacroTitleRune = 64
)

// ---- Service levels -------------------------------------------------------

func loadLevels(ctx context.Context, tx dm.Tx, brandID string) (*dm.ServiceLevels, error) {
	l, err := tx.ServiceLevels(ctx, brandID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return &dm.ServiceLevels{BrandID: brandID}, nil
	}
	return l, err
}

// ServiceLevels returns a brand's response targets and the per-agent cap
// (any team member).
func (s *Service) ServiceLevels(ctx context.Context, me *dm.Account, handle string) (*dm.ServiceLevels, error) {
	var out *dm.ServiceLevels
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = loadLevels(ctx, tx, a.brand.ID)
		return err
	})
	return out, err
}

// PutServiceLevels replaces them (owners and admins).
func (s *Service) PutServiceLevels(ctx context.Context, me *dm.Account, handle string, in dm.ServiceLevels) (*dm.ServiceLevels, error) {
	for _, v := range []struct {
		name   string
		n, max int
	}{{"first_response_minutes", in.FirstResponseMinutes, maxSLAMinutes}, {"next_response_minutes", in.NextResponseMinutes, maxSLAMinutes},
		{"max_open_per_agent", in.MaxOpenPerAgent, maxOpenCap}} {
		if v.n < 0 || v.n > v.max {
			return nil, dm.Errorf(dm.EINVALID, "%s is 0 (off) to %d.", v.name, v.max)
		}
	}
	var out *dm.ServiceLevels
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		l := in
		l.BrandID, l.UpdatedAt = a.brand.ID, s.now()
		out = &l
		return tx.PutServiceLevels(ctx, &l)
	})
	return out, err
}

// slaClock measures waits against a brand's targets, in its business hours.
type slaClock struct {
	levels *dm.ServiceLevels
	sc     schedule
	now    time.Time
}

func (s *Service) slaClock(ctx context.Context, tx dm.Tx, brandID string) (*slaClock, error) {
	l, err := loadLevels(ctx, tx, brandID)
	if err != nil {
		return nil, err
	}
	set, err := loadSettings(ctx, tx, brandID)
	if err != nil {
		return nil, err
	}
	return &slaClock{levels: l, sc: newSchedule(set), now: s.now()}, nil
}

// state is where a conversation stands: nil unless a customer waits on an
// open or pending conversation and the brand has a target for this answer
// (the thread's first, or a next one).
func (c *slaClock) state(it *dm.InboxItem, status string) *dm.SLAState {
	if it.WaitingSince == nil || (status != dm.InboxOpen && status != dm.InboxPending) {
		return nil
	}
	kind, minutes := "first_response", c.levels.FirstResponseMinutes
	if it.FirstResponseAt != nil {
		kind, minutes = "next_response", c.levels.NextResponseMinutes
	}
	if minutes == 0 {
		return nil
	}
	target := time.Duration(minutes) * time.Minute
	left := target - c.sc.businessDuration(*it.WaitingSince, c.now)
	return &dm.SLAState{Kind: kind, TargetSeconds: int64(target / time.Second), RemainingSeconds: int64(left / time.Second), Breached: left <= 0}
}

// ---- Routing --------------------------------------------------------------

// pick returns the next of candidates (user ids in order) after last who
// is an available member of the brand's team and under the per-agent cap;
// "" when nobody is.
func (s *Step) pick(ctx context.Context, tx dm.Tx, brandID string, candidates []string, last string) (string, error) {
	if len(candidates) == 0 {
		return "", nil
	}
	levels, err := loadLevels(ctx, tx, brandID)
	if err != nil {
		return "", err
	}
	start := 0
	if i := slices.Index(candidates, last); i >= 0 {
		start = i + 1
	}
	for k := range candidates {
		id := candidates[(start+k)%len(candidates)]
		m, err := tx.TeamMember(ctx, brandID, id)
		if dm.IsCode(err, dm.ENOTFOUND) {
			continue // left the team
		}
		if err != nil {
			return "", err
		}
		if !m.Available {
			continue
		}
		if levels.MaxOpenPerAgent > 0 {
			n, err := tx.OpenAssigned(ctx, brandID, id)
			if err != nil {
				return "", err
			}
			if n >= levels.MaxOpenPerAgent {
				continue
			}
		}
		return id, nil
	}
	return "", nil
}

// teamRoundRobin returns the next agent of the named agent team, under the
// brand's lock, and moves that team's cursor ("" when nobody is free).
func (s *Step) teamRoundRobin(ctx context.Context, tx dm.Tx, brandID, name string) (string, error) {
	if err := tx.LockBrand(ctx, brandID); err != nil {
		return "", err
	}
	teams, err := tx.AgentTeams(ctx, brandID)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(teams, func(t dm.AgentTeam) bool { return t.Name == strings.ToLower(strings.TrimSpace(name)) })
	if i < 0 {
		return "", dm.Errorf(dm.ENOTFOUND, "No agent team %q.", dm.Truncate(name, 40))
	}
	t := &teams[i]
	id, err := s.pick(ctx, tx, brandID, t.Members, t.RoundRobinLast)
	if err != nil || id == "" {
		return "", err
	}
	t.RoundRobinLast, t.UpdatedAt = id, s.now()
	return id, tx.PutAgentTeam(ctx, t)
}

// AgentTeamView is an agent team as the API shows it.
type AgentTeamView struct {
	ID      string
	Name    string
	Members []dm.Profile
}

func teamView(ctx context.Context, tx dm.Tx, t *dm.AgentTeam) (*AgentTeamView, error) {
	v := &AgentTeamView{ID: t.ID, Name: t.Name, Members: []dm.Profile{}}
	for _, id := range t.Members {
		// A member who has left the brand's team is no longer shown (and
		// round-robin skips them).
		if _, err := tx.TeamMember(ctx, t.BrandID, id); dm.IsCode(err, dm.ENOTFOUND) {
			continue
		} else if err != nil {
			return nil, err
		}
		acc, err := tx.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		v.Members = append(v.Members, acc.Profile())
	}
	return v, nil
}

// AgentTeams lists a brand's agent teams (any team member).
func (s *Service) AgentTeams(ctx context.Context, me *dm.Account, handle string) ([]AgentTeamView, error) {
	out := []AgentTeamView{}
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		ts, err := tx.AgentTeams(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		for i := range ts {
			v, err := teamView(ctx, tx, &ts[i])
			if err != nil {
				return err
			}
			out = append(out, *v)
		}
		return nil
	})
	return out, err
}

// AgentTeamInput creates or changes an agent team; nil fields stay.
type AgentTeamInput struct {
	Name *string
	// Members are handles of the brand's team members.
	Members *[]string
}

// PutAgentTeam creates (id "") or changes an agent team (owners and admins).
func (s *Service) PutAgentTeam(ctx context.Context, me *dm.Account, handle, id string, in AgentTeamInput) (*AgentTeamView, error) {
	if id == "" && in.Name == nil {
		return nil, dm.Errorf(dm.EINVALID, "An agent team needs a name.")
	}
	var name string
	if in.Name != nil {
		n, err := normalizeLabel(*in.Name)
		if err != nil {
			return nil, dm.Errorf(dm.EINVALID, "name: %s", strings.ReplaceAll(dm.ErrorMessage(err), "A label", "A team name"))
		}
		name = n
	}
	if in.Members != nil && len(*in.Members) > maxTeamMembers {
		return nil, dm.Errorf(dm.EINVALID, "At most %d members.", maxTeamMembers)
	}
	var out *AgentTeamView
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		ts, err := tx.AgentTeams(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		t := &dm.AgentTeam{ID: dm.NewID(), BrandID: a.brand.ID, Members: []string{}, CreatedAt: s.now()}
		if id == "" {
			if len(ts) >= maxAgentTeams {
				return dm.Errorf(dm.EINVALID, "At most %d agent teams.", maxAgentTeams)
			}
		} else {
			i := slices.IndexFunc(ts, func(x dm.AgentTeam) bool { return x.ID == id })
			if i < 0 {
				return dm.Errorf(dm.ENOTFOUND, "No agent team %q.", dm.Truncate(id, 40))
			}
			t = &ts[i]
		}
		if in.Name != nil {
			t.Name = name
		}
		if in.Members != nil {
			t.Members = []string{}
			for _, h := range *in.Members {
				acc, _, err := teamMemberByHandle(ctx, tx, a.brand.ID, h)
				if err != nil {
					return err
				}
				if !slices.Contains(t.Members, acc.ID) {
					t.Members = append(t.Members, acc.ID)
				}
			}
		}
		t.UpdatedAt = s.now()
		if err := tx.PutAgentTeam(ctx, t); dm.IsCode(err, dm.ECONFLICT) {
			return dm.Errorf(dm.ECONFLICT, "An agent team is already named %q.", t.Name)
		} else if err != nil {
			return err
		}
		out, err = teamView(ctx, tx, t)
		return err
	})
	return out, err
}

// DeleteAgentTeam deletes an agent team (owners and admins).
func (s *Service) DeleteAgentTeam(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.DeleteAgentTeam(ctx, a.brand.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No agent team %q.", dm.Truncate(id, 40))
		} else {
			return err
		}
	})
}

// ---- Audit trail ----------------------------------------------------------

func cloneItem(it *dm.InboxItem) dm.InboxItem {
	c := *it
	c.Labels = slices.Clone(it.Labels)
	return c
}

// audit records, and tells the team of, each change of status, assignee,
// labels and priority between before and after; actor nil is the brand's
// automation. The entries live in the brand's tables and the team's logs
// only: the customer never sees them.
func (s *Step) audit(ctx context.Context, tx dm.Tx, out chat.Outbox, b *dm.Account, before dm.InboxItem, after *dm.InboxItem, actor *dm.Account, t time.Time) error {
	type change struct{ field, from, to string }
	var cs []change
	if before.Status != after.Status {
		cs = append(cs, change{dm.AuditStatus, before.Status, after.Status})
	}
	if before.AssigneeID != after.AssigneeID {
		from, err := handleOf(ctx, tx, before.AssigneeID)
		if err != nil {
			return err
		}
		to, err := handleOf(ctx, tx, after.AssigneeID)
		if err != nil {
			return err
		}
		cs = append(cs, change{dm.AuditAssignee, from, to})
	}
	if !slices.Equal(before.Labels, after.Labels) && !(len(before.Labels) == 0 && len(after.Labels) == 0) {
		cs = append(cs, change{dm.AuditLabels, strings.Join(before.Labels, ","), strings.Join(after.Labels, ",")})
	}
	if before.Priority != after.Priority && before.Priority != "" {
		cs = append(cs, change{dm.AuditPriority, before.Priority, after.Priority})
	}
	for _, c := range cs {
		e := &dm.AuditEntry{ID: dm.NewID(), BrandID: b.ID, ConversationID: after.ConversationID, Field: c.field, From: c.from, To: c.to, At: t}
		if actor != nil {
			e.ActorID, e.Actor = actor.ID, ptr(actor.Profile())
		}
		if err := tx.AddAuditEntry(ctx, e); err != nil {
			return err
		}
		if err := tellTeam(ctx, tx, out, b.ID, dm.Event{Type: dm.EventInboxAudit, ConversationID: e.ConversationID, At: t, Brand: b.Handle, Audit: e}); err != nil {
			return err
		}
	}
	return nil
}

func handleOf(ctx context.Context, tx dm.Tx, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	acc, err := tx.Account(ctx, id)
	if err != nil {
		return "", err
	}
	return acc.Handle, nil
}

// auditEntries reads a conversation's trail with each actor's profile.
func auditEntries(ctx context.Context, tx dm.Tx, brandID, convID string) ([]dm.AuditEntry, error) {
	es, err := tx.AuditEntries(ctx, brandID, convID)
	if err != nil {
		return nil, err
	}
	actors := map[string]*dm.Profile{}
	for i := range es {
		id := es[i].ActorID
		if id == "" {
			continue
		}
		p, ok := actors[id]
		if !ok {
			acc, err := tx.Account(ctx, id)
			if err != nil {
				return nil, err
			}
			p = ptr(acc.Profile())
			actors[id] = p
		}
		es[i].Actor = p
	}
	return es, nil
}

// ---- @mentions ------------------------------------------------------------

var mentionRE = regexp.MustCompile(`(?i)(?:^|[^a-z0-9_@])@([a-z0-9_]{3,30})\b`)

// mentions returns the distinct handles a text mentions, at most maxMentions.
func mentions(text string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		h := dm.NormalizeHandle(m[1])
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
		if len(out) == maxMentions {
			break
		}
	}
	return out
}

// mention gives each team member a note mentions (other than its author)
// an inbox.mention event in their own log. A handle that is not on the
// team is ignored: nobody outside learns of the note.
func (s *Service) mention(ctx context.Context, tx dm.Tx, ob chat.Outbox, a *access, n *dm.Note, v *dm.InboxView) error {
	for _, h := range mentions(n.Text) {
		acc, _, err := teamMemberByHandle(ctx, tx, a.brand.ID, h)
		if dm.IsCode(err, dm.ENOTFOUND) {
			continue
		}
		if err != nil {
			return err
		}
		if acc.ID == a.me.ID {
			continue
		}
		if err := ob.Add(ctx, acc.ID, dm.Event{Type: dm.EventInboxMention, ConversationID: n.ConversationID, At: n.CreatedAt,
			Brand: a.brand.Handle, Actor: ptr(a.me.Profile()), Note: n, Inbox: v}); err != nil {
			return err
		}
	}
	return nil
}

// ---- Macros ---------------------------------------------------------------

// MacroInput creates or changes a macro; nil fields stay.
type MacroInput struct {
	Title     *string
	Text      *string
	AddLabels *[]string
	Status    *string
	Priority  *string
	Assign    *string
	// Personal keeps a new macro for the caller alone (always, for agents).
	Personal bool
}

func macroVisible(m *dm.Macro, me *dm.Account) bool { return m.OwnerID == "" || m.OwnerID == me.ID }

// Macros lists the macros the caller may use: the shared ones and their own.
func (s *Service) Macros(ctx context.Context, me *dm.Account, handle string) ([]dm.Macro, error) {
	out := []dm.Macro{}
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		all, err := tx.Macros(ctx, a.brand.ID)
		for i := range all {
			if macroVisible(&all[i], me) {
				out = append(out, all[i])
			}
		}
		return err
	})
	return out, err
}

// checkMacro validates a macro before it is saved; the assignee is checked
// again when it is applied (a member may have left since).
func checkMacro(ctx context.Context, tx dm.Tx, brandID string, m *dm.Macro) error {
	m.Title = strings.TrimSpace(m.Title)
	if m.Title == "" {
		return dm.Errorf(dm.EINVALID, "title is empty.")
	}
	if err := dm.ValidateTitle(m.Title); err != nil {
		return err
	}
	if len([]rune(m.Title)) > maxMacroTitleRune {
		return dm.Errorf(dm.EINVALID, "title has at most %d characters.", maxMacroTitleRune)
	}
	if m.Text != "" {
		if err := dm.ValidateText(m.Text); err != nil {
			return dm.Errorf(dm.EINVALID, "text: %s", dm.ErrorMessage(err))
		}
		if _, err := ParseTemplate(m.Text); err != nil {
			return err
		}
	}
	if len(m.AddLabels) > maxLabels {
		return dm.Errorf(dm.EINVALID, "At most %d labels.", maxLabels)
	}
	labels := []string{}
	for _, l := range m.AddLabels {
		n, err := normalizeLabel(l)
		if err != nil {
			return err
		}
		if !slices.Contains(labels, n) {
			labels = append(labels, n)
		}
	}
	m.AddLabels = labels
	switch m.Status {
	case "", dm.InboxOpen, dm.InboxPending, dm.InboxResolved:
	default:
		return dm.Errorf(dm.EINVALID, "status is open, pending, resolved or empty.")
	}
	if m.Priority != "" && !validPriority(m.Priority) {
		return dm.Errorf(dm.EINVALID, "priority is none, low, medium, high, urgent or empty.")
	}
	if m.Text == "" && len(m.AddLabels) == 0 && m.Status == "" && m.Priority == "" && m.Assign == "" {
		return dm.Errorf(dm.EINVALID, "A macro does at least one thing: text, add_labels, status, priority or assign.")
	}
	m.Assign = strings.TrimSpace(m.Assign)
	switch {
	case m.Assign == "", m.Assign == "me":
	case strings.HasPrefix(m.Assign, "team:"):
		ts, err := tx.AgentTeams(ctx, brandID)
		if err != nil {
			return err
		}
		name := strings.ToLower(strings.TrimPrefix(m.Assign, "team:"))
		if !slices.ContainsFunc(ts, func(t dm.AgentTeam) bool { return t.Name == name }) {
			return dm.Errorf(dm.EINVALID, "assign: no agent team %q.", dm.Truncate(name, 40))
		}
		m.Assign = "team:" + name
	default:
		acc, _, err := teamMemberByHandle(ctx, tx, brandID, strings.TrimPrefix(m.Assign, "@"))
		if err != nil {
			return dm.Errorf(dm.EINVALID, "assign is a team member's handle, team:<name>, me, or empty.")
		}
		m.Assign = acc.Handle
	}
	return nil
}

// PutMacro creates (id "") or changes a macro: any member keeps their own;
// owners and admins also keep the team's shared ones.
func (s *Service) PutMacro(ctx context.Context, me *dm.Account, handle, id string, in MacroInput) (*dm.Macro, error) {
	if id == "" && in.Title == nil {
		return nil, dm.Errorf(dm.EINVALID, "A macro needs a title.")
	}
	var out *dm.Macro
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		all, err := tx.Macros(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		t := s.now()
		m := &dm.Macro{ID: dm.NewID(), BrandID: a.brand.ID, AddLabels: []string{}, CreatedAt: t}
		if in.Personal || !a.manager() {
			m.OwnerID = me.ID
		}
		if id == "" {
			if n := len(slices.DeleteFunc(slices.Clone(all), func(x dm.Macro) bool { return x.OwnerID != m.OwnerID })); n >= maxMacros {
				return dm.Errorf(dm.EINVALID, "At most %d macros.", maxMacros)
			}
		} else {
			i := slices.IndexFunc(all, func(x dm.Macro) bool { return x.ID == id && macroVisible(&x, me) })
			if i < 0 {
				return dm.Errorf(dm.ENOTFOUND, "No macro %q.", dm.Truncate(id, 40))
			}
			m = &all[i]
			if err := mayEdit(a, m.OwnerID, "macro", id); err != nil {
				return err
			}
		}
		if in.Title != nil {
			m.Title = *in.Title
		}
		if in.Text != nil {
			m.Text = *in.Text
		}
		if in.AddLabels != nil {
			m.AddLabels = *in.AddLabels
		}
		if in.Status != nil {
			m.Status = *in.Status
		}
		if in.Priority != nil {
			m.Priority = *in.Priority
		}
		if in.Assign != nil {
			m.Assign = *in.Assign
		}
		if err := checkMacro(ctx, tx, a.brand.ID, m); err != nil {
			return err
		}
		m.UpdatedAt = t
		if err := tx.PutMacro(ctx, m); dm.IsCode(err, dm.ECONFLICT) {
			return dm.Errorf(dm.ECONFLICT, "A macro is already titled %q.", m.Title)
		} else if err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

// DeleteMacro deletes a macro (its owner; shared ones: owners and admins).
func (s *Service) DeleteMacro(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		m, err := findMacro(ctx, tx, a.brand.ID, id, me)
		if err != nil {
			return err
		}
		if err := mayEdit(a, m.OwnerID, "macro", id); err != nil {
			return err
		}
		return tx.DeleteMacro(ctx, a.brand.ID, id)
	})
}

func findMacro(ctx context.Context, tx dm.Tx, brandID, id string, me *dm.Account) (*dm.Macro, error) {
	all, err := tx.Macros(ctx, brandID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(all, func(x dm.Macro) bool { return x.ID == id && macroVisible(&x, me) })
	if i < 0 {
		return nil, dm.Errorf(dm.ENOTFOUND, "No macro %q.", dm.Truncate(id, 40))
	}
	return &all[i], nil
}

// MacroResult is what applying a macro did.
type MacroResult struct {
	// Message is the reply it sent (nil for a macro without text).
	Message *TeamMessage
	Inbox   *dm.InboxView
	// Created is false when ClientID named a reply already sent: the
	// macro had been applied, and nothing happened again.
	Created bool
}

// ApplyMacro applies a macro to a brand conversation: it sends the reply
// (rendered for the customer, as the caller) and sets labels, status,
// priority and assignee, all in the send's one transaction, so that either
// every step happens or none does (an assignee who left the team fails the
// whole macro, the reply included).
func (s *Service) ApplyMacro(ctx context.Context, me *dm.Account, handle, convID, macroID, clientID string) (*MacroResult, error) {
	if err := dm.ValidateClientID(clientID); err != nil {
		return nil, err
	}
	var m *dm.Macro
	var b, agent *dm.Account
	var text, agentName string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		if m, err = findMacro(ctx, tx, a.brand.ID, macroID, me); err != nil {
			return err
		}
		b, agent = a.brand, a.agent()
		if m.Text == "" {
			return nil
		}
		set, err := loadSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		if set.ShowAgentName && agent != nil {
			agentName = firstName(agent.DisplayName)
		}
		cust, err := tx.Account(ctx, it.CustomerID)
		if err != nil {
			return err
		}
		tpl, err := ParseTemplate(m.Text)
		if err != nil {
			return err
		}
		text = tpl.Render(templateVars(cust, a.brand, agent))
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &MacroResult{Created: true}
	within := func(ctx context.Context, tx dm.Tx, ob chat.Outbox) error {
		// Access is checked again inside the transaction: the team may
		// have changed since the read above.
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		u := InboxUpdate{}
		if m.Status != "" {
			u.Status = &m.Status
		}
		if m.Priority != "" {
			u.Priority = &m.Priority
		}
		labels := slices.Clone(it.Labels)
		for _, l := range m.AddLabels {
			if !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		if len(labels) > maxLabels {
			return dm.Errorf(dm.EINVALID, "At most %d labels.", maxLabels)
		}
		u.Labels = &labels
		switch {
		case m.Assign == "":
		case m.Assign == "me":
			if a.agent() == nil {
				return dm.Errorf(dm.EINVALID, "The brand account itself cannot be assigned; assign a team member.")
			}
			u.Assignee = &me.Handle
		case strings.HasPrefix(m.Assign, "team:"):
			name := strings.TrimPrefix(m.Assign, "team:")
			u.Team = &name
		default:
			u.Assignee = &m.Assign
		}
		if u.Assignee != nil {
			// A member who left the team: the macro fails as a whole.
			if _, _, err := teamMemberByHandle(ctx, tx, a.brand.ID, *u.Assignee); err != nil {
				return err
			}
		}
		if _, err := u.check(s.now()); err != nil {
			return err
		}
		res.Inbox, err = s.updateTx(ctx, tx, ob, a, it, u, labels)
		return err
	}
	if text == "" {
		err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error { return within(ctx, tx, ob) })
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	if agent != nil && clientID != "" {
		clientID = agentClientID(agent, clientID)
	}
	msg, created, err := s.chat.Send(ctx, b, convID, chat.SendParams{Text: text, ClientID: clientID, Agent: agent, AgentName: agentName,
		Within: func(ctx context.Context, tx dm.Tx, ob chat.Outbox, _ *dm.Message) error { return within(ctx, tx, ob) }})
	if err != nil {
		return nil, err
	}
	res.Created = created
	res.Message = &TeamMessage{Message: *msg}
	if agent != nil {
		res.Message.Author = ptr(agent.Profile())
	}
	if !created {
		// A retry: the macro was applied with the first send.
		d, err := s.Conversation(ctx, me, handle, convID, 1)
		if err != nil {
			return nil, err
		}
		res.Inbox = d.Inbox
	}
	return res, nil
}

// ---- The customer panel ---------------------------------------------------

// CustomerPanel is what the team knows of one customer.
type CustomerPanel struct {
	Customer       dm.Profile
	ConversationID string
	FollowsBrand   bool
	// FirstContact is when the customer's conversation with the brand began.
	FirstContact time.Time
	// Threads are the customer's conversations with the brand, each from
	// the message that opened it to its resolution, newest first.
	Threads    []ThreadSummary
	Attributes map[string]string
	Labels     []string
	Notes      []dm.CustomerNote
}

// ThreadSummary is one earlier (or the current) conversation of a customer.
type ThreadSummary struct {
	ID              string
	OpenedAt        time.Time
	FirstResponseAt *time.Time
	ResolvedAt      *time.Time
	Assignee        *dm.Profile
}

// Customer returns the customer panel (any team member; a customer is an
// account with a conversation with the brand, anyone else is a 404).
func (s *Service) Customer(ctx context.Context, me *dm.Account, handle, customer string) (*CustomerPanel, error) {
	var out *CustomerPanel
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := customerOf(ctx, tx, a.brand.ID, customer)
		if err != nil {
			return err
		}
		convID, err := tx.DirectConversationID(ctx, c.ID, a.brand.ID)
		if err != nil {
			return err
		}
		p := &CustomerPanel{Customer: c.Profile(), ConversationID: convID, Labels: []string{}, Threads: []ThreadSummary{}}
		it, err := tx.InboxItem(ctx, convID)
		switch {
		case dm.IsCode(err, dm.ENOTFOUND):
			// A conversation the customer never wrote in: no inbox item yet.
			conv, err := tx.Conversation(ctx, convID, a.brand.ID)
			if err != nil {
				return err
			}
			p.FirstContact = conv.CreatedAt
		case err != nil:
			return err
		default:
			p.FirstContact, p.Labels = it.CreatedAt, it.Labels
		}
		r, err := tx.Relationship(ctx, c.ID, a.brand.ID)
		if err != nil {
			return err
		}
		p.FollowsBrand = r.AFollowsB
		ths, err := tx.ConversationThreads(ctx, convID)
		if err != nil {
			return err
		}
		for i := len(ths) - 1; i >= 0; i-- {
			th := ths[i]
			ts := ThreadSummary{ID: th.ID, OpenedAt: th.OpenedAt, FirstResponseAt: th.FirstResponseAt, ResolvedAt: th.ResolvedAt}
			if th.AssigneeID != "" {
				acc, err := tx.Account(ctx, th.AssigneeID)
				if err != nil {
					return err
				}
				ts.Assignee = ptr(acc.Profile())
			}
			p.Threads = append(p.Threads, ts)
		}
		if p.Attributes, err = tx.CustomerAttributes(ctx, a.brand.ID, c.ID); err != nil {
			return err
		}
		if p.Notes, err = tx.CustomerNotes(ctx, a.brand.ID, c.ID); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, err
}

// AddCustomerNote keeps a private note on a customer (any team member).
func (s *Service) AddCustomerNote(ctx context.Context, me *dm.Account, handle, customer, text string) (*dm.CustomerNote, error) {
	if err := dm.ValidateText(text); err != nil {
		return nil, err
	}
	var n *dm.CustomerNote
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := customerOf(ctx, tx, a.brand.ID, customer)
		if err != nil {
			return err
		}
		ns, err := tx.CustomerNotes(ctx, a.brand.ID, c.ID)
		if err != nil {
			return err
		}
		if len(ns) >= maxCustomerNotes {
			return dm.Errorf(dm.EINVALID, "At most %d notes on one customer.", maxCustomerNotes)
		}
		n = &dm.CustomerNote{ID: dm.NewID(), BrandID: a.brand.ID, CustomerID: c.ID, Author: me.Profile(), Text: text, CreatedAt: s.now()}
		return tx.AddCustomerNote(ctx, n)
	})
	return n, err
}
