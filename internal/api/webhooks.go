package api

import (
	"encoding/json"
	"net/http"

	"github.com/parleyhq/parley/internal/webhooks"
)

// External bots: a brand's webhook endpoints, their delivery log, and its
// bot tokens. Thin handlers over internal/webhooks and internal/brand, which
// answer 404 to anyone but the brand's owners and admins. Secrets (an
// endpoint's signing secret, a bot token) are in the answer of the call
// that makes them, and never again.

// hooksHandler wraps a handler of the webhook routes.
func (a *API) hooksHandler(fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle string)) http.HandlerFunc {
	return a.brandHandler(func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		if a.hooks == nil {
			a.error(w, r, errNoRoute)
			return
		}
		fn(w, r, au, h)
	})
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	es, err := a.hooks.Endpoints(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": es})
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		URL         string   `json:"url"`
		Description string   `json:"description"`
		Events      []string `json:"events"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	e, secret, err := a.hooks.CreateEndpoint(r.Context(), au.Account, h, webhooks.EndpointInput{URL: in.URL, Description: in.Description, Events: in.Events})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": e, "secret": secret})
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.hooks.DeleteEndpoint(r.Context(), au.Account, h, id))
}

func (a *API) rotateWebhook(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	e, secret, err := a.hooks.RotateSecret(r.Context(), au.Account, h, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": e, "secret": secret})
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ep, err := param(r, "endpoint")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ds, next, err := a.hooks.Deliveries(r.Context(), au.Account, h, ep, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds, "next_cursor": next})
}

func (a *API) getDelivery(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	d, body, err := a.hooks.Delivery(r.Context(), au.Account, h, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivery": d, "payload": json.RawMessage(body)})
}

func (a *API) redeliver(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	d, err := a.hooks.Redeliver(r.Context(), au.Account, h, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"delivery": d})
}

func (a *API) listBotTokens(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	ts, err := a.brand.BotTokens(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"bot_tokens": ts})
}

func (a *API) createBotToken(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	t, secret, err := a.brand.CreateBotToken(r.Context(), au.Account, h, in.Name)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"bot_token": t, "token": secret})
}

func (a *API) revokeBotToken(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.RevokeBotToken(r.Context(), au.Account, h, id))
}
