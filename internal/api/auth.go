package api

import (
	"net"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/httpauth"
)

// Auth is the authenticated caller of a request (internal/httpauth, shared
// with the WebSocket stream); the handlers take it under this short name.
type Auth = httpauth.Auth

// auth wraps a handler that needs a logged-in caller.
func (a *API) auth(fn func(http.ResponseWriter, *http.Request, *Auth)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		au, err := httpauth.Authenticate(r, a.identity)
		if err != nil {
			a.error(w, r, err)
			return
		}
		fn(w, r, au)
	}
}

// remoteAddr is the caller's IP, for throttling (see ClientAddr).
func (a *API) remoteAddr(r *http.Request) string { return ClientAddr(r, a.cfg.TrustProxy) }

// ClientAddr is the caller's IP, for throttling. Behind a reverse proxy
// (trustProxy) it is the address the proxy appended last to
// X-Forwarded-For; otherwise that header is ignored, since any client can
// send it. The XRPC surface throttles its logins with it too.
func ClientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
