package api

import (
	"net"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/httpauth"
)

// Auth is the authenticated caller of a request (internal/httpauth, shared
// with the WebSocket stream); the handlers take it under this short name.
type Auth = httpauth.Auth

// auth wraps a handler that needs a logged-in person or brand. A bot
// token gets the 404 of an unknown route: a bot acts only where botAuth
// lets it, so a route added without thought is closed to bots.
func (a *API) auth(fn func(http.ResponseWriter, *http.Request, *Auth)) http.HandlerFunc {
	return a.botAuth(func(w http.ResponseWriter, r *http.Request, au *Auth) {
		if au.Bot != nil {
			a.error(w, r, errNoRoute)
			return
		}
		fn(w, r, au)
	})
}

// botAuth wraps a handler that also serves a brand's bot token (the brand
// inbox's read and answer routes).
func (a *API) botAuth(fn func(http.ResponseWriter, *http.Request, *Auth)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		au, err := a.authenticate(r)
		if err != nil {
			a.error(w, r, err)
			return
		}
		fn(w, r, au)
	}
}

// authenticate finds the caller: a brand's bot token (in the Authorization
// header only, told apart by its prefix), else a session (httpauth).
func (a *API) authenticate(r *http.Request) (*Auth, error) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if token = strings.TrimSpace(token); brand.IsBotToken(token) {
			bot, err := a.brand.AuthenticateBot(r.Context(), token)
			if err != nil {
				return nil, err
			}
			if bot.Brand.Suspended {
				return nil, dm.Errorf(dm.EUNAUTHENTICATED, "This brand is suspended.")
			}
			return &Auth{Account: bot.Brand, Token: token, Bot: bot.Token}, nil
		}
	}
	return httpauth.Authenticate(r, a.identity)
}

// bot is the brand bot of a request made with a bot token (nil otherwise).
func bot(au *Auth) *brand.Bot {
	if au.Bot == nil {
		return nil
	}
	return &brand.Bot{Token: au.Bot, Brand: au.Account}
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
