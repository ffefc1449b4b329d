package api

import (
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
)

func (a *API) events(w http.ResponseWriter, r *http.Request, au *Auth) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	evs, next, err := a.chat.Events(r.Context(), au.Account, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": towire.Events(evs), "cursor": next})
}

// stream checks the cursor, then hands over to internal/ws.
func (a *API) stream(w http.ResponseWriter, r *http.Request, au *Auth) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		a.error(w, r, dm.Errorf(dm.EINVALID, "This endpoint is a WebSocket: connect with Upgrade: websocket (or poll GET /api/v1/events)."))
		return
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		// A bad cursor, or one older than the retained log, gets a plain
		// 400 or 410 before the upgrade, not a closed socket.
		if _, _, err := a.chat.Events(r.Context(), au.Account, c, 1); err != nil {
			a.error(w, r, err)
			return
		}
	}
	if a.cfg.Stream == nil {
		http.Error(w, "streaming is not configured", http.StatusNotImplemented)
		return
	}
	a.cfg.Stream(w, r, au)
}
