package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/client"
)

func TestSignupLoginLogout(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx

	c := e.anon()
	acct, err := c.Signup(ctx, client.SignupParams{Handle: "Ada_Lovelace", Password: "analytical engine", DisplayName: "Ada"})
	must(t, err, "signup")
	if acct.Handle != "ada_lovelace" || acct.DisplayName != "Ada" || acct.Kind != "person" || acct.ID == "" || acct.CreatedAt.IsZero() {
		t.Errorf("signup: want handle ada_lovelace (lower case), display name Ada, kind person, an id and a time; got %+v", acct)
	}

	// Before login the API refuses, with the envelope.
	_, _, err = c.Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "GET /me without a token")

	tok, who, err := c.Login(ctx, "ada_lovelace", "analytical engine")
	must(t, err, "login")
	if tok == "" || who.ID != acct.ID {
		t.Errorf("login: want a token and account %s, got token %q account %+v", acct.ID, tok, who)
	}
	me, settings, err := c.Me(ctx)
	if ok(t, err, "GET /me") {
		if me.ID != acct.ID {
			t.Errorf("GET /me: want account %s, got %+v", acct.ID, me)
		}
		if settings.AllowIncoming != "everyone" || !settings.ReadReceipts {
			t.Errorf("GET /me: want default settings {everyone, read receipts on}, got %+v", settings)
		}
	}

	// Handles are case-insensitive at login too.
	_, _, err = e.anon().Login(ctx, "ADA_LOVELACE", "analytical engine")
	ok(t, err, "login with an upper-case handle")

	// PATCH /me changes profile and settings.
	me, settings, err = c.UpdateMe(ctx, client.MeUpdate{Bio: ptr("Poet of science"), AllowIncoming: ptr("following"), ReadReceipts: ptr(false)})
	if ok(t, err, "PATCH /me") {
		if me.Bio != "Poet of science" || settings.AllowIncoming != "following" || settings.ReadReceipts {
			t.Errorf("PATCH /me: want bio, following, no read receipts; got %+v %+v", me, settings)
		}
	}
	_, _, err = c.UpdateMe(ctx, client.MeUpdate{AllowIncoming: ptr("sometimes")})
	wantStatus(t, err, http.StatusBadRequest, "PATCH /me allow_incoming=sometimes")

	// A second session is independent of the first.
	other := e.anon()
	_, _, err = other.Login(ctx, "ada_lovelace", "analytical engine")
	must(t, err, "second login")

	must(t, c.Logout(ctx), "logout")
	stale := e.client(e.url, client.WithToken(tok))
	_, _, err = stale.Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "GET /me with a logged-out token")
	_, _, err = stale.Conversations(ctx, "", "", 0)
	wantStatus(t, err, http.StatusUnauthorized, "GET /conversations with a logged-out token")
	_, _, err = other.Me(ctx)
	ok(t, err, "GET /me with the second session after the first logged out")

	// A made-up token is refused the same way.
	_, _, err = e.client(e.url, client.WithToken("not-a-token")).Me(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "GET /me with a made-up token")

	// A wrong handle and a wrong password get the same answer, so that the
	// API does not tell which handles exist.
	_, _, errHandle := e.anon().Login(ctx, "nobody_here", "analytical engine")
	_, _, errPass := e.anon().Login(ctx, "ada_lovelace", "wrong password")
	h := wantStatus(t, errHandle, http.StatusUnauthorized, "login with an unknown handle")
	p := wantStatus(t, errPass, http.StatusUnauthorized, "login with a wrong password")
	if h != nil && p != nil && (h.Code != p.Code || h.Message != p.Message) {
		t.Errorf("login: unknown handle answers %s %q but wrong password %s %q; they must be the same", h.Code, h.Message, p.Code, p.Message)
	}
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	c := e.anon()
	_, err := c.Signup(ctx, client.SignupParams{Handle: "grace", Password: "compiler123"})
	must(t, err, "signup grace")

	for _, tc := range []struct {
		name, handle, password string
		status                 int
	}{
		{"handle too short", "ab", "long enough pw", 400},
		{"handle too long", strings.Repeat("a", 31), "long enough pw", 400},
		{"handle with a dash", "grace-h", "long enough pw", 400},
		{"handle with a space", "grace h", "long enough pw", 400},
		{"handle with a dot", "grace.h", "long enough pw", 400},
		{"handle non-ASCII", "grâce", "long enough pw", 400},
		{"empty handle", "", "long enough pw", 400},
		{"password of 7 characters", "grace2", "1234567", 400},
		{"empty password", "grace3", "", 400},
		{"password of 257 bytes", "grace4", strings.Repeat("p", 257), 400},
		{"password of 7 two-byte characters", "grace5", "ééééééé", 400},
		{"taken handle", "grace", "long enough pw", 409},
		{"taken handle in another case", "GRACE", "long enough pw", 409},
	} {
		_, err := c.Signup(ctx, client.SignupParams{Handle: tc.handle, Password: tc.password})
		ce := wantStatus(t, err, tc.status, "signup: "+tc.name)
		if ce != nil && tc.status == 409 && ce.Code != "conflict" {
			t.Errorf("signup: %s: want code conflict, got %s", tc.name, ce.Code)
		}
		if ce != nil && tc.status == 400 && ce.Code != "invalid_request" {
			t.Errorf("signup: %s: want code invalid_request, got %s", tc.name, ce.Code)
		}
	}
	// The boundaries are allowed.
	for _, h := range []string{"abc", strings.Repeat("z", 30), "a_1"} {
		_, err := c.Signup(ctx, client.SignupParams{Handle: h, Password: "12345678"})
		ok(t, err, "signup with handle "+h+" and an 8-character password")
	}
	b, err := c.Signup(ctx, client.SignupParams{Handle: "brandco", Password: "12345678", Kind: "brand"})
	if ok(t, err, "signup of a brand") && b.Kind != "brand" {
		t.Errorf("signup of a brand: want kind brand, got %q", b.Kind)
	}
	_, err = c.Signup(ctx, client.SignupParams{Handle: "weirdkind", Password: "12345678", Kind: "robot"})
	wantStatus(t, err, 400, "signup with kind robot")
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn)
	ctx := e.ctx
	e.user("hopper")
	var last error
	for i := range 100 {
		_, _, last = e.anon().Login(ctx, "hopper", "not the password")
		if client.ErrorStatus(last) == http.StatusTooManyRequests {
			t.Logf("login throttled after %d failures", i)
			break
		}
		if client.ErrorStatus(last) != http.StatusUnauthorized {
			t.Fatalf("failed login %d: want 401 or 429, got %v", i, last)
		}
	}
	ce := wantStatus(t, last, http.StatusTooManyRequests, "login after 100 failures")
	if ce != nil {
		if ce.Code != "rate_limited" {
			t.Errorf("throttled login: want code rate_limited, got %s", ce.Code)
		}
		if ce.RetryAfter <= 0 {
			t.Errorf("throttled login: want a Retry-After header, got %v", ce.RetryAfter)
		}
	}
}

func TestProfilesAndGraph(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ann, ben := e.user("ann"), e.user("ben")
	e.user("annette")

	must(t, ann.Follow(ctx, "ben"), "ann follows ben")
	must(t, ann.Follow(ctx, "ben"), "ann follows ben again (idempotent)")
	p, err := ann.Account(ctx, "ben")
	if ok(t, err, "ann views ben") {
		if p.Account.Handle != "ben" || !p.FollowedByMe || p.FollowsMe || p.BlockedByMe || !p.CanMessage || p.FollowersCount != 1 || p.FollowingCount != 0 {
			t.Errorf("ann views ben: want followed_by_me, followers 1, can_message; got %+v", p)
		}
	}
	p, err = ben.Account(ctx, "@ANN")
	if ok(t, err, "ben views @ANN") {
		if p.Account.Handle != "ann" || p.FollowedByMe || !p.FollowsMe || p.FollowingCount != 1 {
			t.Errorf("ben views ann: want follows_me, following 1; got %+v", p)
		}
	}
	_, err = ann.Account(ctx, "ghost")
	wantStatus(t, err, 404, "GET /accounts/ghost")
	wantStatus(t, ann.Follow(ctx, "ghost"), 404, "follow ghost")

	fs, _, err := ann.Followers(ctx, "ben", "", 0)
	if ok(t, err, "ben's followers") && (len(fs) != 1 || fs[0].Handle != "ann") {
		t.Errorf("ben's followers: want [ann], got %v", fs)
	}
	fg, _, err := ben.Following(ctx, "ann", "", 0)
	if ok(t, err, "ann's following") && (len(fg) != 1 || fg[0].Handle != "ben") {
		t.Errorf("ann's following: want [ben], got %v", fg)
	}
	must(t, ann.Unfollow(ctx, "ben"), "unfollow")
	must(t, ann.Unfollow(ctx, "ben"), "unfollow again (idempotent)")
	fs, _, err = ann.Followers(ctx, "ben", "", 0)
	if ok(t, err, "ben's followers after unfollow") && len(fs) != 0 {
		t.Errorf("ben's followers after unfollow: want none, got %v", fs)
	}

	found, err := ben.SearchAccounts(ctx, "ann", 10)
	if ok(t, err, "search ann") {
		var hs []string
		for _, a := range found {
			hs = append(hs, a.Handle)
		}
		if strings.Join(hs, ",") != "ann,annette" {
			t.Errorf("search ann: want [ann annette], got %v", hs)
		}
	}
}
