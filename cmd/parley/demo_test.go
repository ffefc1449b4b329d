package main

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestDemoCreators: the demo seeds acme's creator pipeline across its
// stages, with an outreach running and deliverables flagged due soon and
// overdue; seeding again changes nothing.
func TestDemoCreators(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bus := inmem.New()
	defer bus.Close()
	step := brand.NewStep(brand.Config{})
	ids := identity.New(db, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	c := chat.New(db, bus, chat.Config{RateLimitOff: true, Steps: []chat.Step{step}})
	b := brand.New(c, step)
	for range 2 {
		if err := seedDemo(ctx, ids, c, b); err != nil {
			t.Fatal(err)
		}
	}
	var acme *dm.Account
	if err := db.View(ctx, func(tx dm.Tx) (err error) {
		acme, err = tx.AccountByHandle(ctx, "acme")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cs, err := b.Creators(ctx, acme, "acme")
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]string{}
	for _, cr := range cs {
		stages[cr.Creator.Handle] = cr.Deal.Stage
		if cr.Creator.Handle == "maya_trails" {
			var soon, over int
			for _, st := range cr.Due {
				switch st {
				case dm.DueSoon:
					soon++
				case dm.Overdue:
					over++
				}
			}
			if soon != 1 || over != 1 {
				t.Errorf("maya's flags = %v, want one due soon and one overdue", cr.Due)
			}
		}
		if cr.Creator.Handle == "leo_climbs" && cr.Deal.OutreachState != dm.OutreachRunning {
			t.Errorf("leo's outreach = %q, want running", cr.Deal.OutreachState)
		}
	}
	want := map[string]string{"sam_outdoors": dm.StageProspect, "leo_climbs": dm.StageContacted, "nina_bikes": dm.StageNegotiating,
		"maya_trails": dm.StageAgreed, "alice": dm.StageContentLive}
	if len(stages) != len(want) {
		t.Errorf("pipeline = %v, want %v", stages, want)
	}
	for h, st := range want {
		if stages[h] != st {
			t.Errorf("@%s is %q, want %q", h, stages[h], st)
		}
	}
}
