package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

var campaignTests = []test{
	{"Campaigns", testCampaigns},
	{"CampaignDeliveries", testCampaignDeliveries},
	{"CampaignClaimsConcurrent", testCampaignClaimsConcurrent},
	{"CampaignAudience", testCampaignAudience},
	{"ConsentPromos", testConsentPromos},
	{"CampaignCodes", testCampaignCodes},
}

func newCampaign(t *testing.T, s dm.Store, brandID string, created time.Time) *dm.Campaign {
	t.Helper()
	c := &dm.Campaign{ID: dm.NewID(), BrandID: brandID, Name: "Sale " + created.String(), Type: "message", Status: dm.CampaignDraft,
		Audience: json.RawMessage(`{"followers":true}`), Steps: json.RawMessage(`[{"variants":[{"name":"A","text":"hi","weight":100}]}]`),
		RatePerMinute: 600, CreatedBy: brandID, CreatedAt: created, UpdatedAt: created}
	update(t, s, func(tx dm.Tx) error { return tx.CreateCampaign(context.Background(), c) })
	return c
}

func testCampaigns(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme, other := newAccount(t, s, "acme"), newAccount(t, s, "other")
	c1 := newCampaign(t, s, acme.ID, at(1))
	c2 := newCampaign(t, s, acme.ID, at(2))
	newCampaign(t, s, other.ID, at(3))
	start, planned := at(10), at(11)
	c1.Status, c1.StartAt, c1.PlannedAt, c1.Generation, c1.Targeted, c1.UpdatedAt = dm.CampaignRunning, &start, &planned, 2, 7, at(12)
	update(t, s, func(tx dm.Tx) error { return tx.PutCampaign(ctx, c1) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Campaign(ctx, c1.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, c1) {
			t.Errorf("campaign = %+v\nwant %+v", got, c1)
		}
		list, err := tx.Campaigns(ctx, acme.ID, 10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != c2.ID || list[1].ID != c1.ID {
			t.Errorf("campaigns: %d, want c2 then c1", len(list))
		}
		_, err = tx.Campaign(ctx, "nope")
		wantCode(t, "missing campaign", err, dm.ENOTFOUND)
		return nil
	})
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.PutCampaign(ctx, &dm.Campaign{ID: "nope", UpdatedAt: at(1)}) })
	wantCode(t, "put a missing campaign", err, dm.ENOTFOUND)
}

func sends(c *dm.Campaign, users []*dm.Account, runAt time.Time) []dm.CampaignSend {
	out := make([]dm.CampaignSend, len(users))
	for i, u := range users {
		out[i] = dm.CampaignSend{ID: dm.NewID(), CampaignID: c.ID, BrandID: c.BrandID, Step: 0, UserID: u.ID, Variant: "A",
			State: dm.SendPending, RunAt: runAt, UpdatedAt: at(0)}
	}
	return out
}

func testCampaignDeliveries(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	c := newCampaign(t, s, acme.ID, at(0))
	var users []*dm.Account
	for i := range 5 {
		users = append(users, newAccount(t, s, fmt.Sprintf("u%d", i)))
	}
	rows := sends(c, users, at(1))
	rows[4].State, rows[4].Reason = dm.SendSkipped, "opted_out"
	rows[3].RunAt, rows[3].Reason = at(100), "quiet_hours"
	var n int
	update(t, s, func(tx dm.Tx) error {
		var err error
		n, err = tx.InsertDeliveries(ctx, rows)
		return err
	})
	if n != 5 {
		t.Fatalf("inserted %d, want 5", n)
	}
	// The key is (campaign, step, user): a second plan adds nobody twice.
	again := sends(c, users, at(1))
	update(t, s, func(tx dm.Tx) error {
		var err error
		n, err = tx.InsertDeliveries(ctx, again)
		return err
	})
	if n != 0 {
		t.Errorf("a second insert of the same recipients added %d", n)
	}
	var claimed []dm.CampaignSend
	update(t, s, func(tx dm.Tx) error {
		var err error
		claimed, err = tx.ClaimDeliveries(ctx, c.ID, "w1", at(2), time.Minute, 10)
		return err
	})
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want the 3 due (not the skipped one, not the deferred one)", len(claimed))
	}
	for _, d := range claimed {
		if d.State != dm.SendSending || d.LeasedBy != "w1" || d.Attempts != 1 || !d.RunAt.Equal(at(2).Add(time.Minute)) {
			t.Errorf("claimed %+v", d)
		}
	}
	// Leased rows are not claimed again until the lease runs out.
	update(t, s, func(tx dm.Tx) error {
		again, err := tx.ClaimDeliveries(ctx, c.ID, "w2", at(3), time.Minute, 10)
		if len(again) != 0 {
			t.Errorf("w2 claimed %d leased rows", len(again))
		}
		return err
	})
	// One is sent (inside a send's transaction), one skipped, one deferred.
	update(t, s, func(tx dm.Tx) error {
		if err := tx.MarkDeliverySent(ctx, c.ID, 0, claimed[0].UserID, "m1", "c1", at(4)); err != nil {
			return err
		}
		return tx.PutCampaignMessage(ctx, "m1", c.ID)
	})
	claimed[1].State, claimed[1].Reason = dm.SendSkipped, "blocked"
	claimed[2].State, claimed[2].Reason, claimed[2].RunAt = dm.SendPending, "quiet_hours", at(50)
	update(t, s, func(tx dm.Tx) error {
		if err := tx.SettleDelivery(ctx, &claimed[1], "w1", at(4)); err != nil {
			return err
		}
		if err := tx.SettleDelivery(ctx, &claimed[2], "w1", at(4)); err != nil {
			return err
		}
		// Sent rows are no longer held: a late settle of it is refused.
		err := tx.SettleDelivery(ctx, &claimed[0], "w1", at(4))
		wantCode(t, "settle a sent row", err, dm.ENOTFOUND)
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		d, err := tx.CampaignSend(ctx, c.ID, 0, claimed[0].UserID)
		if err != nil {
			return err
		}
		if d.State != dm.SendSent || d.MessageID != "m1" || d.ConversationID != "c1" {
			t.Errorf("sent row %+v", d)
		}
		counts, err := tx.DeliveryCounts(ctx, c.ID)
		if err != nil {
			return err
		}
		want := []dm.DeliveryCount{{State: dm.SendPending, Reason: "quiet_hours", Count: 2}, {State: dm.SendSent, Count: 1},
			{State: dm.SendSkipped, Reason: "blocked", Count: 1}, {State: dm.SendSkipped, Reason: "opted_out", Count: 1}}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("counts %+v, want %+v", counts, want)
		}
		next, err := tx.NextDelivery(ctx, c.ID)
		if err != nil {
			return err
		}
		if next == nil || !next.Equal(at(50)) {
			t.Errorf("next delivery %v, want %v", next, at(50))
		}
		m, err := tx.CampaignOfMessages(ctx, []string{"m1", "m2"})
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(m, map[string]string{"m1": c.ID}) {
			t.Errorf("campaign of messages %v", m)
		}
		return nil
	})
	// Cancel: pending rows are cancelled; nothing is left.
	update(t, s, func(tx dm.Tx) error {
		n, err := tx.CancelDeliveries(ctx, c.ID, at(5))
		if n != 2 {
			t.Errorf("cancelled %d, want 2", n)
		}
		return err
	})
	view(t, s, func(tx dm.Tx) error {
		next, err := tx.NextDelivery(ctx, c.ID)
		if next != nil {
			t.Errorf("next delivery after cancel: %v", next)
		}
		return err
	})
}

// testCampaignClaimsConcurrent has eight workers claim one campaign's
// deliveries at once, in small batches: each delivery goes to one worker.
func testCampaignClaimsConcurrent(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	c := newCampaign(t, s, acme.ID, at(0))
	const n = 200
	rows := make([]dm.CampaignSend, n)
	for i := range rows {
		rows[i] = dm.CampaignSend{ID: dm.NewID(), CampaignID: c.ID, BrandID: acme.ID, UserID: fmt.Sprintf("user-%03d", i), Variant: "A",
			State: dm.SendPending, RunAt: at(1), UpdatedAt: at(0)}
	}
	update(t, s, func(tx dm.Tx) error { _, err := tx.InsertDeliveries(ctx, rows); return err })
	var mu sync.Mutex
	got := map[string]string{}
	sent := 0
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker := fmt.Sprintf("w%d", w)
			for {
				var batch []dm.CampaignSend
				err := s.Update(ctx, func(tx dm.Tx) error {
					var err error
					batch, err = tx.ClaimDeliveries(ctx, c.ID, worker, at(2), time.Minute, 7)
					return err
				})
				if err != nil {
					t.Errorf("%s: claim: %v", worker, err)
					return
				}
				if len(batch) == 0 {
					return
				}
				mu.Lock()
				for _, d := range batch {
					if prev, ok := got[d.UserID]; ok {
						t.Errorf("%s claimed %s, which %s holds", worker, d.UserID, prev)
					}
					got[d.UserID] = worker
				}
				mu.Unlock()
				// Outcomes, concurrently with the other workers' claims: a
				// rolled back transaction changes no count.
				errRollback := errors.New("rolled back")
				err = s.Update(ctx, func(tx dm.Tx) error {
					for _, d := range batch {
						if err := tx.MarkDeliverySent(ctx, c.ID, 0, d.UserID, "m-"+d.UserID, "c1", at(3)); err != nil {
							return err
						}
					}
					return errRollback
				})
				if !errors.Is(err, errRollback) {
					t.Errorf("%s: rolled back update: %v", worker, err)
				}
				for i, d := range batch {
					err := s.Update(ctx, func(tx dm.Tx) error {
						if i%2 == 0 {
							return tx.MarkDeliverySent(ctx, c.ID, 0, d.UserID, "m-"+d.UserID, "c1", at(3))
						}
						d.State, d.Reason = dm.SendSkipped, "blocked"
						return tx.SettleDelivery(ctx, &d, worker, at(3))
					})
					if err != nil {
						t.Errorf("%s: outcome of %s: %v", worker, d.UserID, err)
					}
					mu.Lock()
					if i%2 == 0 {
						sent++
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("claimed %d deliveries, want %d", len(got), n)
	}
	// The counts the progress reads are exact after concurrent changes.
	view(t, s, func(tx dm.Tx) error {
		counts, err := tx.DeliveryCounts(ctx, c.ID)
		if err != nil {
			return err
		}
		want := []dm.DeliveryCount{{State: dm.SendSent, Count: sent}, {State: dm.SendSkipped, Reason: "blocked", Count: n - sent}}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("counts %+v, want %+v", counts, want)
		}
		return nil
	})
}

func testCampaignAudience(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	ann, bob, cyd, dan := newAccount(t, s, "ann"), newAccount(t, s, "bob"), newAccount(t, s, "cyd"), newAccount(t, s, "dan")
	other := &dm.Account{ID: dm.NewID(), Handle: "otherbrand", Kind: dm.KindBrand, CreatedAt: t0}
	update(t, s, func(tx dm.Tx) error { return tx.CreateAccount(ctx, other, dm.DefaultSettings(), "h") })
	update(t, s, func(tx dm.Tx) error {
		for _, a := range []*dm.Account{ann, bob, other} {
			if err := tx.SetFollow(ctx, a.ID, acme.ID, true); err != nil {
				return err
			}
		}
		if err := tx.SetBlock(ctx, dan.ID, acme.ID, true); err != nil {
			return err
		}
		last := at(100)
		if err := tx.PutConsent(ctx, &dm.Consent{BrandID: acme.ID, UserID: cyd.ID, LastInbound: &last, UpdatedAt: last}); err != nil {
			return err
		}
		old := at(1)
		if err := tx.PutConsent(ctx, &dm.Consent{BrandID: acme.ID, UserID: bob.ID, OptedOut: true, LastInbound: &old, Promos: []time.Time{at(1)}, UpdatedAt: old}); err != nil {
			return err
		}
		set := dm.DefaultSettings()
		set.TimeZone = "Asia/Tokyo"
		return tx.UpdateAccount(ctx, ann, set)
	})
	sorted := func(as ...*dm.Account) []string {
		var ids []string
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		return ids
	}
	view(t, s, func(tx dm.Tx) error {
		fs, err := tx.AudienceFollowers(ctx, acme.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(fs, sorted(ann, bob)) {
			t.Errorf("followers %v, want ann and bob (not the other brand)", fs)
		}
		w, err := tx.AudienceWroteSince(ctx, acme.ID, at(50))
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(w, sorted(cyd)) {
			t.Errorf("wrote since: %v, want cyd", w)
		}
		f, err := tx.AudienceFacts(ctx, acme.ID)
		if err != nil {
			return err
		}
		if !f.Blocked[dan.ID] || f.Blocked[ann.ID] || !f.Follows[ann.ID] || f.Follows[cyd.ID] {
			t.Errorf("facts: blocked %v, follows %v", f.Blocked, f.Follows)
		}
		if f.Consents[bob.ID] == nil || !f.Consents[bob.ID].OptedOut || f.Consents[ann.ID] != nil {
			t.Errorf("facts: consents %v", f.Consents)
		}
		if !reflect.DeepEqual(f.Followers, fs) {
			t.Errorf("facts: followers %v, want AudienceFollowers' %v", f.Followers, fs)
		}
		if f.TimeZones[ann.ID] != "Asia/Tokyo" || len(f.TimeZones) != 1 {
			t.Errorf("facts: time zones %v", f.TimeZones)
		}
		// A lane's batch read says what the reads of one recipient say.
		ids := []string{ann.ID, bob.ID, cyd.ID, dan.ID, other.ID, "nobody"}
		df, err := tx.DeliveryFacts(ctx, acme.ID, ids)
		if err != nil {
			return err
		}
		if len(df) != 5 || df["nobody"] != nil {
			t.Errorf("delivery facts of %d ids, want the 5 accounts: %v", len(df), df)
		}
		for _, id := range ids[:5] {
			a, err := tx.Account(ctx, id)
			if err != nil {
				return err
			}
			set, err := tx.Settings(ctx, id)
			if err != nil {
				return err
			}
			rel, err := tx.Relationship(ctx, id, acme.ID)
			if err != nil {
				return err
			}
			c, err := tx.Consent(ctx, acme.ID, id)
			if dm.IsCode(err, dm.ENOTFOUND) {
				c, err = nil, nil
			}
			if err != nil {
				return err
			}
			want := &dm.DeliveryFact{Account: a, Consent: c, Relationship: rel, Settings: set}
			if got := df[id]; !reflect.DeepEqual(got, want) {
				t.Errorf("delivery facts of %s:\n got %+v\nwant %+v", id, got, want)
			}
		}
		if df[dan.ID] == nil || !df[dan.ID].Relationship.ABlocksB || df[bob.ID] == nil || df[bob.ID].Consent == nil ||
			!df[bob.ID].Relationship.AFollowsB || df[ann.ID] == nil || df[ann.ID].Settings.TimeZone != "Asia/Tokyo" {
			t.Errorf("delivery facts: %+v", df)
		}
		return nil
	})
}

func testConsentPromos(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme, dan := newAccount(t, s, "acme"), newAccount(t, s, "dan")
	c := &dm.Consent{BrandID: acme.ID, UserID: dan.ID, Promos: []time.Time{at(1), at(2)}, UpdatedAt: at(3)}
	update(t, s, func(tx dm.Tx) error { return tx.PutConsent(ctx, c) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Consent(ctx, acme.ID, dan.ID)
		if err == nil && !reflect.DeepEqual(got, c) {
			t.Errorf("consent = %+v, want %+v", got, c)
		}
		return err
	})
}

// testCampaignCodes: 20 recipients take codes from a pool of 10 at once:
// 10 get one each, all different; the others find the pool empty; asking
// again gives the same code; a code redeems once.
func testCampaignCodes(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	c := newCampaign(t, s, acme.ID, at(0))
	var codes []string
	for i := range 10 {
		codes = append(codes, fmt.Sprintf("CODE-%02d", i))
	}
	update(t, s, func(tx dm.Tx) error {
		n, err := tx.AddCodes(ctx, c.ID, append(codes, "CODE-00"))
		if n != 10 {
			t.Errorf("added %d, want 10", n)
		}
		return err
	})
	var mu sync.Mutex
	got := map[string]string{}
	empty := 0
	var wg sync.WaitGroup
	for u := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("user-%02d", u)
			var code string
			err := s.Update(ctx, func(tx dm.Tx) error {
				var err error
				code, err = tx.AssignCode(ctx, c.ID, user, at(1))
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case dm.IsCode(err, dm.ENOTFOUND):
				empty++
			case err != nil:
				t.Errorf("%s: %v", user, err)
			default:
				if prev, ok := got[code]; ok {
					t.Errorf("%s got %s, which %s has", user, code, prev)
				}
				got[code] = user
			}
		}()
	}
	wg.Wait()
	if len(got) != 10 || empty != 10 {
		t.Fatalf("%d codes given, %d found none; want 10 and 10", len(got), empty)
	}
	code := ""
	for k, u := range got {
		if u == "user-03" || code == "" {
			code = k
		}
	}
	user := got[code]
	update(t, s, func(tx dm.Tx) error {
		again, err := tx.AssignCode(ctx, c.ID, user, at(2))
		if again != code {
			t.Errorf("%s asked again: %q, want %q", user, again, code)
		}
		return err
	})
	update(t, s, func(tx dm.Tx) error {
		cc, err := tx.RedeemCode(ctx, c.ID, code, at(3))
		if err != nil {
			return err
		}
		if cc.UserID != user || cc.RedeemedAt == nil || !cc.RedeemedAt.Equal(at(3)) {
			t.Errorf("redeemed %+v", cc)
		}
		_, err = tx.RedeemCode(ctx, c.ID, code, at(4))
		wantCode(t, "redeem twice", err, dm.ECONFLICT)
		_, err = tx.RedeemCode(ctx, c.ID, "NOPE", at(4))
		wantCode(t, "redeem an unknown code", err, dm.ENOTFOUND)
		tally, err := tx.CodeTally(ctx, c.ID)
		if err == nil && *tally != (dm.OfferTally{Pool: 10, Assigned: 10, Redeemed: 1}) {
			t.Errorf("tally %+v", tally)
		}
		return err
	})
}
