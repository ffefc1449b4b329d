package api

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// cookieName is the web app's session cookie (HttpOnly, SameSite=Lax).
const cookieName = "parley_session"

// Auth is the authenticated caller of a request.
type Auth struct {
	Account *dm.Account
	Token   string
	// Cookie is true when the session came from the web app's cookie rather
	// than an Authorization header.
	Cookie bool
	// Bot is set when the request carries a bot token: Account is then the
	// brand account, and only the routes wrapped by botAuth serve it.
	Bot *brand.Bot
}

// authenticate finds the caller: a bearer token, else the session cookie. A
// cookie request that changes state must carry the CSRF token; a cookie
// WebSocket must come from a page of this origin.
func (a *API) authenticate(r *http.Request) (*Auth, error) {
	var au Auth
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Use Authorization: Bearer <token>.")
		}
		au.Token = strings.TrimSpace(token)
	} else if c, err := r.Cookie(cookieName); err == nil {
		au.Token, au.Cookie = c.Value, true
	} else {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Log in first.")
	}
	if brand.IsBotToken(au.Token) && !au.Cookie && a.brand != nil {
		bot, err := a.brand.AuthenticateBot(r.Context(), au.Token)
		if err != nil {
			return nil, err
		}
		au.Account, au.Bot = bot.Brand, bot
		return &au, nil
	}
	acc, err := a.chat.Authenticate(r.Context(), au.Token)
	if err != nil {
		return nil, err
	}
	au.Account = acc
	if au.Cookie {
		if err := checkCookieRequest(r, au.Token); err != nil {
			return nil, err
		}
	}
	return &au, nil
}

func checkCookieRequest(r *http.Request, token string) error {
	if r.Header.Get("Upgrade") != "" {
		if !sameOrigin(r) {
			return dm.Errorf(dm.EFORBIDDEN, "A cookie-authenticated stream must come from this site.")
		}
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get("X-CSRF-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(chat.CSRFToken(token))) != 1 {
		return dm.Errorf(dm.EFORBIDDEN, "Missing or wrong X-CSRF-Token header.")
	}
	return nil
}

// checkCookieLogin refuses a cookie login that a browser could have sent
// from another site: a non-JSON body (a plain form) or a foreign Origin.
func checkCookieLogin(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return dm.Errorf(dm.EFORBIDDEN, "A cookie login must be sent as application/json.")
	}
	if r.Header.Get("Origin") != "" && !sameOrigin(r) {
		return dm.Errorf(dm.EFORBIDDEN, "A cookie login must come from this site.")
	}
	return nil
}

// sameOrigin reports whether the request's Origin names this host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

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

// remoteAddr is the caller's IP, for throttling. Behind a reverse proxy
// (Config.TrustProxy) it is the address the proxy appended last to
// X-Forwarded-For; otherwise that header is ignored, since any client can
// send it.
func (a *API) remoteAddr(r *http.Request) string {
	if a.cfg.TrustProxy {
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

func (a *API) setSessionCookie(w http.ResponseWriter, token string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: token, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.cfg.SecureCookies,
	})
}

func (a *API) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.cfg.SecureCookies,
	})
}
