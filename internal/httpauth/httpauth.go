// Package httpauth authenticates HTTP requests for every surface that serves
// them (the JSON API, the WebSocket stream, later XRPC): a bearer token or the
// web app's session cookie, with the CSRF and same-origin checks a cookie
// needs. It is its own package so that those surfaces need not import each
// other.
package httpauth

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
)

// CookieName is the web app's session cookie (HttpOnly, SameSite=Lax).
const CookieName = "parley_session"

// Auth is the authenticated caller of a request.
type Auth struct {
	Account *dm.Account
	Token   string
	// Cookie is true when the session came from the web app's cookie rather
	// than an Authorization header.
	Cookie bool
	// Bot is set when a brand's bot token authenticated the request (the
	// API checks those, internal/brand): Account is then the brand account,
	// and only the routes that let bots in serve the request.
	Bot *dm.BotToken
}

// Authenticate finds the caller of r through ids: a bearer token, else the
// session cookie. A cookie request that changes state must carry the CSRF
// token; a cookie WebSocket must come from a page of this origin.
func Authenticate(r *http.Request, ids *identity.Service) (*Auth, error) {
	var au Auth
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Use Authorization: Bearer <token>.")
		}
		au.Token = strings.TrimSpace(token)
	} else if c, err := r.Cookie(CookieName); err == nil {
		au.Token, au.Cookie = c.Value, true
	} else {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Log in first.")
	}
	acc, err := ids.Authenticate(r.Context(), au.Token)
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
	// Only the stream's handshake (a GET) is told apart by its Upgrade
	// header: it cannot carry the CSRF header, so its Origin is checked
	// instead. Any other method with an Upgrade header is an ordinary state
	// change and needs the CSRF token like the rest: a header alone must
	// never skip the check.
	if r.Method == http.MethodGet && r.Header.Get("Upgrade") != "" {
		if !SameOrigin(r) {
			return dm.Errorf(dm.EFORBIDDEN, "A cookie-authenticated stream must come from this site.")
		}
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get("X-CSRF-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(identity.CSRFToken(token))) != 1 {
		return dm.Errorf(dm.EFORBIDDEN, "Missing or wrong X-CSRF-Token header.")
	}
	return nil
}

// CheckCookieLogin refuses a cookie login that a browser could have sent
// from another site: a non-JSON body (a plain form) or a foreign Origin.
func CheckCookieLogin(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return dm.Errorf(dm.EFORBIDDEN, "A cookie login must be sent as application/json.")
	}
	if r.Header.Get("Origin") != "" && !SameOrigin(r) {
		return dm.Errorf(dm.EFORBIDDEN, "A cookie login must come from this site.")
	}
	return nil
}

// CheckNotCrossSite refuses a request that a page of another site made a
// visitor's browser send (its Origin names another host). A sign-up needs
// no cookie to be worth forging: a form elsewhere (text/plain passes as
// JSON) would create the attacker's accounts from each visitor's address,
// past the per-address sign-up limit. API clients send no Origin, and no
// other site may read this API (no CORS grant), so nobody legitimate is
// refused.
func CheckNotCrossSite(r *http.Request) error {
	if r.Header.Get("Origin") != "" && !SameOrigin(r) {
		return dm.Errorf(dm.EFORBIDDEN, "This request must come from this site.")
	}
	return nil
}

// SameOrigin reports whether the request's Origin names this host.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// SetSessionCookie gives the browser a session cookie that lasts ttl;
// secure marks it Secure (behind HTTPS).
func SetSessionCookie(w http.ResponseWriter, token string, ttl time.Duration, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure,
	})
}

// ClearSessionCookie makes the browser drop its session cookie.
func ClearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure,
	})
}
