package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/xrpc"

	"github.com/parleyhq/parley/client"
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
	x := xrpcAlice(t, limitsOff)
	clk, e, rec, ctx, a, with := x.clk, x.e, x.rec, x.e.ctx, x.a, x.with
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

	// A password change ends every pair, the rotated token in its grace
	// included.
	b := xlogin(t, e, rec, "alice", password("alice"))
	rotated := b.x.Auth.RefreshJwt
	cur, err := comatproto.ServerRefreshSession(ctx, with(rotated))
	must(t, err, "refresh")
	alice := e.anon()
	_, _, err = alice.Login(ctx, "alice", password("alice"))
	must(t, err, "alice logs in natively")
	must(t, alice.ChangePassword(ctx, password("alice"), "a-new-long-password"), "alice changes her password")
	for _, tok := range []string{rotated, cur.RefreshJwt} {
		_, err = comatproto.ServerRefreshSession(ctx, with(tok))
		wantXRPC(t, err, 400, "ExpiredToken", "a refresh token after a password change")
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

// TestSearchHostile: search must find only what its caller may read now,
// on both stores, and take any query or cursor with a 4xx or an answer.
// Probed: a member the owner removed (old and new messages), a message
// hidden "for me", a direct conversation deleted for the caller, an edit
// and an unsend made before the indexer ran (the SQLite store indexes
// after the acknowledgement), FTS5 and tsquery syntax, NUL, a long query,
// and tampered cursors and limits.
func TestSearchHostile(t *testing.T) {
	t.Parallel()
	onBothStores(t, testSearchHostile)
}

func testSearchHostile(t *testing.T, pgURL string) {
	e := startWith(t, limitsOff, func(cfg *server.Config) { cfg.PostgresURL = pgURL })
	ctx := e.ctx
	ann, ben, cyd := e.user("ann"), e.user("ben"), e.user("cyd")
	found := func(c *client.Client, q string) []string {
		t.Helper()
		res, _, err := c.Search(ctx, client.SearchParams{Q: q})
		must(t, err, "search "+q)
		var ids []string
		for _, r := range res {
			ids = append(ids, r.Message.ID)
		}
		return ids
	}
	grp, _, err := ann.CreateConversation(ctx, []string{"ben", "cyd"}, "plans")
	must(t, err, "group")
	old := e.send(ann, grp.ID, "walrus before the removal")
	if got := found(cyd, "walrus"); len(got) != 1 {
		t.Fatalf("cyd finds the group's message before the removal: %v", got)
	}
	must(t, ann.RemoveMember(ctx, grp.ID, "cyd"), "the owner removes cyd")
	e.send(ben, grp.ID, "walrus after the removal")
	if got := found(cyd, "walrus"); len(got) != 0 {
		t.Errorf("cyd, removed, still finds the group's messages %v (the old one is %s)", got, old.ID)
	}
	_, _, err = cyd.Search(ctx, client.SearchParams{Q: "walrus", Conversation: grp.ID})
	wantStatus(t, err, http.StatusNotFound, "a removed member filters by the group")

	// Hidden for me; a direct conversation deleted for me.
	hid := e.send(ben, grp.ID, "narwhal hidden for ann")
	must(t, ann.DeleteMessage(ctx, hid.ID, false), "ann hides a message for herself")
	if got := found(ann, "narwhal"); len(got) != 0 {
		t.Errorf("ann finds a message she hid: %v", got)
	}
	if got := found(ben, "narwhal"); len(got) != 1 {
		t.Errorf("ben finds the message ann hid for herself: want 1, got %v", got)
	}
	dir := e.direct(ann, "ben")
	e.send(ben, dir.ID, "pelican in the direct conversation")
	must(t, ann.DeleteConversation(ctx, dir.ID), "ann deletes the direct conversation for herself")
	if got := found(ann, "pelican"); len(got) != 0 {
		t.Errorf("ann finds a message of a conversation she deleted: %v", got)
	}

	// An edit and an unsend right after the send, before anything
	// searched (so before the SQLite indexer's catch-up).
	m := e.send(ben, grp.ID, "flamingo secret plan")
	_, err = ben.EditMessage(ctx, m.ID, "heron public plan")
	must(t, err, "edit")
	u := e.send(ben, grp.ID, "albatross unsent")
	must(t, ben.DeleteMessage(ctx, u.ID, true), "unsend")
	for _, q := range []string{"flamingo", "secret", "albatross"} {
		if got := found(ann, q); len(got) != 0 {
			t.Errorf("%q: the words of an edited or unsent message are found: %v", q, got)
		}
	}
	if got := found(ann, "heron"); len(got) != 1 {
		t.Errorf("the new words of the edit: want 1, got %v", got)
	}

	// The snippet's marks are the server's: a sender cannot plant them
	// (they are private-use characters, which a message may hold).
	e.send(ben, grp.ID, "mango \ue000planted\ue001 mark")
	res, next, err := ann.Search(ctx, client.SearchParams{Q: "mango"})
	if ok(t, err, "search mango") && len(res) == 1 {
		for _, p := range res[0].Snippet {
			if p.Match && p.Text != "mango" {
				t.Errorf("a word the search did not find is marked: %+v", res[0].Snippet)
			}
		}
	}

	// A limit over the largest page gets the largest page (50), not
	// the default one (20).
	for i := range 51 {
		e.send(ben, grp.ID, "kiwi "+strconv.Itoa(i))
	}
	res, next, err = ann.Search(ctx, client.SearchParams{Q: "kiwi", Limit: 51})
	if ok(t, err, "limit 51") && (len(res) != 50 || next == "") {
		t.Errorf("limit 51: %d results, next %q; want 50 and a next page", len(res), next)
	}

	// Bad input: a 4xx or an answer, never a 500.
	path := func(v url.Values) string { return "/api/v1/search?" + v.Encode() }
	for _, q := range []string{`walrus"`, `"walrus`, `(walrus`, `walrus)`, `NEAR(walrus ben)`, `text:walrus`, `walrus*`, `*`,
		`^walrus`, `walrus OR ben`, `walrus AND NOT ben`, `walrus & !ben`, `walrus | ben`, `walrus <-> ben`, `'walrus'`, `walrus:*`,
		`"" ""`, `"a" "b" "c"`, "walrus\x00", "wal\x00rus", strings.Repeat("walrus ", 1500), strings.Repeat("(", 90) + "walrus",
		"\xff\xfe", "🦭", "ⅷ", "ǅ"} {
		st, err := ann.Do(ctx, "GET", path(url.Values{"q": {q}}), nil, nil)
		if st >= 500 || (err != nil && st < 400) {
			t.Errorf("query %.40q: %d %v", q, st, err)
		}
	}
	for _, cur := range []string{"-1", "501", "99999999999999999999", "1e3", " 5", "0x10", "abc", "\x00", strings.Repeat("9", 5000)} {
		st, _ := ann.Do(ctx, "GET", path(url.Values{"q": {"walrus"}, "cursor": {cur}}), nil, nil)
		if st != http.StatusBadRequest {
			t.Errorf("cursor %.20q: want 400, got %d", cur, st)
		}
	}
	for _, lim := range []string{"0", "-1", "100000", "abc", "1.5"} {
		st, _ := ann.Do(ctx, "GET", path(url.Values{"q": {"walrus"}, "limit": {lim}}), nil, nil)
		if st != http.StatusBadRequest {
			t.Errorf("limit %q: want 400, got %d", lim, st)
		}
	}
	for k, v := range map[string]string{"from": strings.Repeat("b", 5000), "conversation": strings.Repeat("c", 5000), "after": "yesterday",
		"before": "2026-13-45T00:00:00Z", "has": "link"} {
		st, _ := ann.Do(ctx, "GET", path(url.Values{"q": {"walrus"}, k: {v}}), nil, nil)
		if st >= 500 || st < 400 && k != "from" {
			t.Errorf("%s=%.20q: %d", k, v, st)
		}
	}
	for _, v := range []string{"0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "9999-12-31T23:59:59Z", "2026-01-01T00:00:00+23:59"} {
		for _, k := range []string{"after", "before"} {
			if st, err := ann.Do(ctx, "GET", path(url.Values{"q": {"walrus"}, k: {v}}), nil, nil); st >= 500 || err != nil && st < 400 {
				t.Errorf("%s=%s: %d %v", k, v, st, err)
			}
		}
	}
}

// TestResumableSessionsHoldQuota: an account whose quota leaves room for
// one file opens upload sessions for many, each of which fits alone. The
// sessions' bytes take the disk as they arrive (and a session that is
// touched lives on), so the quota must count the sessions in progress:
// otherwise it bounds nothing while nothing finishes.
func TestResumableSessionsHoldQuota(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOff, func(cfg *server.Config) { cfg.UploadQuota = 100_000 })
	ctx := e.ctx
	ari := e.user("ari")
	first, _, err := ari.CreateUploadSession(ctx, 60_000, client.UploadParams{Name: "a.bin"})
	must(t, err, "a session that fits")
	_, _, err = ari.CreateUploadSession(ctx, 60_000, client.UploadParams{Name: "b.bin"})
	wantStatus(t, err, http.StatusInsufficientStorage, "a second session past the quota with the first in progress")
	var ce *client.Error
	if errors.As(err, &ce) && (ce.Code != "quota_exceeded" || !strings.Contains(ce.Message, "in progress")) {
		t.Errorf("the quota error does not say why: %+v", ce)
	}
	_, _, err = ari.CreateUploadSession(ctx, 30_000, client.UploadParams{Name: "c.bin"})
	must(t, err, "a session that fits beside the first")
	must(t, ari.CancelUploadSession(ctx, first.ID), "cancel the first")
	_, _, err = ari.CreateUploadSession(ctx, 60_000, client.UploadParams{Name: "b.bin"})
	must(t, err, "the second session once the first is cancelled")
}

// TestXRPCRefreshBounded: an account refreshes as fast as it can (each
// reuse of a rotated token in its grace opens a pair, and so does each
// reuse of those). A refresh costs no password hash, so nothing else
// bounds the sessions it opens: past a burst it gets 429
// RateLimitExceeded, and a refused refresh leaves its token as it was (not
// shortened to the grace), so the client refreshes with it later.
func TestXRPCRefreshBounded(t *testing.T) {
	t.Parallel()
	x := xrpcAlice(t, limitsOn)
	clk, e, rec, ctx, a, with := x.clk, x.e, x.rec, x.e.ctx, x.a, x.with
	fresh := xlogin(t, e, rec, "alice", password("alice"))
	old := a.x.Auth.RefreshJwt
	refused := false
	for i := 0; i < 100 && !refused; i++ {
		_, err := comatproto.ServerRefreshSession(ctx, with(old))
		if err != nil {
			wantXRPC(t, err, 429, "RateLimitExceeded", "refresh "+strconv.Itoa(i))
			refused = true
		}
	}
	if !refused {
		t.Fatalf("100 refreshes of one token in a row, all answered")
	}
	// A token whose refresh was refused is not shortened.
	_, err := comatproto.ServerRefreshSession(ctx, with(fresh.x.Auth.RefreshJwt))
	wantXRPC(t, err, 429, "RateLimitExceeded", "a refresh past the burst")
	clk.Add(5 * time.Minute)
	_, err = comatproto.ServerRefreshSession(ctx, with(fresh.x.Auth.RefreshJwt))
	must(t, err, "a refresh refused earlier, once the allowance is back")
	checkRecorded(t, rec)
}

// xrpcWorld is a server on an injected clock with alice logged in over
// XRPC, and a client for any token.
type xrpcWorld struct {
	clk  *clock
	e    *env
	rec  *recorder
	a    *bsky
	with func(tok string) *xrpc.Client
}

func xrpcAlice(t *testing.T, l limits) *xrpcWorld {
	t.Helper()
	clk := &clock{t: time.Now()}
	e := startWith(t, l, func(c *server.Config) { c.Now = clk.Now })
	rec := &recorder{base: e.doc}
	e.user("alice")
	return &xrpcWorld{clk: clk, e: e, rec: rec, a: xlogin(t, e, rec, "alice", password("alice")),
		with: func(tok string) *xrpc.Client {
			return &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: tok}}
		}}
}

// TestSearchBounded: one account searching as fast as it can (a search of
// a large store costs milliseconds of CPU) gets 429 with a Retry-After
// past its burst, and nobody else is slowed by it.
func TestSearchBounded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn)
	ari, ben := e.user("ari"), e.user("ben")
	var refused *client.Error
	for i := 0; i < 100 && refused == nil; i++ {
		_, _, err := ari.Search(e.ctx, client.SearchParams{Q: "hello"})
		if err != nil && !errors.As(err, &refused) {
			t.Fatalf("search %d: %v", i, err)
		}
		if refused != nil && i < 30 {
			t.Fatalf("search %d of a burst of 30 refused: %v", i, err)
		}
	}
	if refused == nil || refused.Status != http.StatusTooManyRequests || refused.RetryAfter <= 0 {
		t.Fatalf("100 searches at once: refused %+v, want 429 with a Retry-After", refused)
	}
	if _, _, err := ben.Search(e.ctx, client.SearchParams{Q: "hello"}); err != nil {
		t.Fatalf("another account's search: %v", err)
	}
}
