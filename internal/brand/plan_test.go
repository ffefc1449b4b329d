package brand_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
)

// TestPlanTargetedCounts: a plan's first attempt that inserts every row
// takes the campaign's counts from the rows it planned, without counting
// the table; a plan that finds rows already there (a retry after a crash
// mid-plan) counts the table, so the rows the crashed attempt wrote are in
// the figure too. Either way the stored Targeted is the table's.
func TestPlanTargetedCounts(t *testing.T) {
	ctx := context.Background()
	p, clock := daytimePipeline(t)
	bs := p.brand
	acme := p.signup(t, "acme", dm.KindBrand)
	fans := p.followers(t, 3)
	// fan2 said STOP: planned as skipped.
	if err := p.db.Update(ctx, func(tx dm.Tx) error {
		return tx.PutConsent(ctx, &dm.Consent{BrandID: acme.ID, UserID: fans[2].ID, OptedOut: true, UpdatedAt: clock()})
	}); err != nil {
		t.Fatal(err)
	}
	create := func(name string) string {
		t.Helper()
		v, err := bs.CreateCampaign(ctx, acme, "acme", brand.CampaignInput{Name: name, Type: campaign.TypeMessage,
			Audience: &campaign.Audience{Followers: true}, RatePerMinute: campaign.MaxRate,
			Steps: []campaign.Step{{Variants: []campaign.Variant{{Name: "A", Text: "Hi", Weight: 100}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return v.Campaign.ID
	}
	// planned starts a campaign and returns it once planned: its stored
	// Targeted and skipped-for-opted-out, and the table's count.
	planned := func(id string) (targeted, optedOut, table int) {
		t.Helper()
		if _, err := bs.CampaignAct(ctx, acme, "acme", id, brand.ActionStart); err != nil {
			t.Fatal(err)
		}
		for limit := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			v, err := bs.Campaign(ctx, acme, "acme", id)
			if err != nil {
				t.Fatal(err)
			}
			if v.Campaign.PlannedAt != nil {
				return v.Campaign.Targeted, v.Progress.Skipped[consent.ReasonOptedOut], v.Progress.Targeted
			}
			if time.Now().After(limit) {
				t.Fatalf("campaign %s not planned after 30 s", id)
			}
		}
	}

	// A first plan: three rows, one skipped for the STOP.
	if n, out, table := planned(create("first")); n != 3 || out != 1 || table != 3 {
		t.Errorf("first plan: targeted %d (table %d), opted out %d; want 3, 3, 1", n, table, out)
	}

	// As a crashed attempt leaves them: fan0's row, and a row of someone
	// who has since stopped following (not in the audience now).
	id := create("retried")
	now := clock()
	err := p.db.Update(ctx, func(tx dm.Tx) error {
		_, err := tx.InsertDeliveries(ctx, []dm.CampaignSend{
			{ID: dm.NewID(), CampaignID: id, BrandID: acme.ID, UserID: fans[0].ID, Variant: "A", State: dm.SendPending, RunAt: now.Add(time.Hour), UpdatedAt: now},
			{ID: dm.NewID(), CampaignID: id, BrandID: acme.ID, UserID: "gone", Variant: "A", State: dm.SendSkipped, Reason: consent.ReasonOptedOut, RunAt: now, UpdatedAt: now},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, out, table := planned(id); n != 4 || out != 2 || table != 4 {
		t.Errorf("plan over a crashed attempt's rows: targeted %d (table %d), opted out %d; want 4, 4, 2", n, table, out)
	}
}
