package brand

import (
	"testing"
	"time"
)

// TestFunnelCache: an entry serves until its campaign or its brand is
// marked, or funnelTTL passes on the caller's clock; counts read under
// generations that moved meanwhile are never served.
func TestFunnelCache(t *testing.T) {
	c := &funnelCacheT{entries: map[string]funnelEntry{}, campaigns: map[string]uint64{}, brands: map[string]uint64{}}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	counts := FunnelCountsSet{Total: FunnelCounts{Targeted: 7}, Clicks: 2}
	put := func() {
		cg, bg := c.gens("c1", "b1")
		c.put("c1", cg, bg, counts, now)
	}
	if _, ok := c.get("c1", "b1", now); ok {
		t.Fatal("a hit in an empty cache")
	}
	put()
	if got, ok := c.get("c1", "b1", now.Add(funnelTTL-time.Millisecond)); !ok || got.Total.Targeted != 7 || got.Clicks != 2 {
		t.Errorf("within the TTL: %+v, %v", got, ok)
	}
	if _, ok := c.get("c1", "b1", now.Add(funnelTTL)); ok {
		t.Error("served at the TTL")
	}
	if _, ok := c.get("c1", "b1", now.Add(-time.Second)); ok {
		t.Error("served before it was read (a clock moved back)")
	}
	c.markedCampaign("c1")
	if _, ok := c.get("c1", "b1", now); ok {
		t.Error("served after its campaign was marked")
	}
	put()
	c.markedBrand("b2")
	if _, ok := c.get("c1", "b1", now); !ok {
		t.Error("another brand's mark dropped it")
	}
	c.markedBrand("b1")
	if _, ok := c.get("c1", "b1", now); ok {
		t.Error("served after its brand was marked")
	}
	// Read under old generations: a mark between the read and the put.
	cg, bg := c.gens("c1", "b1")
	c.markedCampaign("c1")
	c.put("c1", cg, bg, counts, now)
	if _, ok := c.get("c1", "b1", now); ok {
		t.Error("served counts read before a mark")
	}
}
