package xrpc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
)

// Tokens. An XRPC session is a pair of native sessions (internal/identity): a
// short access session and a long refresh session. Each token is a JWT
// (HS256) whose claims carry the session's secret in "jti"; the server
// trusts no claim on its own: every call checks the wrapped session in the
// store, exactly as a native bearer token is checked. So logout, expiry and
// several nodes on one database work as they do natively, and no
// server-wide signing key has to be kept and shared.
//
// The HMAC is keyed with the wrapped secret itself. It makes a token whose
// claims were altered fail verification; it does not make the claims secret
// (only the holder of the secret could re-sign them, and the holder can
// use the secret anyway). The two kinds cannot be swapped: the refresh
// session is stored under identity.RefreshPrefix+secret, so an access
// secret relabelled "refresh" names no session, and identity.Authenticate
// refuses the prefixed secret, so a refresh secret re-signed as an access
// token (or sent as a native bearer token) opens nothing.
//
// A login's sessions form a family (identity.OpenSession): its first pair
// and every pair a refresh adds, those of a rotated token's reuses within
// its grace included. deleteSession ends the whole family, so a copy of a
// rotated refresh token, reused in its grace, keeps nothing alive past
// its owner's logout.
const (
	scopeAccess   = "com.atproto.access"
	scopeRefresh  = "com.atproto.refresh"
	refreshPrefix = identity.RefreshPrefix
	maxTokenBytes = 2048
)

// claims are the claims of a token, access or refresh.
type claims struct {
	Scope string `json:"scope"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud,omitempty"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Jti   string `json:"jti"`
	// Acc, on a refresh token, is the secret of the access session minted
	// with it, which deleteSession ends too.
	Acc string `json:"acc,omitempty"`
}

var b64 = base64.RawURLEncoding

func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return b64.EncodeToString(b)
}

// sign encodes claims as a JWT.
func sign(c claims) string {
	typ := "at+jwt"
	if c.Scope == scopeRefresh {
		typ = "refresh+jwt"
	}
	header := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"` + typ + `"}`))
	body, _ := json.Marshal(c)
	signed := header + "." + b64.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(c.Jti))
	mac.Write([]byte(signed))
	return signed + "." + b64.EncodeToString(mac.Sum(nil))
}

var errBadToken = errorf(http.StatusUnauthorized, "InvalidToken", "Token could not be verified.")

// parseToken decodes and verifies a JWT of sign; it does not look at its
// scope or expiry.
func parseToken(tok string) (*claims, error) {
	if len(tok) > maxTokenBytes {
		return nil, errBadToken
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errBadToken
	}
	header, err1 := b64.DecodeString(parts[0])
	body, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errBadToken
	}
	var hd struct {
		Alg string `json:"alg"`
	}
	var c claims
	if json.Unmarshal(header, &hd) != nil || hd.Alg != "HS256" || json.Unmarshal(body, &c) != nil || c.Jti == "" {
		return nil, errBadToken
	}
	mac := hmac.New(sha256.New, []byte(c.Jti))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, errBadToken
	}
	return &c, nil
}

// bearer returns the token of the Authorization header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errorf(http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required: send Authorization: Bearer <accessJwt>.")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", errorf(http.StatusUnauthorized, "AuthenticationRequired", "Use Authorization: Bearer <accessJwt>.")
	}
	return strings.TrimSpace(tok), nil
}

// maxCachedTokens bounds the cache of verified tokens; when full it
// starts over. A token is a few hundred bytes.
const maxCachedTokens = 10_000

// tokenCache remembers the claims of tokens already verified: a client
// sends the same access token on every call, and decoding and verifying it
// (base64, JSON, HMAC) costs more than the session cache lookup behind it.
// Verification is a pure function of the token, so caching it is safe;
// expiry and revocation are still checked on every call.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*claims
}

func (tc *tokenCache) parse(tok string) (*claims, error) {
	tc.mu.Lock()
	c := tc.m[tok]
	tc.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := parseToken(tok)
	if err != nil {
		return nil, err
	}
	tc.mu.Lock()
	if tc.m == nil || len(tc.m) >= maxCachedTokens {
		tc.m = make(map[string]*claims)
	}
	tc.m[tok] = c
	tc.mu.Unlock()
	return c, nil
}

// checkToken verifies a token of the given scope and checks its expiry: an
// expired one is 400 ExpiredToken, which tells clients to refresh.
func (h *Handler) checkToken(tok, scope string) (*claims, error) {
	c, err := h.tokens.parse(tok)
	if err != nil {
		return nil, err
	}
	if c.Scope != scope {
		return nil, errorf(http.StatusBadRequest, "InvalidToken", "Bad token scope: this call takes a %s token.", strings.TrimPrefix(scope, "com.atproto."))
	}
	if h.cfg.Now().Unix() >= c.Exp {
		return nil, errorf(http.StatusBadRequest, "ExpiredToken", "Token has expired.")
	}
	return c, nil
}

// authenticate finds the caller of a method that needs an access token.
// The Atproto-Proxy header, which Bluesky clients send to reach the chat
// service through their PDS, is ignored: this server is the chat service.
func (h *Handler) authenticate(r *http.Request) (*dm.Account, error) {
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	c, err := h.checkToken(tok, scopeAccess)
	if err != nil {
		return nil, err
	}
	acc, err := h.accounts.Authenticate(r.Context(), c.Jti)
	if dm.IsCode(err, dm.EUNAUTHENTICATED) {
		return nil, errorf(http.StatusUnauthorized, "InvalidToken", "Token has been revoked.")
	}
	if err != nil {
		return nil, err
	}
	if c.Sub != h.ids.did(acc.ID) {
		return nil, errBadToken
	}
	return acc, nil
}

// sessionOutput is the answer of createSession and refreshSession.
type sessionOutput struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	Active     bool   `json:"active"`
}

// mint opens a new access and refresh session pair for acc, in the login's
// family.
func (h *Handler) mint(ctx context.Context, acc *dm.Account, family string) (*sessionOutput, error) {
	now := h.cfg.Now()
	access, refresh := newSecret(), newSecret()
	if err := h.accounts.OpenSession(ctx, acc, access, family, h.cfg.AccessTTL); err != nil {
		return nil, err
	}
	if err := h.accounts.OpenSession(ctx, acc, refreshPrefix+refresh, family, h.accounts.SessionTTL()); err != nil {
		return nil, err
	}
	did := h.ids.did(acc.ID)
	aud := "did:web:" + h.ids.host
	return &sessionOutput{
		AccessJwt: sign(claims{Scope: scopeAccess, Sub: did, Aud: aud, Iat: now.Unix(),
			Exp: now.Add(h.cfg.AccessTTL).Unix(), Jti: access}),
		RefreshJwt: sign(claims{Scope: scopeRefresh, Sub: did, Aud: aud, Iat: now.Unix(),
			Exp: now.Add(h.accounts.SessionTTL()).Unix(), Jti: refresh, Acc: access}),
		Handle: h.ids.handle(acc.Handle),
		DID:    did,
		Active: true,
	}, nil
}

// createSession logs in with a handle (native or mapped) or a DID and the
// password, through the native login and its throttling.
func (h *Handler) createSession(ctx context.Context, c *call) (any, error) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Identifier == "" || in.Password == "" {
		return nil, invalid("Input must have the properties \"identifier\" and \"password\".")
	}
	handle, err := h.nativeHandle(ctx, in.Identifier)
	if dm.IsCode(err, dm.ENOTFOUND) {
		// Let the login fail like any unknown handle: same time, same
		// throttling, same answer.
		handle, err = "unknown-"+dm.Truncate(in.Identifier, 60), nil
	}
	if err != nil {
		return nil, err
	}
	s, err := h.accounts.Login(ctx, handle, in.Password, h.cfg.RemoteAddr(c.r))
	if dm.IsCode(err, dm.EUNAUTHENTICATED) {
		return nil, errorf(http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password.")
	}
	if dm.IsCode(err, dm.EFORBIDDEN) {
		// A suspended account (the password was right): the lexicon's
		// name, which Bluesky's clients tell their user, not a bare 403.
		return nil, errorf(http.StatusUnauthorized, "AccountTakedown", "Account has been taken down.")
	}
	if err != nil {
		return nil, err
	}
	// The native session proved the password; the pair replaces it.
	err = h.accounts.AllowSessions(s.Account, 2)
	var out *sessionOutput
	if err == nil {
		out, err = h.mint(ctx, s.Account, newSecret())
	}
	if lerr := h.accounts.Logout(ctx, s.Token); err == nil && lerr != nil {
		err = lerr
	}
	return out, err
}

// refreshGrace is how long a rotated refresh token still refreshes: a
// client whose refresh answer was lost (a dropped connection), or two tabs
// refreshing the same stored session at once, get a new pair instead of
// being logged out. Bluesky's own server allows a reuse for longer; two
// minutes covers a retry, and a stolen token is no use for longer than
// that after its owner's refresh.
const refreshGrace = 2 * time.Minute

// refreshSession trades a refresh token for a new pair; the old refresh
// token stops working refreshGrace later (rotation), the old access token
// runs out.
func (h *Handler) refreshSession(ctx context.Context, c *call) (any, error) {
	tok, err := bearer(c.r)
	if err != nil {
		return nil, err
	}
	rc, err := h.checkToken(tok, scopeRefresh)
	if err != nil {
		return nil, err
	}
	revoked := errorf(http.StatusBadRequest, "ExpiredToken", "Token has been revoked.")
	acc, err := h.accounts.AuthenticateRefresh(ctx, refreshPrefix+rc.Jti)
	if dm.IsCode(err, dm.EUNAUTHENTICATED) {
		return nil, revoked
	}
	if err != nil {
		return nil, err
	}
	// Before anything is written: a refused refresh leaves the token as
	// it was.
	if err := h.accounts.AllowSessions(acc, 2); err != nil {
		return nil, err
	}
	// A session opened before families starts one here, which the pairs
	// of its reuses join too.
	family, err := h.accounts.SessionFamily(ctx, refreshPrefix+rc.Jti, newSecret())
	if dm.IsCode(err, dm.EUNAUTHENTICATED) {
		return nil, revoked
	}
	if err != nil {
		return nil, err
	}
	if err := h.accounts.EndSessionWithin(ctx, refreshPrefix+rc.Jti, refreshGrace); err != nil {
		return nil, err
	}
	return h.mint(ctx, acc, family)
}

// deleteSession ends the session of a refresh token and every session of
// its login (the family: each pair its rotations and their reuses made),
// or the session of an access token.
func (h *Handler) deleteSession(ctx context.Context, c *call) (any, error) {
	tok, err := bearer(c.r)
	if err != nil {
		return nil, err
	}
	tc, err := parseToken(tok)
	if err != nil {
		return nil, err
	}
	switch tc.Scope {
	case scopeRefresh:
		if err := h.accounts.EndSessionFamily(ctx, refreshPrefix+tc.Jti); err != nil {
			return nil, err
		}
		if tc.Acc != "" {
			return nil, h.accounts.Logout(ctx, tc.Acc)
		}
		return nil, nil
	case scopeAccess:
		return nil, h.accounts.Logout(ctx, tc.Jti)
	}
	return nil, errBadToken
}

// getSession tells a client who it is logged in as.
func (h *Handler) getSession(ctx context.Context, c *call) (any, error) {
	return map[string]any{"did": h.ids.did(c.me.ID), "handle": h.ids.handle(c.me.Handle), "active": true}, nil
}
