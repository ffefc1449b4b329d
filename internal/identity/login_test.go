package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestLoginThrottleIsPerAddress checks that failed logins slow down the
// address they come from, without locking the account's owner out from
// another address.
func TestLoginThrottleIsPerAddress(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	svc := identity.New(store, identity.Config{PasswordCost: identity.CheapPasswordCost()})
	if _, err := svc.Signup(ctx, identity.SignupParams{Handle: "victim", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := svc.Login(ctx, "victim", "wrong guess", "203.0.113.9"); !dm.IsCode(err, dm.EUNAUTHENTICATED) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := svc.Login(ctx, "victim", "correct horse", "203.0.113.9"); !dm.IsCode(err, dm.ERATELIMITED) {
		t.Fatalf("the guessing address after 10 failures: want %s, got %v", dm.ERATELIMITED, err)
	}
	if _, err := svc.Login(ctx, "victim", "correct horse", "198.51.100.7"); err != nil {
		t.Fatalf("the owner from another address is locked out: %v", err)
	}
}

// TestSessionExpiresByTheServiceClock: a login lasts SessionTTL on the
// service's clock (Config.Now), so that a test, or an operator's tool, moves
// time instead of waiting for it.
func TestSessionExpiresByTheServiceClock(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := identity.New(store, identity.Config{PasswordCost: identity.CheapPasswordCost(), SessionTTL: time.Hour, Now: func() time.Time { return now }})
	if _, err := svc.Signup(ctx, identity.SignupParams{Handle: "ann", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	s, err := svc.Login(ctx, "ann", "correct horse", "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Minute)
	if _, err := svc.Authenticate(ctx, s.Token); err != nil {
		t.Fatalf("59 minutes into an hour-long session: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := svc.Authenticate(ctx, s.Token); !dm.IsCode(err, dm.EUNAUTHENTICATED) {
		t.Fatalf("61 minutes into an hour-long session: want %s, got %v", dm.EUNAUTHENTICATED, err)
	}
}

// TestSessionFamily: a session opened before families (none) joins the
// first family asked for and keeps it; EndSessionFamily ends the family's
// sessions, an expired one's token included, and no other session.
func TestSessionFamily(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	svc := identity.New(store, identity.Config{PasswordCost: identity.CheapPasswordCost()})
	if _, err := svc.Signup(ctx, identity.SignupParams{Handle: "ann", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	native, err := svc.Login(ctx, "ann", "correct horse", "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	tok := func(c string) string { return identity.RefreshPrefix + strings.Repeat(c, 32) }
	legacy, joined := tok("a"), tok("b")
	for _, x := range []struct{ token, family string }{{legacy, ""}, {joined, "fam-1"}} {
		if err := svc.OpenSession(ctx, native.Account, x.token, x.family, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for _, ask := range []string{"fam-1", "fam-2"} {
		if f, err := svc.SessionFamily(ctx, legacy, ask); err != nil || f != "fam-1" {
			t.Errorf("SessionFamily(legacy, %s) = %q, %v; want fam-1", ask, f, err)
		}
	}
	if err := svc.EndSessionFamily(ctx, joined); err != nil {
		t.Fatal(err)
	}
	for _, tk := range []string{legacy, joined} {
		if _, err := svc.AuthenticateRefresh(ctx, tk); !dm.IsCode(err, dm.EUNAUTHENTICATED) {
			t.Errorf("a session of the ended family: %v", err)
		}
	}
	if _, err := svc.Authenticate(ctx, native.Token); err != nil {
		t.Errorf("the native session ended with the family: %v", err)
	}
	if _, err := svc.Authenticate(ctx, legacy); err == nil {
		t.Errorf("a refresh session's token is a bearer token")
	}
}

// openStore opens a SQLite store in a temporary folder, closed when the test ends.
func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir()+"/parley.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}
