package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/xrpc"

	"github.com/parleyhq/parley/internal/server"
)

// The tests of this file come from a third hostile probe, of the newest
// features (search, XRPC refresh grace, resumable uploads, bot tokens):
// each attacks the running server through its public surface and asserts
// the secure outcome.

// TestXRPCRotatedRefreshTokenNoBranches: someone who holds a refresh token
// its owner has just rotated (copied from a stolen backup, a log, a second
// tab) refreshes it again and again within the two-minute grace. A reuse
// must not open a refresh session of its own that outlives the owner's:
// otherwise each reuse is a new 30-day login, and the owner's logout
// (deleteSession of their current refresh token) leaves them all alive.
// After that logout, the rotated token refreshes nothing, grace or not.
func TestXRPCRotatedRefreshTokenNoBranches(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e := startWith(t, limitsOff, func(c *server.Config) { c.Now = clk.Now })
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	e.user("alice")
	a := xlogin(t, e, rec, "alice", password("alice"))
	with := func(tok string) *xrpc.Client {
		return &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: tok}}
	}
	old := a.x.Auth.RefreshJwt
	owner, err := comatproto.ServerRefreshSession(ctx, with(old))
	must(t, err, "the owner refreshes")

	// The thief reuses the rotated token within the grace, three times.
	var stolen []*comatproto.ServerRefreshSession_Output
	for range 3 {
		clk.Add(10 * time.Second)
		s, err := comatproto.ServerRefreshSession(ctx, with(old))
		must(t, err, "a reuse within the grace")
		stolen = append(stolen, s)
	}
	// The owner logs out.
	must(t, comatproto.ServerDeleteSession(ctx, with(owner.RefreshJwt)), "the owner's deleteSession")
	_, err = comatproto.ServerRefreshSession(ctx, with(old))
	wantXRPC(t, err, 400, "ExpiredToken", "the rotated token after its successor's deleteSession, within the grace")
	// Long after the grace, nothing the reuses returned refreshes.
	clk.Add(5 * time.Minute)
	for i, s := range stolen {
		_, err := comatproto.ServerRefreshSession(ctx, with(s.RefreshJwt))
		wantXRPC(t, err, 400, "ExpiredToken", "the refresh token of a reuse after the owner's logout")
		if _, err := comatproto.ServerGetSession(ctx, with(s.AccessJwt)); err == nil {
			t.Errorf("reuse %d: its access token still works after the owner's logout and the grace", i)
		}
	}
	checkRecorded(t, rec)
}

// TestXRPCRefreshSecretIsNoAccessToken: the holder of a refresh token takes
// the secret out of it (the claims are readable, and the HMAC is keyed with
// the secret itself) and uses it where an access token goes: re-signed as
// an access token for XRPC calls, and as a native bearer token with the
// store's prefix. Neither opens anything: the two kinds of session must
// not be swapped (docs/xrpc.md), and a refresh session used as an access
// one would skip rotation for 30 days.
func TestXRPCRefreshSecretIsNoAccessToken(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	e.user("alice")
	a := xlogin(t, e, rec, "alice", password("alice"))
	b64 := base64.RawURLEncoding
	parts := strings.Split(a.x.Auth.RefreshJwt, ".")
	body, err := b64.DecodeString(parts[1])
	must(t, err, "decode the refresh token")
	var c map[string]any
	must(t, json.Unmarshal(body, &c), "the refresh token's claims")
	secret, _ := c["jti"].(string)
	stored := "xrpc-refresh:" + secret
	c["scope"], c["jti"] = "com.atproto.access", stored
	delete(c, "acc")
	claims, _ := json.Marshal(c)
	signed := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"at+jwt"}`)) + "." + b64.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(stored))
	mac.Write([]byte(signed))
	forged := signed + "." + b64.EncodeToString(mac.Sum(nil))
	_, err = comatproto.ServerGetSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: forged}})
	wantXRPC(t, err, 401, "InvalidToken", "a refresh secret re-signed as an access token")
	for _, tok := range []string{stored, secret} {
		n := e.client(e.url)
		n.SetToken(tok)
		_, _, err := n.Me(ctx)
		wantStatus(t, err, http.StatusUnauthorized, "a refresh secret as a native bearer token")
	}
	// The refresh token itself still refreshes.
	_, err = comatproto.ServerRefreshSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: a.x.Auth.RefreshJwt}})
	must(t, err, "refreshSession")
	checkRecorded(t, rec)
}
