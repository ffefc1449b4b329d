package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

var consentTests = []test{
	{"Consent", testConsent},
	{"DailyCap", testDailyCap},
}

// testDailyCap: AddDailySent counts up to its limit and no further, per
// brand and day; a limit of 0 counts nothing.
func testDailyCap(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme, shop := newAccount(t, s, "acme"), newAccount(t, s, "shop")
	add := func(b *dm.Account, day string, limit int, want bool) {
		t.Helper()
		update(t, s, func(tx dm.Tx) error {
			ok, err := tx.AddDailySent(ctx, b.ID, day, limit)
			if err == nil && ok != want {
				t.Errorf("AddDailySent(%s, %s, %d) = %v, want %v", b.Handle, day, limit, ok, want)
			}
			return err
		})
	}
	sent := func(b *dm.Account, day string, want int) {
		t.Helper()
		view(t, s, func(tx dm.Tx) error {
			if n, err := tx.DailySent(ctx, b.ID, day); err != nil || n != want {
				t.Errorf("DailySent(%s, %s) = %d, %v; want %d", b.Handle, day, n, err, want)
			}
			return nil
		})
	}
	add(acme, "2026-11-30", 0, false)
	sent(acme, "2026-11-30", 0)
	add(acme, "2026-11-30", 2, true)
	add(acme, "2026-11-30", 2, true)
	add(acme, "2026-11-30", 2, false)
	sent(acme, "2026-11-30", 2)
	add(acme, "2026-11-30", 3, true) // a cap raised during the day
	sent(acme, "2026-11-30", 3)
	add(acme, "2026-12-01", 2, true)
	add(shop, "2026-11-30", 2, true)
	sent(acme, "2026-12-01", 1)
	sent(shop, "2026-11-30", 1)
}

func testConsent(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	dan := newAccount(t, s, "dan")
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Consent(ctx, acme.ID, dan.ID)
		wantCode(t, "consent never recorded", err, dm.ENOTFOUND)
		return nil
	})
	last := at(5)
	c := &dm.Consent{BrandID: acme.ID, UserID: dan.ID, OptedIn: true, LastInbound: &last, Unanswered: 2, UpdatedAt: at(6)}
	update(t, s, func(tx dm.Tx) error { return tx.PutConsent(ctx, c) })
	c.OptedOut, c.Unanswered, c.LastInbound = true, 0, nil
	update(t, s, func(tx dm.Tx) error { return tx.PutConsent(ctx, c) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Consent(ctx, acme.ID, dan.ID)
		if err == nil && !reflect.DeepEqual(got, c) {
			t.Errorf("consent = %+v, want %+v", got, c)
		}
		if _, err := tx.Consent(ctx, dan.ID, acme.ID); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("the other direction: %v, want not found", err)
		}
		return err
	})
}
