package e2e

import (
	"testing"

	"github.com/parleyhq/parley/client"
)

// TestNoNameGiven: an account signed up without a display name keeps ""
// (the apps show the handle), and a canned reply's {{first_name|there}}
// falls back for it instead of greeting the handle.
func TestNoNameGiven(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	dan := e.anon()
	acct, err := dan.Signup(ctx, client.SignupParams{Handle: "dan1", Password: password("dan1")})
	must(t, err, "dan signs up without a name")
	if acct.DisplayName != "" {
		t.Errorf("sign-up without a name: display_name %q, want empty", acct.DisplayName)
	}
	_, _, err = dan.Login(ctx, "dan1", password("dan1"))
	must(t, err, "dan logs in")
	if me, _, err := dan.Me(ctx); ok(t, err, "GET /me") && me.DisplayName != "" {
		t.Errorf("GET /me: display_name %q, want empty", me.DisplayName)
	}
	if p, err := acme.Account(ctx, "dan1"); ok(t, err, "dan's profile") && p.Account.DisplayName != "" {
		t.Errorf("profile: display_name %q, want empty", p.Account.DisplayName)
	}

	canned, err := acme.CreateCannedReply(ctx, "acme", "Greeting", "Hi {{first_name|there}}, welcome to {{brand_name}}!")
	must(t, err, "a canned reply")
	conv := e.direct(dan, "acme")
	e.send(dan, conv.ID, "hello?")
	m, err := acme.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{CannedReplyID: canned.ID})
	if ok(t, err, "the brand answers with the canned reply") && m.Text != "Hi there, welcome to Acme Outdoor!" {
		t.Errorf("canned reply for a customer without a name: %q", m.Text)
	}

	// Once dan gives a name, the greeting uses it.
	name := "Dan Rossi"
	_, _, err = dan.UpdateMe(ctx, client.MeUpdate{DisplayName: &name})
	must(t, err, "dan names himself")
	m, err = acme.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{CannedReplyID: canned.ID})
	if ok(t, err, "the canned reply again") && m.Text != "Hi Dan, welcome to Acme Outdoor!" {
		t.Errorf("canned reply for Dan Rossi: %q", m.Text)
	}
}
