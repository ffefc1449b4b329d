package storetest

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// creatorTests check dm.CreatorTx.
var creatorTests = []test{
	{"Creators", testCreators},
}

// testCreators covers dm.CreatorTx and the team permissions it relies on:
// deals round-trip with their deliverables and outreach state, list most
// recent first, delete with their history; collaboration messages are
// found by id; codes are given from an offer's pool (free, named, someone
// else's) and a creator's codes come back with their redemption.
func testCreators(t *testing.T, s dm.Store) {
	ctx := context.Background()
	brand := newAccount(t, s, "acme")
	ana := newAccount(t, s, "ana")
	ben := newAccount(t, s, "ben")
	bob := newAccount(t, s, "bob")

	t.Run("Permissions", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			return tx.PutTeamMember(ctx, &dm.TeamMember{BrandID: brand.ID, UserID: bob.ID, Role: dm.TeamAgent, AddedAt: at(1), Permissions: []string{dm.PermPartnerships}})
		})
		view(t, s, func(tx dm.Tx) error {
			m, err := tx.TeamMember(ctx, brand.ID, bob.ID)
			if err != nil || len(m.Permissions) != 1 || m.Permissions[0] != dm.PermPartnerships {
				t.Errorf("TeamMember = %+v, %v", m, err)
			}
			return nil
		})
		update(t, s, func(tx dm.Tx) error {
			return tx.PutTeamMember(ctx, &dm.TeamMember{BrandID: brand.ID, UserID: bob.ID, Role: dm.TeamAgent, AddedAt: at(1)})
		})
		view(t, s, func(tx dm.Tx) error {
			ms, err := tx.TeamMembers(ctx, brand.ID)
			if err != nil || len(ms) != 1 || len(ms[0].Permissions) != 0 || ms[0].Permissions == nil {
				t.Errorf("TeamMembers after removing the permission = %+v, %v", ms, err)
			}
			return nil
		})
	})

	t.Run("Deals", func(t *testing.T) {
		out := at(5)
		d1 := &dm.CreatorDeal{BrandID: brand.ID, CreatorID: ana.ID, Stage: dm.StageContacted, Notes: "likes hiking",
			Deliverables: []dm.Deliverable{{ID: "d1", Title: "Reel", DueDate: "2026-12-01"}, {ID: "d2", Title: "Story", Done: true}},
			FeeMinor:     150000, FeeCurrency: "EUR", DueDate: "2026-12-15", ConversationID: "c1", OutreachID: "o1",
			OutreachState: dm.OutreachRunning, OutreachSent: 1, OutreachAt: &out, CreatedAt: at(1), UpdatedAt: at(5)}
		d2 := &dm.CreatorDeal{BrandID: brand.ID, CreatorID: ben.ID, Stage: dm.StageProspect, CreatedAt: at(2), UpdatedAt: at(6)}
		update(t, s, func(tx dm.Tx) error {
			if err := tx.PutCreatorDeal(ctx, d1); err != nil {
				return err
			}
			if err := tx.PutCreatorDeal(ctx, d2); err != nil {
				return err
			}
			if err := tx.AddStageChange(ctx, &dm.StageChange{BrandID: brand.ID, CreatorID: ana.ID, From: "", To: dm.StageProspect, ByID: bob.ID, Reason: "added", At: at(1)}); err != nil {
				return err
			}
			return tx.AddStageChange(ctx, &dm.StageChange{BrandID: brand.ID, CreatorID: ana.ID, From: dm.StageProspect, To: dm.StageContacted, ByID: bob.ID, Reason: "outreach", At: at(5)})
		})
		view(t, s, func(tx dm.Tx) error {
			got, err := tx.CreatorDeal(ctx, brand.ID, ana.ID)
			if err != nil {
				t.Fatalf("CreatorDeal: %v", err)
			}
			if got.Stage != dm.StageContacted || got.Notes != "likes hiking" || len(got.Deliverables) != 2 || got.Deliverables[1] != d1.Deliverables[1] ||
				got.FeeMinor != 150000 || got.FeeCurrency != "EUR" || got.DueDate != "2026-12-15" || got.ConversationID != "c1" ||
				got.OutreachID != "o1" || got.OutreachState != dm.OutreachRunning || got.OutreachSent != 1 || got.OutreachAt == nil {
				t.Errorf("CreatorDeal = %+v", got)
			} else {
				wantUTC(t, "outreach_at", *got.OutreachAt, out)
				wantUTC(t, "updated_at", got.UpdatedAt, at(5))
			}
			empty, err := tx.CreatorDeal(ctx, brand.ID, ben.ID)
			if err != nil || empty.Deliverables == nil || len(empty.Deliverables) != 0 || empty.OutreachAt != nil {
				t.Errorf("CreatorDeal without deliverables = %+v, %v", empty, err)
			}
			list, err := tx.CreatorDeals(ctx, brand.ID)
			if err != nil || len(list) != 2 || list[0].CreatorID != ben.ID || list[1].CreatorID != ana.ID {
				t.Errorf("CreatorDeals = %+v, %v", list, err)
			}
			if n, err := tx.CountCreatorDeals(ctx, brand.ID); n != 2 || err != nil {
				t.Errorf("CountCreatorDeals = %d, %v", n, err)
			}
			h, err := tx.StageHistory(ctx, brand.ID, ana.ID)
			if err != nil || len(h) != 2 || h[0].To != dm.StageProspect || h[1].From != dm.StageProspect || h[1].Reason != "outreach" {
				t.Errorf("StageHistory = %+v, %v", h, err)
			}
			_, err = tx.CreatorDeal(ctx, brand.ID, bob.ID)
			wantCode(t, "CreatorDeal of someone not in the pipeline", err, dm.ENOTFOUND)
			return nil
		})
		update(t, s, func(tx dm.Tx) error {
			if err := tx.DeleteCreatorDeal(ctx, brand.ID, ana.ID); err != nil {
				return err
			}
			wantCode(t, "DeleteCreatorDeal twice", tx.DeleteCreatorDeal(ctx, brand.ID, ana.ID), dm.ENOTFOUND)
			h, err := tx.StageHistory(ctx, brand.ID, ana.ID)
			if err != nil || len(h) != 0 {
				t.Errorf("StageHistory after delete = %+v, %v", h, err)
			}
			return nil
		})
	})

	t.Run("CollabMessages", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			if err := tx.PutCollabMessage(ctx, "m1", brand.ID, ana.ID); err != nil {
				return err
			}
			return tx.PutCollabMessage(ctx, "m1", brand.ID, ana.ID) // idempotent
		})
		view(t, s, func(tx dm.Tx) error {
			m, err := tx.CollabMessages(ctx, []string{"m1", "m2"})
			if err != nil || len(m) != 1 || m["m1"] != brand.ID {
				t.Errorf("CollabMessages = %v, %v", m, err)
			}
			return nil
		})
	})

	t.Run("Codes", func(t *testing.T) {
		c := newCampaign(t, s, brand.ID, at(1))
		update(t, s, func(tx dm.Tx) error {
			_, err := tx.AddCodes(ctx, c.ID, []string{"A1", "A2", "A3"})
			return err
		})
		var free string
		update(t, s, func(tx dm.Tx) error {
			var err error
			if free, err = tx.GiveCode(ctx, c.ID, ana.ID, "", at(2)); err != nil || free != "A1" {
				t.Errorf("GiveCode free = %q, %v", free, err)
			}
			if got, err := tx.GiveCode(ctx, c.ID, ana.ID, "A3", at(2)); err != nil || got != "A3" {
				t.Errorf("GiveCode named = %q, %v", got, err)
			}
			if got, err := tx.GiveCode(ctx, c.ID, ana.ID, "A3", at(2)); err != nil || got != "A3" {
				t.Errorf("GiveCode named again = %q, %v", got, err)
			}
			_, err = tx.GiveCode(ctx, c.ID, ben.ID, "A3", at(2))
			wantCode(t, "GiveCode of someone else's", err, dm.ECONFLICT)
			_, err = tx.GiveCode(ctx, c.ID, ben.ID, "ZZ", at(2))
			wantCode(t, "GiveCode not in the pool", err, dm.ENOTFOUND)
			if got, err := tx.GiveCode(ctx, c.ID, ben.ID, "", at(2)); err != nil || got != "A2" {
				t.Errorf("GiveCode last free = %q, %v", got, err)
			}
			_, err = tx.GiveCode(ctx, c.ID, ben.ID, "", at(2))
			wantCode(t, "GiveCode from an empty pool", err, dm.ENOTFOUND)
			for _, code := range []string{"A1", "A3"} {
				if err := tx.PutCreatorCode(ctx, &dm.CreatorCode{CampaignID: c.ID, Code: code, BrandID: brand.ID, CreatorID: ana.ID, AssignedAt: at(2)}); err != nil {
					return err
				}
			}
			_, err = tx.RedeemCode(ctx, c.ID, "A3", at(3))
			return err
		})
		view(t, s, func(tx dm.Tx) error {
			cs, err := tx.CreatorCodes(ctx, brand.ID, ana.ID)
			if err != nil || len(cs) != 2 || cs[0].Code != "A1" || cs[0].RedeemedAt != nil || cs[1].Code != "A3" || cs[1].RedeemedAt == nil {
				t.Errorf("CreatorCodes = %+v, %v", cs, err)
			} else {
				wantUTC(t, "redeemed_at", *cs[1].RedeemedAt, at(3))
			}
			return nil
		})
	})
}
