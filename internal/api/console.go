package api

import (
	"net/http"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The brand console's support-desk endpoints: service levels, agent teams,
// macros and the customer panel (internal/brand/console.go). Team members
// only: 404 for anyone else; changing service levels and agent teams, and
// shared macros, takes an owner or admin (403).

func (a *API) getServiceLevels(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	l, err := a.brand.ServiceLevels(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_levels": towire.ServiceLevels(l)})
}

// putServiceLevels replaces the service levels; a field left out keeps its value.
func (a *API) putServiceLevels(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		FirstResponseMinutes *int `json:"first_response_minutes"`
		NextResponseMinutes  *int `json:"next_response_minutes"`
		MaxOpenPerAgent      *int `json:"max_open_per_agent"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	cur, err := a.brand.ServiceLevels(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	l := *cur
	for _, f := range []struct {
		in  *int
		out *int
	}{{in.FirstResponseMinutes, &l.FirstResponseMinutes}, {in.NextResponseMinutes, &l.NextResponseMinutes}, {in.MaxOpenPerAgent, &l.MaxOpenPerAgent}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
	out, err := a.brand.PutServiceLevels(r.Context(), au.Account, h, l)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_levels": towire.ServiceLevels(out)})
}

func agentTeam(t *brand.AgentTeamView) wire.AgentTeam {
	w := wire.AgentTeam{ID: t.ID, Name: t.Name, Members: make([]wire.Profile, len(t.Members))}
	for i, p := range t.Members {
		w.Members[i] = towire.Profile(p)
	}
	return w
}

func (a *API) listAgentTeams(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	ts, err := a.brand.AgentTeams(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agent_teams": each(ts, agentTeam)})
}

func (a *API) putAgentTeam(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := idUnlessCreate(r, create)
		if err != nil {
			a.error(w, r, err)
			return
		}
		var in struct {
			Name    *string   `json:"name"`
			Members *[]string `json:"members"`
		}
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		t, err := a.brand.PutAgentTeam(r.Context(), au.Account, h, id, brand.AgentTeamInput{Name: in.Name, Members: in.Members})
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeMaybeCreated(w, create, "agent_team", agentTeam(t))
	}
}

func (a *API) deleteAgentTeam(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.DeleteAgentTeam(r.Context(), au.Account, h, id))
}

func (a *API) listMacros(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	ms, err := a.brand.Macros(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"macros": towire.Macros(ms)})
}

func (a *API) putMacro(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := idUnlessCreate(r, create)
		if err != nil {
			a.error(w, r, err)
			return
		}
		var in struct {
			Title     *string   `json:"title"`
			Text      *string   `json:"text"`
			AddLabels *[]string `json:"add_labels"`
			Status    *string   `json:"status"`
			Priority  *string   `json:"priority"`
			Assign    *string   `json:"assign"`
			Personal  bool      `json:"personal"`
		}
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		m, err := a.brand.PutMacro(r.Context(), au.Account, h, id, brand.MacroInput{Title: in.Title, Text: in.Text, AddLabels: in.AddLabels,
			Status: in.Status, Priority: in.Priority, Assign: in.Assign, Personal: in.Personal})
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeMaybeCreated(w, create, "macro", towire.Macro(m))
	}
}

func (a *API) deleteMacro(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.DeleteMacro(r.Context(), au.Account, h, id))
}

func (a *API) applyMacro(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		MacroID  string `json:"macro_id"`
		ClientID string `json:"client_id"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if in.MacroID == "" {
		a.error(w, r, dm.Errorf(dm.EINVALID, "macro_id is required."))
		return
	}
	res, err := a.brand.ApplyMacro(r.Context(), au.Account, h, id, in.MacroID, in.ClientID)
	if err != nil {
		a.error(w, r, err)
		return
	}
	status := http.StatusOK
	if res.Message != nil && res.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, wire.MacroResult{Message: teamMessage(res.Message), Inbox: *towire.InboxView(res.Inbox)})
}

func (a *API) customerPanel(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	c, err := pathValue(r, "customer")
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.brand.Customer(r.Context(), au.Account, h, c)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.CustomerPanel{Customer: towire.Profile(p.Customer), ConversationID: p.ConversationID, FollowsBrand: p.FollowsBrand,
		FirstContact: p.FirstContact, Conversations: make([]wire.ThreadSummary, len(p.Threads)), Attributes: p.Attributes,
		Labels: p.Labels, Notes: towire.CustomerNotes(p.Notes)}
	if out.Attributes == nil {
		out.Attributes = map[string]string{}
	}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	for i, th := range p.Threads {
		out.Conversations[i] = wire.ThreadSummary{ID: th.ID, OpenedAt: th.OpenedAt, FirstResponseAt: th.FirstResponseAt, ResolvedAt: th.ResolvedAt}
		if th.Assignee != nil {
			pr := towire.Profile(*th.Assignee)
			out.Conversations[i].Assignee = &pr
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"customer": out})
}

func (a *API) addCustomerNote(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	c, err := pathValue(r, "customer")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	n, err := a.brand.AddCustomerNote(r.Context(), au.Account, h, c, in.Text)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"note": towire.CustomerNote(n)})
}
