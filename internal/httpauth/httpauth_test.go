package httpauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/httpauth"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestAuthenticate checks how a request proves who sent it: a bearer token
// anywhere, a cookie only with the CSRF token on a state change and only
// from this site on a WebSocket upgrade.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ids := identity.New(store, identity.Config{PasswordCost: identity.CheapPasswordCost()})
	if _, err := ids.Signup(ctx, identity.SignupParams{Handle: "amy", Password: "password-amy"}); err != nil {
		t.Fatal(err)
	}
	s, err := ids.Login(ctx, "amy", "password-amy", "test")
	if err != nil {
		t.Fatal(err)
	}
	req := func(method string, set func(r *http.Request)) *http.Request {
		r := httptest.NewRequest(method, "http://parley.test/api/v1/me", nil)
		set(r)
		return r
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	cookie := func(extra func(r *http.Request)) func(*http.Request) {
		return func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: httpauth.CookieName, Value: s.Token})
			if extra != nil {
				extra(r)
			}
		}
	}
	withCSRF := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-CSRF-Token", tok) }
	}
	upgrade := func(origin string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Upgrade", "websocket"); r.Header.Set("Origin", origin) }
	}
	for _, tc := range []struct {
		name   string
		r      *http.Request
		code   string // "" when the request is authenticated
		cookie bool
	}{
		{"bearer GET", req("GET", bearer(s.Token)), "", false},
		{"bearer POST needs no CSRF token", req("POST", bearer(s.Token)), "", false},
		{"bearer with a made-up token", req("GET", bearer("made-up")), dm.EUNAUTHENTICATED, false},
		{"not a bearer scheme", req("GET", func(r *http.Request) { r.Header.Set("Authorization", "Basic eDp5") }), dm.EUNAUTHENTICATED, false},
		{"no credentials", req("GET", func(*http.Request) {}), dm.EUNAUTHENTICATED, false},
		{"cookie GET", req("GET", cookie(nil)), "", true},
		{"cookie POST without CSRF token", req("POST", cookie(nil)), dm.EFORBIDDEN, true},
		{"cookie POST with a wrong CSRF token", req("POST", cookie(withCSRF("wrong"))), dm.EFORBIDDEN, true},
		{"cookie POST with the CSRF token", req("POST", cookie(withCSRF(identity.CSRFToken(s.Token)))), "", true},
		{"cookie WebSocket from this site", req("GET", cookie(upgrade("http://parley.test"))), "", true},
		{"cookie WebSocket from another site", req("GET", cookie(upgrade("https://evil.example"))), dm.EFORBIDDEN, true},
		{"cookie POST with an Upgrade header and no CSRF token", req("POST", cookie(upgrade("http://parley.test"))), dm.EFORBIDDEN, true},
		{"cookie DELETE with an Upgrade header and no CSRF token", req("DELETE", cookie(upgrade("http://parley.test"))), dm.EFORBIDDEN, true},
		{"cookie POST with an Upgrade header and the CSRF token", req("POST", cookie(func(r *http.Request) {
			upgrade("http://parley.test")(r)
			withCSRF(identity.CSRFToken(s.Token))(r)
		})), "", true},
	} {
		au, err := httpauth.Authenticate(tc.r, ids)
		if tc.code != "" {
			if !dm.IsCode(err, tc.code) {
				t.Errorf("%s: want %s, got %v", tc.name, tc.code, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if au.Account.Handle != "amy" || au.Token != s.Token || au.Cookie != tc.cookie {
			t.Errorf("%s: got %+v, want amy's session (cookie %v)", tc.name, au, tc.cookie)
		}
	}
}
