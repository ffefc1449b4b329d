package brand_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
)

// TestCampaignLaneSliceFrozenClock: a lane whose time slice ends before it
// has sent its window's share (a loaded machine, under -race) comes back
// for the rest at once when the server's clock does not move (a test's
// clock, frozen until the test moves it), instead of waiting for a moment
// of that clock that never comes. The campaign ends with everyone sent to.
func TestCampaignLaneSliceFrozenClock(t *testing.T) {
	const followers = 300
	ctx := context.Background()
	frozen := time.Date(2026, 6, 1, 14, 0, 0, 0, time.UTC)
	t.Cleanup(brand.SetLaneSlice(time.Nanosecond)) // every lane stops after one batch; restored after the runner stops
	p := newPipeline(t, func() time.Time { return frozen }, 16)
	c, bs := p.chat, p.brand
	acme := p.signup(t, "acme", dm.KindBrand)
	for i := range followers {
		if err := c.Follow(ctx, p.signup(t, fmt.Sprintf("fan%d", i), dm.KindPerson), "acme", true); err != nil {
			t.Fatal(err)
		}
	}
	id := p.startCampaign(t, acme, "frozen", "Hi {{first_name|there}}")
	for limit := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err := bs.Campaign(ctx, acme, "acme", id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Campaign.Status == dm.CampaignDone {
			if got.Progress.Sent != followers {
				t.Fatalf("done with progress %+v, want %d sent", got.Progress, followers)
			}
			return
		}
		if time.Now().After(limit) {
			t.Fatalf("after 60 s the campaign is %s with progress %+v: a lane waits for the frozen clock", got.Campaign.Status, got.Progress)
		}
	}
}
