package brand_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/dm"
)

// TestOfferPoolBounded: an offer's pool holds at most maxPool codes, all
// uploads together (lowered to 50 here; campaign.MaxPool in a server).
// Codes the pool has already are no new codes, and an upload that would
// pass the bound is refused whole: nothing of it is added.
func TestOfferPoolBounded(t *testing.T) {
	const bound = 50
	defer brand.SetMaxPool(bound)()
	ctx := context.Background()
	pl := newPipeline(t, nil, 0)
	deli := pl.signup(t, "deli", dm.KindBrand)
	v, err := pl.brand.CreateCampaign(ctx, deli, "deli", brand.CampaignInput{Name: "bagels", Type: campaign.TypeOffer,
		Audience: &campaign.Audience{Followers: true}, Offer: &campaign.Offer{},
		Steps: []campaign.Step{{Variants: []campaign.Variant{{Name: "A", Text: "A treat for you", Weight: 100}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Campaign.ID
	codes := func(k, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "K%02dC%03d\n", k, i)
		}
		return b.String()
	}
	upload := func(body string) (int, *dm.OfferTally, error) {
		return pl.brand.AddCodes(ctx, deli, "deli", id, body)
	}
	for k := range 4 {
		if _, _, err := upload(codes(k, 10)); err != nil {
			t.Fatalf("upload %d: %v", k, err)
		}
	}
	if _, _, err := upload(codes(4, 5)); err != nil {
		t.Fatal(err)
	}
	// 5 old codes and 5 new fill the pool exactly.
	added, tally, err := upload(codes(0, 5) + codes(5, 5))
	if err != nil || added != 5 || tally.Pool != bound {
		t.Fatalf("the upload that fills the pool: %d added, %+v, %v; want 5 and a pool of %d", added, tally, err, bound)
	}
	// Past the bound: a 400 that says so, and nothing added, whether the
	// upload is all new, new and old together, or (a full pool is not
	// read again for a retried file) all old. Each refusal after the first
	// finds the pool at the bound: the one before added nothing.
	for _, body := range []string{codes(9, 1), codes(8, 1) + codes(0, 1), codes(1, 10)} {
		_, _, err := upload(body)
		if !dm.IsCode(err, dm.EINVALID) || !strings.Contains(dm.ErrorMessage(err), fmt.Sprintf("at most %d codes (it has %d)", bound, bound)) {
			t.Fatalf("an upload past the bound: %v", err)
		}
	}
}
