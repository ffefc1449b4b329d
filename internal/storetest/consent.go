package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

var consentTests = []test{
	{"Consent", testConsent},
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
