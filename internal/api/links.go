package api

import (
	"net/http"

	"github.com/parleyhq/parley/internal/brand"
)

// linkRedirect serves GET /l/{token}, a tracked link in a brand's message:
// no authentication (the token is the link), the click recorded before the
// redirect, and a 302 to the destination stored with the token, never
// anywhere a request names.
func (a *API) linkRedirect(w http.ResponseWriter, r *http.Request) {
	// Only a browser's GET counts: not a HEAD, nor this server's own link
	// preview fetching a URL it found in a message.
	count := r.Method == http.MethodGet && r.UserAgent() != LinkPreviewAgent
	dest, err := a.brand.Click(r.Context(), r.PathValue("token"), brand.ClickFrom{Addr: a.remoteAddr(r), Count: count})
	if err != nil {
		a.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Location", dest)
	h.Set("Cache-Control", "no-store")
	// The destination must not learn the token from the Referer.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusFound)
}

// LinkPreviewAgent is the User-Agent of this server's link previews
// (internal/server's safehttp client).
const LinkPreviewAgent = "Parley link preview"
