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
// interactions never rescales what is there (except, once every 64
// half-lives, one rebase of t0 that keeps the numbers in range). Scores are
// compared, never read as absolute numbers.
//
// Representation (sized for 100,000 items and 10M interactions in a few
// hundred MiB): items and customers are int32 indexes; each item's
// co-occurrences are a sorted array of (item, weight) pairs with an
// unsorted tail that Add appends to and that is merged in when it grows as
// long as the sorted part (so an update costs appends, not map writes);
// each item keeps only its neighborsKept strongest neighbours for
// Recommend, ranked again by Refresh (or lazily) when its pairs changed.
// Recommend scores candidates in dense scratch arrays reset after each call:
// no map per call.
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
func kindWeight(k Kind) float64 {
	switch k {
	case View:
		return 1
	case Click:
		return 2
	case Mention:
		return 1.5
	case Purchase:
		return 4
	}
	return 0
}

// ValidKind reports whether k is one of the kinds.
func ValidKind(k Kind) bool { return kindWeight(k) > 0 }

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

// Model is the trained recommender. It is not safe for concurrent use
// (Recommend too writes: its scratch arrays and lazily ranked lists): the
// brand layer keeps one per brand behind a lock, or rebuilds and swaps.
type Model struct {
	opt      Options
	epochSet bool

	items    map[string]int32 // id -> index
	ids      []string
	titles   []string
	tags     [][]int32 // item -> tag indexes
	inStock  []bool
	pop      []float64 // item -> weighted popularity
	co       []coList  // item -> co-occurrences
	tagIdx   map[string]int32
	tagNames []string
	tagItems []map[int32]struct{} // tag -> its items

	custIdx map[string]int32
	custs   []customer

	// Caches of Recommend: the most popular items overall and per tag
	// (dirty after any Add), and each item's strongest neighbours (ranked
	// again when its co-occurrences changed, by Refresh or lazily; a list
	// of over 2,000 pairs at most every refreshAdds interactions, so a
	// bestseller that changes with every Add is not re-ranked on every
	// request between two Refreshes).
	popTop   []int32
	popDirty bool
	tagTop   map[int32][]int32
	nbrs     [][]neighbor
	nbrAt    []int64 // adds count when nbrs[i] was ranked; -1: never
	nbrDirty []bool
	dirty    []int32 // the items whose nbrDirty is set
	adds     int64

	// Recommend's scratch, one slot per item, zero between calls.
	score   []float64
	best    []float32
	because []int32 // -1: not a candidate
	mark    []bool  // excluded (seen, bought) or taken
	touched []int32
	heap    []neighbor // Refresh's selection
}

// neighbor is an item and its similarity to another.
type neighbor struct {
	item int32
	sim  float32
}

// pair is one co-occurrence: the other item and the summed weight.
type pair struct {
	item int32
	w    float32
}

// coList is an item's co-occurrences: sorted distinct pairs and a tail of
// new ones, merged in when it is as long as the sorted part.
type coList struct {
	sorted []pair
	tail   []pair
}

const (
	// topCached is how many popular items the caches keep: enough for k
	// picks after the customer's own items and stock are skipped.
	topCached = 256
	// neighborsKept is how many neighbours of an item Recommend reads.
	neighborsKept = 200
	// refreshAdds bounds how often a changed item with many pairs (over
	// 2,000) has its neighbours ranked again on the request path.
	refreshAdds = 10_000
	// rebaseAt is how many half-lives after t0 the weights are rebased
	// (2^64 is far inside float32's range, with room for sums).
	rebaseAt = 64
)

// customer is one customer's recent history.
type customer struct {
	hist   []entry // newest last, distinct items, at most opt.History
	bought []int32 // never recommended again
}

// entry is an item of a history and the customer's summed weight for it.
type entry struct {
	item int32
	w    float32
}

// New returns an empty model.
func New(o Options) *Model {
	if o.HalfLife <= 0 {
		o.HalfLife = 30 * 24 * time.Hour
	}
	if o.History <= 0 {
		o.History = 50
	}
	return &Model{opt: o, items: map[string]int32{}, tagIdx: map[string]int32{}, custIdx: map[string]int32{}, epochSet: !o.Epoch.IsZero(), tagTop: map[int32][]int32{}}
}

// SetCatalog adds or replaces items (tags and stock).
func (m *Model) SetCatalog(items []Item) {
	for _, it := range items {
		i := m.item(it.ID)
		m.inStock[i] = it.InStock
		m.titles[i] = it.Title
		for _, t := range m.tags[i] {
			delete(m.tagItems[t], i)
		}
		m.tags[i] = m.tags[i][:0]
		for _, tag := range it.Tags {
			t, ok := m.tagIdx[tag]
			if !ok {
				t = int32(len(m.tagItems))
				m.tagIdx[tag] = t
				m.tagItems = append(m.tagItems, map[int32]struct{}{})
				m.tagNames = append(m.tagNames, tag)
			}
			if _, dup := m.tagItems[t][i]; dup {
				continue
			}
			m.tags[i] = append(m.tags[i], t)
			m.tagItems[t][i] = struct{}{}
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
	m.co = append(m.co, coList{})
	m.nbrs = append(m.nbrs, nil)
	m.nbrAt = append(m.nbrAt, -1)
	m.nbrDirty = append(m.nbrDirty, false)
	m.score = append(m.score, 0)
	m.best = append(m.best, 0)
	m.because = append(m.because, -1)
	m.mark = append(m.mark, false)
	return i
}

// weight is the forward-decayed weight of an interaction.
func (m *Model) weight(in Interaction) float64 {
	if !m.epochSet {
		m.opt.Epoch, m.epochSet = in.At, true
	}
	x := float64(in.At.Sub(m.opt.Epoch)) / float64(m.opt.HalfLife)
	if x > rebaseAt {
		m.rebase()
		x -= rebaseAt
	}
	return kindWeight(in.Kind) * math.Exp2(x)
}

// rebase moves t0 rebaseAt half-lives later and scales every stored weight
// by 2^-rebaseAt: the same ratios, numbers back in range. The neighbour
// similarities are ratios and stay as they are.
func (m *Model) rebase() {
	m.opt.Epoch = m.opt.Epoch.Add(rebaseAt * m.opt.HalfLife)
	for i := range m.pop {
		m.pop[i] = math.Ldexp(m.pop[i], -rebaseAt)
		for _, ps := range [][]pair{m.co[i].sorted, m.co[i].tail} {
			for k := range ps {
				ps[k].w = float32(math.Ldexp(float64(ps[k].w), -rebaseAt))
			}
		}
	}
	for c := range m.custs {
		for k := range m.custs[c].hist {
			h := &m.custs[c].hist[k]
			h.w = float32(math.Ldexp(float64(h.w), -rebaseAt))
		}
	}
}

// Add learns from interactions in time order (incremental: call it with
// each new batch, then Refresh). Unknown kinds are ignored.
func (m *Model) Add(ins []Interaction) {
	for _, in := range ins {
		if !ValidKind(in.Kind) || in.Customer == "" || in.Item == "" {
			continue
		}
		w := m.weight(in)
		j := m.item(in.Item)
		ci, ok := m.custIdx[in.Customer]
		if !ok {
			ci = int32(len(m.custs))
			m.custIdx[in.Customer] = ci
			m.custs = append(m.custs, customer{})
		}
		c := &m.custs[ci]
		if in.Kind == Purchase && !slices.Contains(c.bought, j) {
			c.bought = append(c.bought, j)
		}
		m.pop[j] += w
		// Co-occurrence with the customer's recent other items: the
		// smaller of the two weights, so one heavy item cannot dominate.
		sum := w
		for _, e := range c.hist {
			if e.item == j {
				sum += float64(e.w)
				continue
			}
			v := float32(min(float64(e.w), w))
			m.bump(e.item, j, v)
			m.bump(j, e.item, v)
		}
		c.touch(j, float32(sum), m.opt.History)
		m.adds++
	}
	if len(ins) > 0 {
		m.popDirty = true
		clear(m.tagTop)
	}
}

// bump adds v to the co-occurrence of a with b.
func (m *Model) bump(a, b int32, v float32) {
	l := &m.co[a]
	l.tail = append(l.tail, pair{b, v})
	if len(l.tail) >= max(64, len(l.sorted)) {
		l.merge()
	}
	if !m.nbrDirty[a] {
		m.nbrDirty[a] = true
		m.dirty = append(m.dirty, a)
	}
}

// merge sorts the tail and merges it into the sorted pairs.
func (l *coList) merge() {
	if len(l.tail) == 0 {
		return
	}
	t := l.tail
	slices.SortFunc(t, func(a, b pair) int { return int(a.item) - int(b.item) })
	// Sum duplicates within the tail.
	n := 0
	for _, p := range t {
		if n > 0 && t[n-1].item == p.item {
			t[n-1].w += p.w
			continue
		}
		t[n] = p
		n++
	}
	t = t[:n]
	s := l.sorted
	out := make([]pair, 0, len(s)+len(t))
	a, b := 0, 0
	for a < len(s) && b < len(t) {
		switch {
		case s[a].item < t[b].item:
			out = append(out, s[a])
			a++
		case s[a].item > t[b].item:
			out = append(out, t[b])
			b++
		default:
			out = append(out, pair{s[a].item, s[a].w + t[b].w})
			a++
			b++
		}
	}
	out = append(out, s[a:]...)
	out = append(out, t[b:]...)
	l.sorted = out
	l.tail = l.tail[:0]
}

// better reports whether a ranks before b: higher similarity, then id.
func (m *Model) better(a, b neighbor) bool {
	if a.sim != b.sim {
		return a.sim > b.sim
	}
	return m.ids[a.item] < m.ids[b.item]
}

// neighbors returns item i's strongest neighbours, best first: shared
// weight over the geometric mean of the two items' popularity (cosine-like,
// so bestsellers do not win by size).
func (m *Model) neighbors(i int32) []neighbor {
	l := &m.co[i]
	if m.nbrAt[i] >= 0 && (!m.nbrDirty[i] || (len(l.sorted)+len(l.tail) > 2000 && m.adds-m.nbrAt[i] < refreshAdds)) {
		return m.nbrs[i]
	}
	m.rank(i)
	return m.nbrs[i]
}

// rank ranks item i's neighbours again: the neighborsKept best pairs
// through a min-heap (most pairs are refused by one comparison with the
// weakest kept), then sorted.
func (m *Model) rank(i int32) {
	l := &m.co[i]
	l.merge()
	// The tail's array goes too: kept, it would hold up to as much
	// memory again as the sorted pairs until the next update.
	l.tail = nil
	h := m.heap[:0]
	pi := m.pop[i]
	// worse: a ranks after b (the heap's order: weakest on top).
	worse := func(a, b neighbor) bool { return m.better(b, a) }
	for _, p := range l.sorted {
		nb := neighbor{p.item, float32(float64(p.w) / math.Sqrt(pi*m.pop[p.item]))}
		if len(h) < neighborsKept {
			h = append(h, nb)
			for c := len(h) - 1; c > 0; { // sift up
				par := (c - 1) / 2
				if !worse(h[c], h[par]) {
					break
				}
				h[c], h[par] = h[par], h[c]
				c = par
			}
			continue
		}
		if !m.better(nb, h[0]) {
			continue
		}
		h[0] = nb
		for c := 0; ; { // sift down
			s, l, r := c, 2*c+1, 2*c+2
			if l < len(h) && worse(h[l], h[s]) {
				s = l
			}
			if r < len(h) && worse(h[r], h[s]) {
				s = r
			}
			if s == c {
				break
			}
			h[c], h[s] = h[s], h[c]
			c = s
		}
	}
	out := append(m.nbrs[i][:0], h...)
	slices.SortFunc(out, func(a, b neighbor) int {
		if m.better(a, b) {
			return -1
		}
		if m.better(b, a) {
			return 1
		}
		return 0
	})
	m.nbrs[i], m.nbrAt[i], m.nbrDirty[i] = slices.Clip(out), m.adds, false
	m.heap = h[:0]
}

// popular returns the cached most popular items of all (tag < 0) or of a tag.
func (m *Model) popular(tag int32) []int32 {
	if tag < 0 {
		if m.popDirty || m.popTop == nil {
			m.popTop = m.popTop[:0]
			for j := range m.pop {
				m.popTop = m.pushTop(m.popTop, int32(j))
			}
			m.popDirty = false
		}
		return m.popTop
	}
	top, ok := m.tagTop[tag]
	if !ok {
		for j := range m.tagItems[tag] {
			top = m.pushTop(top, j)
		}
		m.tagTop[tag] = top
	}
	return top
}

// pushTop inserts j into top (best first by popularity, then id), keeping
// at most topCached.
func (m *Model) pushTop(top []int32, j int32) []int32 {
	after := func(a, b int32) bool { // a ranks after b
		if m.pop[a] != m.pop[b] {
			return m.pop[a] < m.pop[b]
		}
		return m.ids[a] > m.ids[b]
	}
	if len(top) == topCached && !after(top[len(top)-1], j) {
		return top
	}
	at, _ := slices.BinarySearchFunc(top, j, func(x, y int32) int {
		if after(x, y) {
			return 1
		}
		if after(y, x) {
			return -1
		}
		return 0
	})
	top = slices.Insert(top, at, j)
	if len(top) > topCached {
		top = top[:topCached]
	}
	return top
}

// touch moves item to the newest end of the history with weight w.
func (c *customer) touch(item int32, w float32, limit int) {
	if k := slices.IndexFunc(c.hist, func(e entry) bool { return e.item == item }); k >= 0 {
		c.hist = slices.Delete(c.hist, k, k+1)
	}
	c.hist = append(c.hist, entry{item, w})
	if len(c.hist) > limit {
		c.hist = slices.Delete(c.hist, 0, 1)
	}
}

// customer returns the customer's record, or nil.
func (m *Model) customer(id string) *customer {
	if i, ok := m.custIdx[id]; ok {
		return &m.custs[i]
	}
	return nil
}

// Recommend returns up to k picks for the customer: co-occurrence with their
// history first, then popular items of the tags they showed interest in,
// then popular items overall; never an item they bought or one out of stock,
// nor one they already interacted with recently (they know it).
//
// Its cost is bounded: at most History × neighborsKept candidates scored in
// dense arrays, then the popularity caches.
func (m *Model) Recommend(customerID string, k int) []Pick {
	if k <= 0 {
		return nil
	}
	c := m.customer(customerID)
	// Marked: what the customer saw or bought, and later what is taken.
	var marked []int32
	markItem := func(j int32) {
		if !m.mark[j] {
			m.mark[j] = true
			marked = append(marked, j)
		}
	}
	defer func() {
		for _, j := range marked {
			m.mark[j] = false
		}
	}()
	type tagWeight struct {
		tag int32
		w   float64
	}
	var tagW []tagWeight
	if c != nil {
		for _, e := range c.hist {
			markItem(e.item)
		}
		for _, j := range c.bought {
			markItem(j)
		}
		for _, e := range c.hist {
			i := e.item
			for _, t := range m.tags[i] {
				if k := slices.IndexFunc(tagW, func(x tagWeight) bool { return x.tag == t }); k >= 0 {
					tagW[k].w += float64(e.w)
				} else {
					tagW = append(tagW, tagWeight{t, float64(e.w)})
				}
			}
			for _, nb := range m.neighbors(i) {
				j := nb.item
				if m.mark[j] || !m.inStock[j] {
					continue
				}
				s := e.w * nb.sim
				if m.because[j] < 0 {
					m.touched = append(m.touched, j)
					m.because[j] = i
				}
				m.score[j] += float64(s)
				if s > m.best[j] {
					m.best[j], m.because[j] = s, i
				}
			}
		}
	}
	// The k best candidates, by score then id.
	after := func(a, b int32) bool { // a ranks after b
		if m.score[a] != m.score[b] {
			return m.score[a] < m.score[b]
		}
		return m.ids[a] > m.ids[b]
	}
	top := make([]int32, 0, k+1)
	for _, j := range m.touched {
		if len(top) == k && !after(top[k-1], j) {
			continue
		}
		at := len(top)
		for at > 0 && after(top[at-1], j) {
			at--
		}
		top = slices.Insert(top, at, j)
		if len(top) > k {
			top = top[:k]
		}
	}
	picks := make([]Pick, 0, k)
	for _, j := range top {
		b := m.because[j]
		picks = append(picks, Pick{Item: m.ids[j], Score: m.score[j], Because: m.ids[b], Reason: "because you looked at " + m.name(b)})
		markItem(j)
	}
	for _, j := range m.touched {
		m.score[j], m.best[j], m.because[j] = 0, 0, -1
	}
	m.touched = m.touched[:0]
	// Popular within the customer's tags, strongest tag first.
	slices.SortFunc(tagW, func(a, b tagWeight) int {
		if a.w > b.w {
			return -1
		}
		if a.w < b.w {
			return 1
		}
		return int(a.tag - b.tag)
	})
	for _, tw := range tagW {
		for _, j := range m.popular(tw.tag) {
			if len(picks) == k {
				return picks
			}
			if m.mark[j] || !m.inStock[j] {
				continue
			}
			picks = append(picks, Pick{Item: m.ids[j], Score: m.pop[j], Reason: "popular in " + m.tagNames[tw.tag]})
			markItem(j)
		}
	}
	// Popular overall.
	for _, j := range m.popular(-1) {
		if len(picks) == k {
			break
		}
		if m.mark[j] || !m.inStock[j] {
			continue
		}
		picks = append(picks, Pick{Item: m.ids[j], Score: m.pop[j], Reason: "popular now"})
		markItem(j)
	}
	return picks
}

// Popular returns the k most popular items the customer may be offered: the
// baseline the recommender is measured against.
func (m *Model) Popular(customerID string, k int) []Pick {
	c := m.customer(customerID)
	var picks []Pick
	for _, j := range m.popular(-1) {
		if len(picks) == k {
			break
		}
		if !m.inStock[j] || (c != nil && slices.Contains(c.bought, j)) {
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

// Refresh ranks again, now, the neighbour lists that Add left stale and
// the popularity caches, so that the next Recommend calls do not pay for
// it: a node calls it at the end of an incremental update, in the
// update's time rather than a request's.
func (m *Model) Refresh() {
	for _, i := range m.dirty {
		if m.nbrDirty[i] {
			m.rank(i)
		}
	}
	m.dirty = m.dirty[:0]
	m.popular(-1)
	for t := range m.tagItems {
		m.popular(int32(t))
	}
}

// Stats describe a model's size.
type Stats struct {
	Items, Customers int
	Pairs            int // co-occurrence pairs kept
	Neighbors        int // neighbours kept for Recommend
}

// Stats counts the model's contents.
func (m *Model) Stats() Stats {
	s := Stats{Items: len(m.ids), Customers: len(m.custs)}
	for i := range m.co {
		s.Pairs += len(m.co[i].sorted) + len(m.co[i].tail)
		s.Neighbors += len(m.nbrs[i])
	}
	return s
}

// TopItems returns up to n of the most popular items in stock, best first:
// what a node offers while a brand's model is still being built.
func (m *Model) TopItems(n int) []string {
	var out []string
	for _, j := range m.popular(-1) {
		if len(out) == n {
			break
		}
		if m.inStock[j] {
			out = append(out, m.ids[j])
		}
	}
	return out
}
