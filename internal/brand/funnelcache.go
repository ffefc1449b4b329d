package brand

import (
	"sync"
	"time"
)

// The funnel cache. A campaign's funnel is one grouped read of all its
// delivery rows (100,000 rows for a campaign to 100,000) and of its tracked
// links; the console reads it whenever a brand opens or refreshes it. The
// cache keeps each campaign's last funnel until something that changes it
// happens on this node: a campaign.progress (rows planned, sent, skipped,
// cancelled, an RSVP: tellTeam), or a funnel mark (read, replied, clicked,
// acted, opted out: markedCampaign / markedBrand, the latter for marks that
// touch every campaign of a brand). Marks and sends on another node are not
// seen here, so an entry also expires after funnelTTL. The authorization
// check and the campaign's own row are read on every request all the same.
//
// The cache is the package's, shared by every Service in the process: it
// is keyed by campaign and brand ids, which are unique.
const (
	funnelTTL        = 2 * time.Second
	funnelCacheLimit = 1000 // campaigns; beyond it the cache is emptied
)

type funnelEntry struct {
	counts     FunnelCountsSet
	campaign   uint64 // the campaign's and the brand's generation when read
	brand      uint64
	at         time.Time
	validUntil time.Time
}

// FunnelCountsSet is what the cache keeps of a funnel: everything but the
// campaign's row, which is read fresh.
type FunnelCountsSet struct {
	Total    FunnelCounts
	Variants []FunnelVariant
	Clicks   int
}

type funnelCacheT struct {
	mu        sync.Mutex
	entries   map[string]funnelEntry
	campaigns map[string]uint64 // campaign id -> generation
	brands    map[string]uint64 // brand id -> generation
}

var funnels = &funnelCacheT{entries: map[string]funnelEntry{}, campaigns: map[string]uint64{}, brands: map[string]uint64{}}

// gens returns the generations to read a funnel under: an entry stored
// with them is valid only if neither moved by the time it is used.
func (c *funnelCacheT) gens(campaignID, brandID string) (uint64, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.campaigns[campaignID], c.brands[brandID]
}

// get returns the cached counts of a campaign, if still valid at now.
func (c *funnelCacheT) get(campaignID, brandID string, now time.Time) (FunnelCountsSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[campaignID]
	if !ok || e.campaign != c.campaigns[campaignID] || e.brand != c.brands[brandID] || now.Before(e.at) || !now.Before(e.validUntil) {
		return FunnelCountsSet{}, false
	}
	return e.counts, true
}

// put stores counts read under generations g (from gens before the read).
func (c *funnelCacheT) put(campaignID string, cg, bg uint64, counts FunnelCountsSet, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= funnelCacheLimit {
		clear(c.entries)
	}
	c.entries[campaignID] = funnelEntry{counts: counts, campaign: cg, brand: bg, at: now, validUntil: now.Add(funnelTTL)}
}

// markedCampaign invalidates a campaign's funnel.
func (c *funnelCacheT) markedCampaign(id string) {
	c.mu.Lock()
	c.campaigns[id]++
	delete(c.entries, id)
	if len(c.campaigns) > 4*funnelCacheLimit {
		// Old generations can go: entries are gone with them.
		clear(c.campaigns)
		clear(c.entries)
	}
	c.mu.Unlock()
}

// markedBrand invalidates the funnels of all of a brand's campaigns.
func (c *funnelCacheT) markedBrand(id string) {
	c.mu.Lock()
	c.brands[id]++
	if len(c.brands) > 4*funnelCacheLimit {
		clear(c.brands)
		clear(c.entries)
	}
	c.mu.Unlock()
}
