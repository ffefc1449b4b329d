// Package recs is Parley's product recommender: explainable item-to-item
// co-occurrence over a brand's interactions (views, clicks on product links,
// items mentioned by an agent, purchases), weighted by kind and recency,
// falling back to popularity within the customer's tags and then overall.
// It never recommends what the customer already bought or what is out of
// stock, and every pick carries its reason ("because you looked at X").
//
// It is pure: no store, no clock of its own. The brand layer feeds it the
// interactions it stores and asks it for a customer's top k; `parley recs
// eval` replays a log with a time split and compares it with popularity.
//
// Recency without recomputation: a weight is kind × 2^((t − t0) / halfLife)
// ("forward decay"), so a newer interaction counts more than an older one in
// the same proportion that decaying every old weight would give, and adding
// interactions never rescales what is there. Scores are compared, never
// read as absolute numbers.
package recs

import (
	"math"
	"slices"
	"time"
)

// Kind is what a customer did with an item.
type Kind string

const (
	View     Kind = "view"     // looked at the product page
	Click    Kind = "click"    // opened a product link sent in a DM
	Mention  Kind = "mention"  // an agent attached the product card in the conversation
	Purchase Kind = "purchase" // bought it (a conversion with an order id)
)

// kindWeight is how much each kind says about interest.
var kindWeight = map[Kind]float64{View: 1, Click: 2, Mention: 1.5, Purchase: 4}

// ValidKind reports whether k is one of the kinds.
func ValidKind(k Kind) bool { _, ok := kindWeight[k]; return ok }

// Interaction is one event of the log.
type Interaction struct {
	Customer string    `json:"customer"`
	Item     string    `json:"item"`
	Kind     Kind      `json:"kind"`
	At       time.Time `json:"at"`
}

// Item is one product of the catalog, as far as the recommender needs it.
type Item struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Tags    []string `json:"tags"`
	InStock bool     `json:"in_stock"`
}

// Pick is one recommendation.
type Pick struct {
	Item  string  `json:"item"`
	Score float64 `json:"score"`
	// Because is the item of the customer's history that contributed the
	// most ("" for a popularity pick); Reason says it for people.
	Because string `json:"because,omitempty"`
	Reason  string `json:"reason"`
}

// Options tune a Model; the zero value takes the defaults.
type Options struct {
	// HalfLife is how long until an interaction counts half (30 days).
	HalfLife time.Duration
	// Epoch is t0 of the forward decay (default: the first interaction).
	Epoch time.Time
	// History bounds the items per customer kept for co-occurrence (the
	// newest 50): a customer's thousandth view says little and costs much.
	History int
}

// Model is the trained recommender. It is not safe for concurrent use:
// the brand layer keeps one per brand behind a lock, or rebuilds and swaps.
type Model struct {
	opt      Options
	items    map[string]int32 // id -> index
	ids      []string
	titles   []string
	tags     [][]int32 // item -> tag indexes
	inStock  []bool
	tagIdx   map[string]int32
	tagPop   []map[int32]float64 // tag -> item -> popularity
	pop      []float64           // item -> weighted popularity
	co       []map[int32]float64 // item -> item -> co-occurrence
	cust     map[string]*customer
	epochSet bool
	tagNames []string

	// Caches of Recommend, rebuilt lazily: the most popular items overall
	// and per tag (dirty after any Add), and each item's strongest
	// neighbours (rebuilt when its co-occurrences changed, at most every
	// refreshAdds interactions, so a bestseller that changes with every
	// Add is not re-ranked on every request).
	popTop   []int32
	popDirty bool
	tagTop   map[int32][]int32
	nbrs     [][]neighbor
	nbrAt    []int64 // adds count when nbrs[i] was built; -1: never
	nbrDirty []bool
	adds     int64
}

// neighbor is an item and its similarity to another.
type neighbor struct {
	item int32
	sim  float64
}

const (
	// topCached is how many popular items the caches keep: enough for k
	// picks after the customer's own items and stock are skipped.
	topCached = 256
	// neighborsKept is how many neighbours of an item Recommend reads.
	neighborsKept = 200
	// refreshAdds bounds how often a changed item with many neighbours
	// (over 2,000) has them ranked again.
	refreshAdds = 10_000
)

// customer is one customer's recent history.
type customer struct {
	hist   []entry           // newest last, distinct items, at most opt.History
	bought map[int32]bool    // never recommended again
	at     map[int32]float64 // item -> summed weight
}

type entry struct {
	item int32
	w    float64
}

// New returns an empty model.
func New(o Options) *Model {
	if o.HalfLife <= 0 {
		o.HalfLife = 30 * 24 * time.Hour
	}
	if o.History <= 0 {
		o.History = 50
	}
	return &Model{opt: o, items: map[string]int32{}, tagIdx: map[string]int32{}, cust: map[string]*customer{}, epochSet: !o.Epoch.IsZero(), tagTop: map[int32][]int32{}}
}

// SetCatalog adds or replaces items (tags and stock).
func (m *Model) SetCatalog(items []Item) {
	for _, it := range items {
		i := m.item(it.ID)
		m.inStock[i] = it.InStock
		m.titles[i] = it.Title
		for _, t := range m.tags[i] {
			delete(m.tagPop[t], i)
		}
		m.tags[i] = m.tags[i][:0]
		for _, tag := range it.Tags {
			t, ok := m.tagIdx[tag]
			if !ok {
				t = int32(len(m.tagPop))
				m.tagIdx[tag] = t
				m.tagPop = append(m.tagPop, map[int32]float64{})
				m.tagNames = append(m.tagNames, tag)
			}
			m.tags[i] = append(m.tags[i], t)
			m.tagPop[t][i] = m.pop[i]
		}
	}
	m.popDirty = true
	clear(m.tagTop)
}

// item returns the index of id, adding it (in stock, no tags) if new.
func (m *Model) item(id string) int32 {
	if i, ok := m.items[id]; ok {
		return i
	}
	i := int32(len(m.ids))
	m.items[id] = i
	m.ids = append(m.ids, id)
	m.titles = append(m.titles, "")
	m.tags = append(m.tags, nil)
	m.inStock = append(m.inStock, true)
	m.pop = append(m.pop, 0)
	m.co = append(m.co, nil)
	m.nbrs = append(m.nbrs, nil)
	m.nbrAt = append(m.nbrAt, -1)
	m.nbrDirty = append(m.nbrDirty, false)
	return i
}

// weight is the forward-decayed weight of an interaction.
func (m *Model) weight(in Interaction) float64 {
	if !m.epochSet {
		m.opt.Epoch, m.epochSet = in.At, true
	}
	return kindWeight[in.Kind] * math.Exp2(float64(in.At.Sub(m.opt.Epoch))/float64(m.opt.HalfLife))
}

// Add learns from interactions in time order (incremental: call it with
// each new batch). Unknown kinds are ignored.
func (m *Model) Add(ins []Interaction) {
	for _, in := range ins {
		if !ValidKind(in.Kind) || in.Customer == "" || in.Item == "" {
			continue
		}
		w := m.weight(in)
		j := m.item(in.Item)
		c := m.cust[in.Customer]
		if c == nil {
			c = &customer{bought: map[int32]bool{}, at: map[int32]float64{}}
			m.cust[in.Customer] = c
		}
		if in.Kind == Purchase {
			c.bought[j] = true
		}
		m.pop[j] += w
		for _, t := range m.tags[j] {
			m.tagPop[t][j] = m.pop[j]
		}
		// Co-occurrence with the customer's recent other items: the
		// smaller of the two weights, so one heavy item cannot dominate.
		for _, e := range c.hist {
			if e.item == j {
				continue
			}
			v := min(e.w, w)
			m.bump(e.item, j, v)
			m.bump(j, e.item, v)
		}
		c.at[j] += w
		c.touch(j, c.at[j], m.opt.History)
		m.adds++
	}
	if len(ins) > 0 {
		m.popDirty = true
		clear(m.tagTop)
	}
}

func (m *Model) bump(a, b int32, v float64) {
	if m.co[a] == nil {
		m.co[a] = map[int32]float64{}
	}
	m.co[a][b] += v
	m.nbrDirty[a] = true
}

// neighbors returns item i's strongest neighbours, best first: shared
// weight over the geometric mean of the two items' popularity (cosine-like,
// so bestsellers do not win by size).
func (m *Model) neighbors(i int32) []neighbor {
	// Small lists are ranked again whenever they changed; only a large
	// one (a bestseller's) waits for refreshAdds more interactions.
	if m.nbrAt[i] >= 0 && (!m.nbrDirty[i] || (len(m.co[i]) > 2000 && m.adds-m.nbrAt[i] < refreshAdds)) {
		return m.nbrs[i]
	}
	out := m.nbrs[i][:0]
	for j, v := range m.co[i] {
		out = append(out, neighbor{j, v / math.Sqrt(m.pop[i]*m.pop[j])})
	}
	slices.SortFunc(out, func(a, b neighbor) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		}
		return cmpString(m.ids[a.item], m.ids[b.item])
	})
	if len(out) > neighborsKept {
		out = slices.Clip(out[:neighborsKept])
	}
	m.nbrs[i], m.nbrAt[i], m.nbrDirty[i] = out, m.adds, false
	return out
}

// popular returns the cached most popular items of all (tag < 0) or of a tag.
func (m *Model) popular(tag int32) []int32 {
	if tag < 0 {
		if m.popDirty || m.popTop == nil {
			all := make(map[int32]float64, len(m.pop))
			for j, p := range m.pop {
				all[int32(j)] = p
			}
			m.popTop, m.popDirty = m.top(all, topCached, func(int32) bool { return false }), false
		}
		return m.popTop
	}
	top, ok := m.tagTop[tag]
	if !ok {
		top = m.top(m.tagPop[tag], topCached, func(int32) bool { return false })
		m.tagTop[tag] = top
	}
	return top
}

// touch moves item to the newest end of the history with weight w.
func (c *customer) touch(item int32, w float64, limit int) {
	if k := slices.IndexFunc(c.hist, func(e entry) bool { return e.item == item }); k >= 0 {
		c.hist = slices.Delete(c.hist, k, k+1)
	}
	c.hist = append(c.hist, entry{item, w})
	if len(c.hist) > limit {
		dropped := c.hist[0].item
		c.hist = c.hist[1:]
		delete(c.at, dropped)
	}
}

// Recommend returns up to k picks for the customer: co-occurrence with their
// history first, then popular items of the tags they showed interest in,
// then popular items overall; never an item they bought or one out of stock,
// nor one they already interacted with recently (they know it).
func (m *Model) Recommend(customerID string, k int) []Pick {
	if k <= 0 {
		return nil
	}
	c := m.cust[customerID]
	skip := func(j int32) bool {
		if !m.inStock[j] {
			return true
		}
		if c != nil {
			if c.bought[j] {
				return true
			}
			if _, seen := c.at[j]; seen {
				return true
			}
		}
		return false
	}
	type cand struct {
		score, best float64
		because     int32
	}
	scores := map[int32]*cand{}
	tagW := map[int32]float64{}
	if c != nil {
		for _, e := range c.hist {
			i := e.item
			for _, t := range m.tags[i] {
				tagW[t] += e.w
			}
			for _, nb := range m.neighbors(i) {
				j := nb.item
				if skip(j) {
					continue
				}
				s := e.w * nb.sim
				cd := scores[j]
				if cd == nil {
					cd = &cand{because: i}
					scores[j] = cd
				}
				cd.score += s
				if s > cd.best {
					cd.best, cd.because = s, i
				}
			}
		}
	}
	picks := make([]Pick, 0, k)
	order := make([]int32, 0, len(scores))
	for j := range scores {
		order = append(order, j)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if d := scores[b].score - scores[a].score; d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return cmpString(m.ids[a], m.ids[b])
	})
	taken := map[int32]bool{}
	for _, j := range order {
		if len(picks) == k {
			return picks
		}
		cd := scores[j]
		picks = append(picks, Pick{Item: m.ids[j], Score: cd.score, Because: m.ids[cd.because], Reason: "because you looked at " + m.name(cd.because)})
		taken[j] = true
	}
	// Popular within the customer's tags, strongest tag first.
	tagOrder := make([]int32, 0, len(tagW))
	for t := range tagW {
		tagOrder = append(tagOrder, t)
	}
	slices.SortFunc(tagOrder, func(a, b int32) int {
		if tagW[a] > tagW[b] {
			return -1
		}
		if tagW[a] < tagW[b] {
			return 1
		}
		return int(a - b)
	})
	for _, t := range tagOrder {
		for _, j := range m.popular(t) {
			if len(picks) == k {
				return picks
			}
			if skip(j) || taken[j] {
				continue
			}
			picks = append(picks, Pick{Item: m.ids[j], Score: m.pop[j], Reason: "popular in " + m.tagNames[t]})
			taken[j] = true
		}
	}
	// Popular overall.
	for _, j := range m.popular(-1) {
		if len(picks) == k {
			break
		}
		if skip(j) || taken[j] {
			continue
		}
		picks = append(picks, Pick{Item: m.ids[j], Score: m.pop[j], Reason: "popular now"})
		taken[j] = true
	}
	return picks
}

// Popular returns the k most popular items the customer may be offered: the
// baseline the recommender is measured against.
func (m *Model) Popular(customerID string, k int) []Pick {
	c := m.cust[customerID]
	var picks []Pick
	for _, j := range m.popular(-1) {
		if len(picks) == k {
			break
		}
		if !m.inStock[j] || (c != nil && c.bought[j]) {
			continue
		}
		picks = append(picks, Pick{Item: m.ids[j], Score: m.pop[j], Reason: "popular now"})
	}
	return picks
}

// name is an item's title, or its id when the catalog gave none.
func (m *Model) name(i int32) string {
	if m.titles[i] != "" {
		return m.titles[i]
	}
	return m.ids[i]
}

// top returns the k highest-scoring items of s that skip does not refuse,
// ties broken by id.
func (m *Model) top(s map[int32]float64, k int, skip func(int32) bool) []int32 {
	if k <= 0 {
		return nil
	}
	out := make([]int32, 0, k+1)
	less := func(a, b int32) bool { // a ranks after b
		if s[a] != s[b] {
			return s[a] < s[b]
		}
		return m.ids[a] > m.ids[b]
	}
	for j := range s {
		if skip(j) {
			continue
		}
		if len(out) == k && !less(out[k-1], j) {
			continue
		}
		at, _ := slices.BinarySearchFunc(out, j, func(x, y int32) int {
			if less(x, y) {
				return 1
			}
			if less(y, x) {
				return -1
			}
			return 0
		})
		out = slices.Insert(out, at, j)
		if len(out) > k {
			out = out[:k]
		}
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Refresh ranks again, now, the neighbour lists that Add left stale and
// the popularity caches, so that the next Recommend calls do not pay for
// it: a node calls it at the end of an incremental update, in the
// update's time rather than a request's.
func (m *Model) Refresh() {
	for i := range m.nbrDirty {
		if m.nbrDirty[i] {
			m.neighbors(int32(i))
		}
	}
	m.popular(-1)
}
