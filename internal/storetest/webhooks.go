package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// webhookTests cover dm.WebhookTx: endpoints, the delivery log and bot tokens.
var webhookTests = []test{
	{"Webhooks", testWebhooks},
}

func testWebhooks(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	globex := newAccount(t, s, "globex")

	e1 := &dm.WebhookEndpoint{ID: "e1", BrandID: acme.ID, URL: "https://crm.example/hook", Description: "CRM",
		Events: []string{dm.WebhookMessageReceived}, Secret: "whsec_one", CreatedAt: at(0), UpdatedAt: at(0)}
	e2 := &dm.WebhookEndpoint{ID: "e2", BrandID: acme.ID, URL: "https://bot.example/", Description: "",
		Events: []string{dm.WebhookMessageSent, dm.WebhookConversationResolved}, Secret: "whsec_two", CreatedAt: at(1), UpdatedAt: at(1)}
	update(t, s, func(tx dm.Tx) error {
		if err := tx.PutWebhookEndpoint(ctx, e1); err != nil {
			return err
		}
		return tx.PutWebhookEndpoint(ctx, e2)
	})
	// Rotating a secret is an update in place.
	e1.Secret, e1.UpdatedAt = "whsec_rotated", at(5)
	update(t, s, func(tx dm.Tx) error { return tx.PutWebhookEndpoint(ctx, e1) })
	view(t, s, func(tx dm.Tx) error {
		es, err := tx.WebhookEndpoints(ctx, acme.ID)
		if err != nil {
			return err
		}
		if len(es) != 2 || !reflect.DeepEqual(es[0], *e1) || !reflect.DeepEqual(es[1], *e2) {
			t.Errorf("endpoints = %+v", es)
		}
		_, err = tx.WebhookEndpoint(ctx, globex.ID, "e1")
		wantCode(t, "another brand's endpoint", err, dm.ENOTFOUND)
		if others, _ := tx.WebhookEndpoints(ctx, globex.ID); len(others) != 0 {
			t.Errorf("another brand lists %+v", others)
		}
		return nil
	})

	// Deliveries page newest first, by brand or endpoint; updates keep the body.
	var ds []*dm.WebhookDelivery
	update(t, s, func(tx dm.Tx) error {
		for i := range 5 {
			ep := "e1"
			if i%2 == 1 {
				ep = "e2"
			}
			d := &dm.WebhookDelivery{ID: "d" + string(rune('0'+i)), BrandID: acme.ID, EndpointID: ep, EventID: "ev" + string(rune('0'+i)),
				EventType: dm.WebhookMessageReceived, Body: `{"n":` + string(rune('0'+i)) + `}`, Status: dm.DeliveryPending,
				CreatedAt: at(10 + i), UpdatedAt: at(10 + i)}
			if err := tx.PutWebhookDelivery(ctx, d); err != nil {
				return err
			}
			ds = append(ds, d)
		}
		return nil
	})
	done := at(30)
	d0 := *ds[0]
	d0.Status, d0.Attempts, d0.LastStatusCode, d0.LastError, d0.UpdatedAt, d0.DeliveredAt = dm.DeliverySucceeded, 2, 204, "", done, &done
	d0.Body = "ignored: the body never changes"
	update(t, s, func(tx dm.Tx) error {
		if err := tx.PutWebhookDelivery(ctx, &d0); err != nil {
			return err
		}
		if err := tx.AddWebhookAttempt(ctx, &dm.WebhookAttempt{DeliveryID: "d0", N: 1, At: at(11), StatusCode: 500, Error: "HTTP 500", DurationMS: 12}); err != nil {
			return err
		}
		return tx.AddWebhookAttempt(ctx, &dm.WebhookAttempt{DeliveryID: "d0", N: 2, At: at(30), StatusCode: 204, DurationMS: 3})
	})
	// RecordWebhookAttempt: a failed attempt keeps the status pending, a
	// successful one settles it; each returns its attempt's number.
	update(t, s, func(tx dm.Tx) error {
		n, err := tx.RecordWebhookAttempt(ctx, "d2", "", 503, "HTTP 503", at(40), nil)
		if err != nil || n != 1 {
			t.Errorf("first attempt = %d, %v; want 1", n, err)
		}
		fin := at(41)
		if n, err = tx.RecordWebhookAttempt(ctx, "d2", dm.DeliverySucceeded, 200, "", fin, &fin); err != nil || n != 2 {
			t.Errorf("second attempt = %d, %v; want 2", n, err)
		}
		_, err = tx.RecordWebhookAttempt(ctx, "nope", "", 200, "", fin, nil)
		wantCode(t, "attempt of a missing delivery", err, dm.ENOTFOUND)
		got, err := tx.WebhookDelivery(ctx, "d2")
		if err != nil {
			return err
		}
		want := *ds[2]
		want.Status, want.Attempts, want.LastStatusCode, want.LastError, want.UpdatedAt, want.DeliveredAt = dm.DeliverySucceeded, 2, 200, "", fin, &fin
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("recorded delivery = %+v\nwant %+v", *got, want)
		}
		n, err = tx.RecordWebhookAttempt(ctx, "d4", dm.DeliveryFailed, 0, "dial: refused", at(42), nil)
		if err != nil || n != 1 {
			t.Errorf("dead attempt = %d, %v", n, err)
		}
		if got, err = tx.WebhookDelivery(ctx, "d4"); err != nil {
			return err
		}
		if got.Status != dm.DeliveryFailed || got.LastError != "dial: refused" || got.DeliveredAt != nil || got.LastStatusCode != 0 {
			t.Errorf("dead delivery = %+v", got)
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.WebhookDelivery(ctx, "d0")
		if err != nil {
			return err
		}
		if got.Body != `{"n":0}` || got.Status != dm.DeliverySucceeded || got.Attempts != 2 || got.DeliveredAt == nil || !got.DeliveredAt.Equal(done) {
			t.Errorf("updated delivery = %+v", got)
		}
		as, err := tx.WebhookAttempts(ctx, "d0")
		if err != nil {
			return err
		}
		if len(as) != 2 || as[0].StatusCode != 500 || as[1].N != 2 || as[1].DurationMS != 3 || !as[0].At.Equal(at(11)) {
			t.Errorf("attempts = %+v", as)
		}
		page, next, err := tx.WebhookDeliveries(ctx, acme.ID, "", "", 3)
		if err != nil {
			return err
		}
		if len(page) != 3 || page[0].ID != "d4" || page[2].ID != "d2" || next != "d2" {
			t.Errorf("first page = %v, next %q", deliveryIDs(page), next)
		}
		page, next, err = tx.WebhookDeliveries(ctx, acme.ID, "", next, 3)
		if err != nil {
			return err
		}
		if len(page) != 2 || page[0].ID != "d1" || page[1].ID != "d0" || next != "" {
			t.Errorf("second page = %v, next %q", deliveryIDs(page), next)
		}
		page, _, err = tx.WebhookDeliveries(ctx, acme.ID, "e2", "", 10)
		if err != nil {
			return err
		}
		if len(page) != 2 || page[0].ID != "d3" || page[1].ID != "d1" {
			t.Errorf("endpoint e2's deliveries = %v", deliveryIDs(page))
		}
		if page, _, _ := tx.WebhookDeliveries(ctx, globex.ID, "", "", 10); len(page) != 0 {
			t.Errorf("another brand sees deliveries %v", deliveryIDs(page))
		}
		return nil
	})

	// Deleting an endpoint takes its deliveries and their attempts along.
	update(t, s, func(tx dm.Tx) error {
		wantCode(t, "delete another brand's endpoint", tx.DeleteWebhookEndpoint(ctx, globex.ID, "e1"), dm.ENOTFOUND)
		return tx.DeleteWebhookEndpoint(ctx, acme.ID, "e1")
	})
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.WebhookDelivery(ctx, "d0")
		wantCode(t, "a deleted endpoint's delivery", err, dm.ENOTFOUND)
		if as, _ := tx.WebhookAttempts(ctx, "d0"); len(as) != 0 {
			t.Errorf("attempts of a deleted delivery: %+v", as)
		}
		page, _, _ := tx.WebhookDeliveries(ctx, acme.ID, "", "", 10)
		if len(page) != 2 {
			t.Errorf("left after delete = %v", deliveryIDs(page))
		}
		return nil
	})
	// Pruning deletes the oldest first, at most limit.
	update(t, s, func(tx dm.Tx) error {
		n, err := tx.PruneWebhookDeliveries(ctx, at(100), 1)
		if err != nil || n != 1 {
			t.Errorf("prune = %d, %v; want 1", n, err)
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		if page, _, _ := tx.WebhookDeliveries(ctx, acme.ID, "", "", 10); len(page) != 1 || page[0].ID != "d3" {
			t.Errorf("left after prune = %v", deliveryIDs(page))
		}
		return nil
	})

	// Bot tokens: by hash, unique names per brand, deletion scoped to the brand.
	b1 := &dm.BotToken{ID: "b1", BrandID: acme.ID, Name: "crm", TokenHash: "h1", CreatedBy: acme.ID, CreatedAt: at(0)}
	update(t, s, func(tx dm.Tx) error { return tx.CreateBotToken(ctx, b1) })
	err := s.Update(ctx, func(tx dm.Tx) error {
		return tx.CreateBotToken(ctx, &dm.BotToken{ID: "b2", BrandID: acme.ID, Name: "crm", TokenHash: "h2", CreatedBy: acme.ID, CreatedAt: at(1)})
	})
	wantCode(t, "a second token of the same name", err, dm.ECONFLICT)
	update(t, s, func(tx dm.Tx) error {
		return tx.CreateBotToken(ctx, &dm.BotToken{ID: "b3", BrandID: globex.ID, Name: "crm", TokenHash: "h3", CreatedBy: globex.ID, CreatedAt: at(1)})
	})
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.BotTokenByHash(ctx, "h1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, b1) {
			t.Errorf("token = %+v, want %+v", got, b1)
		}
		_, err = tx.BotTokenByHash(ctx, "nope")
		wantCode(t, "unknown token", err, dm.ENOTFOUND)
		if bs, _ := tx.BotTokens(ctx, acme.ID); len(bs) != 1 || bs[0].ID != "b1" {
			t.Errorf("acme's tokens = %+v", bs)
		}
		return nil
	})
	update(t, s, func(tx dm.Tx) error {
		wantCode(t, "revoke another brand's token", tx.DeleteBotToken(ctx, globex.ID, "b1"), dm.ENOTFOUND)
		return tx.DeleteBotToken(ctx, acme.ID, "b1")
	})
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.BotTokenByHash(ctx, "h1")
		wantCode(t, "a revoked token", err, dm.ENOTFOUND)
		return nil
	})
}

func deliveryIDs(ds []dm.WebhookDelivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}
