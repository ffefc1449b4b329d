package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// accountTests check dm.AccountTx: accounts, settings, search and sessions.
var accountTests = []test{
	{"Accounts", testAccounts},
	{"SearchAccounts", testSearchAccounts},
	{"Sessions", testSessions},
}

func testAccounts(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "alice")
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(ctx, a.ID)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		if got.ID != a.ID || got.Handle != "alice" || got.DisplayName != a.DisplayName || got.Kind != dm.KindPerson {
			t.Errorf("Account = %+v, want %+v", got, a)
		}
		wantUTC(t, "CreatedAt", got.CreatedAt, t0)
		got, err = tx.AccountByHandle(ctx, "alice")
		if err != nil || got.ID != a.ID {
			t.Errorf("AccountByHandle = %v, %v", got, err)
		}
		got, hash, err := tx.Credentials(ctx, "alice")
		if err != nil || got.ID != a.ID || hash != "hash-alice" {
			t.Errorf("Credentials = %v, %q, %v", got, hash, err)
		}
		st, err := tx.Settings(ctx, a.ID)
		if err != nil || st != dm.DefaultSettings() {
			t.Errorf("Settings = %+v, %v; want defaults", st, err)
		}
		_, err = tx.Account(ctx, dm.NewID())
		wantCode(t, "Account(unknown)", err, dm.ENOTFOUND)
		_, err = tx.AccountByHandle(ctx, "nobody_here")
		wantCode(t, "AccountByHandle(unknown)", err, dm.ENOTFOUND)
		_, _, err = tx.Credentials(ctx, "nobody_here")
		wantCode(t, "Credentials(unknown)", err, dm.ENOTFOUND)
		return nil
	})

	err := s.Update(ctx, func(tx dm.Tx) error {
		dup := &dm.Account{ID: dm.NewID(), Handle: "alice", Kind: dm.KindPerson, CreatedAt: t0}
		return tx.CreateAccount(ctx, dup, dm.DefaultSettings(), "x")
	})
	wantCode(t, "CreateAccount(taken handle)", err, dm.ECONFLICT)

	a.DisplayName, a.Bio = "Alice A.", "Hello.\nSecond line."
	settings := dm.Settings{AllowIncoming: dm.AllowFollowing, ReadReceipts: false}
	update(t, s, func(tx dm.Tx) error { return tx.UpdateAccount(ctx, a, settings) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(ctx, a.ID)
		if err != nil || got.DisplayName != "Alice A." || got.Bio != a.Bio {
			t.Errorf("after UpdateAccount: %+v, %v", got, err)
		}
		st, err := tx.Settings(ctx, a.ID)
		if err != nil || st != settings {
			t.Errorf("Settings after UpdateAccount = %+v, %v; want %+v", st, err, settings)
		}
		_, err = tx.Settings(ctx, dm.NewID())
		wantCode(t, "Settings(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	err = s.Update(ctx, func(tx dm.Tx) error {
		return tx.UpdateAccount(ctx, &dm.Account{ID: dm.NewID()}, settings)
	})
	wantCode(t, "UpdateAccount(unknown)", err, dm.ENOTFOUND)
}

func testSearchAccounts(t *testing.T, s dm.Store) {
	ctx := context.Background()
	alice := newAccount(t, s, "alice")
	alfred := newAccount(t, s, "alfred")
	underscore := newAccount(t, s, "al_x")
	newAccount(t, s, "alxy") // "al_" must not match it: "_" is no wildcard
	bob := newAccount(t, s, "bob")
	bob.DisplayName = "Albert Bob"
	update(t, s, func(tx dm.Tx) error { return tx.UpdateAccount(ctx, bob, dm.DefaultSettings()) })
	newAccount(t, s, "carol")

	search := func(q string, limit int) []string {
		var out []string
		view(t, s, func(tx dm.Tx) error {
			as, err := tx.SearchAccounts(ctx, q, limit)
			for _, a := range as {
				out = append(out, a.Handle)
			}
			return err
		})
		return out
	}
	got := search("al", 10)
	// Handles first (in any order), then display names.
	if len(got) != 5 || got[4] != "bob" {
		t.Fatalf(`SearchAccounts("al") = %v, want the four al* handles, then bob`, got)
	}
	wantSet := []string{alice.Handle, alfred.Handle, underscore.Handle, "alxy"}
	first := slices.Clone(got[:4])
	slices.Sort(first)
	slices.Sort(wantSet)
	if !slices.Equal(first, wantSet) {
		t.Errorf(`SearchAccounts("al") handles = %v, want %v`, first, wantSet)
	}
	if got := search("AL", 10); len(got) != 5 {
		t.Errorf(`SearchAccounts("AL") = %v: the search is case-insensitive`, got)
	}
	if got := search("al_", 10); !slices.Equal(got, []string{"al_x"}) {
		t.Errorf(`SearchAccounts("al_") = %v, want [al_x]`, got)
	}
	if got := search("al", 2); len(got) != 2 {
		t.Errorf(`SearchAccounts("al", 2) = %v, want 2 accounts`, got)
	}
	if got := search("zed", 10); len(got) != 0 {
		t.Errorf(`SearchAccounts("zed") = %v, want none`, got)
	}
}

func testSessions(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "alice")
	expires := t0.Add(time.Hour)
	update(t, s, func(tx dm.Tx) error { return tx.CreateSession(ctx, "token-hash-1", a.ID, expires) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.SessionAccount(ctx, "token-hash-1", t0)
		if err != nil || got.ID != a.ID || got.Handle != "alice" {
			t.Errorf("SessionAccount = %v, %v", got, err)
		}
		_, err = tx.SessionAccount(ctx, "token-hash-1", expires)
		wantCode(t, "SessionAccount(expired)", err, dm.ENOTFOUND)
		_, err = tx.SessionAccount(ctx, "token-hash-1", expires.Add(time.Minute))
		wantCode(t, "SessionAccount(long expired)", err, dm.ENOTFOUND)
		_, err = tx.SessionAccount(ctx, "other", t0)
		wantCode(t, "SessionAccount(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	// Shortening moves the expiry sooner, never later.
	soon := t0.Add(time.Minute)
	update(t, s, func(tx dm.Tx) error { return tx.ShortenSession(ctx, "token-hash-1", soon) })
	update(t, s, func(tx dm.Tx) error { return tx.ShortenSession(ctx, "token-hash-1", expires) })
	update(t, s, func(tx dm.Tx) error { return tx.ShortenSession(ctx, "unknown-hash", soon) })
	view(t, s, func(tx dm.Tx) error {
		if got, err := tx.SessionAccount(ctx, "token-hash-1", soon.Add(-time.Second)); err != nil || got.ID != a.ID {
			t.Errorf("SessionAccount before the shortened expiry = %v, %v", got, err)
		}
		_, err := tx.SessionAccount(ctx, "token-hash-1", soon)
		wantCode(t, "SessionAccount(at the shortened expiry, after a later one was asked)", err, dm.ENOTFOUND)
		return nil
	})
	update(t, s, func(tx dm.Tx) error { return tx.DeleteSession(ctx, "token-hash-1") })
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.SessionAccount(ctx, "token-hash-1", t0)
		wantCode(t, "SessionAccount(deleted)", err, dm.ENOTFOUND)
		return nil
	})

	// Families: DeleteSessionFamily ends the family's sessions, expired
	// ones included, and no other session, of that user or another.
	b := newAccount(t, s, "bob")
	update(t, s, func(tx dm.Tx) error {
		for _, x := range []struct{ hash, user, family string }{
			{"f1", a.ID, "fam"}, {"f2", a.ID, "fam"}, {"f3", a.ID, "other"}, {"f4", a.ID, ""}, {"f5", b.ID, "fam"},
		} {
			if err := tx.CreateSession(ctx, x.hash, x.user, expires); err != nil {
				return err
			}
			if x.family != "" {
				if err := tx.SetSessionFamily(ctx, x.hash, x.family); err != nil {
					return err
				}
			}
		}
		return tx.ShortenSession(ctx, "f2", t0.Add(-time.Minute)) // expired
	})
	view(t, s, func(tx dm.Tx) error {
		if u, f, err := tx.SessionFamily(ctx, "f2"); err != nil || u != a.ID || f != "fam" {
			t.Errorf("SessionFamily(f2, expired) = %q, %q, %v", u, f, err)
		}
		if u, f, err := tx.SessionFamily(ctx, "f4"); err != nil || u != a.ID || f != "" {
			t.Errorf("SessionFamily(f4, none) = %q, %q, %v", u, f, err)
		}
		_, _, err := tx.SessionFamily(ctx, "unknown")
		wantCode(t, "SessionFamily(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	var ended []string
	update(t, s, func(tx dm.Tx) error {
		var err error
		ended, err = tx.DeleteSessionFamily(ctx, a.ID, "fam")
		return err
	})
	slices.Sort(ended)
	if !slices.Equal(ended, []string{"f1", "f2"}) {
		t.Errorf("DeleteSessionFamily(alice, fam) = %v, want f1 f2", ended)
	}
	view(t, s, func(tx dm.Tx) error {
		for _, h := range []string{"f3", "f4", "f5"} {
			if _, err := tx.SessionAccount(ctx, h, t0); err != nil {
				t.Errorf("session %s outside the family ended: %v", h, err)
			}
		}
		return nil
	})
}
