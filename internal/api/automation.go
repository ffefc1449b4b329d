package api

import (
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The automation endpoints, /api/v1/brands/{handle}/automation/...: the
// brand's bot settings, rules, flows, dry run and audit log, and the
// attributes a brand keeps on its customers. Team members read and try;
// owners and admins change (internal/brand checks both).

func (a *API) getAutomation(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	set, err := a.brand.Automation(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"automation": towire.AutomationSettings(set)})
}

func (a *API) putAutomation(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in wire.AutomationSettings
	// A full replace: a setting left out would be reset (the bot switched
	// off by {}), so every writable one is required.
	if err := decodeRequired(r, &in, "enabled", "handoff_words", "handoff_message", "loop_guard", "ice_breakers", "menu"); err != nil {
		a.error(w, r, err)
		return
	}
	set, err := a.brand.PutAutomation(r.Context(), au.Account, h, towire.AutomationSettingsFromWire(&in))
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"automation": towire.AutomationSettings(set)})
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	rules, err := a.brand.Rules(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": towire.Rules(rules)})
}

func (a *API) putRule(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := idUnlessCreate(r, create)
		if err != nil {
			a.error(w, r, err)
			return
		}
		var in wire.RuleInput
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		enabled := in.Enabled == nil || *in.Enabled
		rule, created, err := a.brand.PutRule(r.Context(), au.Account, h, id, brand.RuleInput{Name: in.Name, Enabled: enabled,
			Trigger: towire.TriggerFromWire(in.Trigger), Conditions: towire.ConditionsFromWire(in.Conditions),
			Actions: towire.ActionsFromWire(in.Actions)})
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeMaybeCreated(w, created, "rule", towire.Rule(rule))
	}
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.DeleteRule(r.Context(), au.Account, h, id))
}

func (a *API) reorderRules(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	rules, err := a.brand.ReorderRules(r.Context(), au.Account, h, in.IDs)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": towire.Rules(rules)})
}

func (a *API) listFlows(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	flows, err := a.brand.Flows(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"flows": towire.Flows(flows)})
}

func (a *API) putFlow(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := idUnlessCreate(r, create)
		if err != nil {
			a.error(w, r, err)
			return
		}
		var in wire.FlowInput
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		flow := in.Flow()
		f, created, err := a.brand.PutFlow(r.Context(), au.Account, h, id, towire.FlowFromWire(&flow))
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeMaybeCreated(w, created, "flow", towire.Flow(f))
	}
}

func (a *API) deleteFlow(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.DeleteFlow(r.Context(), au.Account, h, id))
}

func (a *API) dryRun(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in wire.DryRun
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	res, err := a.brand.DryRun(r.Context(), au.Account, h, brand.DryRunInput{Text: in.Text, Payload: in.Payload,
		FirstMessage: in.FirstMessage, Customer: in.Customer, At: in.At})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dryRunResult(res))
}

func (a *API) automationLog(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	n, err := limit(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	var before time.Time
	if v := r.URL.Query().Get("before"); v != "" {
		if before, err = time.Parse(time.RFC3339Nano, v); err != nil {
			a.error(w, r, dm.Errorf(dm.EINVALID, "before is a time such as 2026-05-01T12:00:00Z."))
			return
		}
	}
	entries, err := a.brand.AutomationLog(r.Context(), au.Account, h, r.URL.Query().Get("conversation"), before, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": towire.AutomationLog(entries)})
}

func (a *API) customerAttributes(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	c, err := pathValue(r, "customer")
	if err != nil {
		a.error(w, r, err)
		return
	}
	attrs, err := a.brand.CustomerAttributes(r.Context(), au.Account, h, c)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"attributes": attrs})
}

func (a *API) setCustomerAttributes(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	c, err := pathValue(r, "customer")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in struct {
		Attributes map[string]string `json:"attributes"`
	}
	if err := decodeRequired(r, &in, "attributes"); err != nil {
		a.error(w, r, err)
		return
	}
	attrs, err := a.brand.SetCustomerAttributes(r.Context(), au.Account, h, c, in.Attributes)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"attributes": attrs})
}
