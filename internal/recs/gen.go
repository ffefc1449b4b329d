package recs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// GenOptions size a generated data set.
type GenOptions struct {
	Seed      uint64
	Customers int // 1,000
	Groups    int // taste groups, each a category of items: 12
	Bundles   int // bundles per group, items bought together: 6
	Bundle    int // items per bundle: 4
	Events    int // interactions per customer on average: 24
	Weeks     int // the log's length: 12
}

func (o *GenOptions) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Customers, 1000)
	def(&o.Groups, 12)
	def(&o.Bundles, 6)
	def(&o.Bundle, 4)
	def(&o.Events, 24)
	def(&o.Weeks, 12)
}

// Generate makes a catalog and an interaction log with structure that a
// popularity ranking cannot see (see testdata/README.md):
//
//   - Bundles: items of one bundle are bought together; a customer who
//     looked at one item of a bundle goes on to others of it.
//   - Taste groups: each customer shops mostly (85%) in one group.
//   - Drift: a third of the customers move to another group half-way
//     through the log; what they do last predicts what they do next.
//   - Bestsellers: a few items of every group are popular with everybody
//     (10% of events), so popularity is a fair baseline, not a straw man.
//   - Stock: 3% of items are out of stock and must never be recommended.
//
// The same options and seed give the same data set.
func Generate(o GenOptions) *Dataset {
	o.defaults()
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	d := &Dataset{}
	type bundle []string
	groups := make([][]bundle, o.Groups)
	var bestsellers []string
	for g := range o.Groups {
		for b := range o.Bundles {
			var bd bundle
			for i := range o.Bundle {
				id := fmt.Sprintf("g%02d-b%d-i%d", g, b, i)
				d.Items = append(d.Items, Item{ID: id, Title: fmt.Sprintf("Item %d of bundle %d, group %d", i+1, b+1, g+1),
					Tags: []string{fmt.Sprintf("group%02d", g)}, InStock: rng.Float64() >= 0.03})
				bd = append(bd, id)
			}
			groups[g] = append(groups[g], bd)
		}
		bestsellers = append(bestsellers, groups[g][0][0], groups[g][1][0])
	}
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	span := time.Duration(o.Weeks) * 7 * 24 * time.Hour
	for c := range o.Customers {
		cust := fmt.Sprintf("c%04d", c)
		taste := rng.IntN(o.Groups)
		drift, driftAt := rng.Float64() < 1.0/3, start.Add(span/2+time.Duration(rng.Int64N(int64(span/4))))
		newTaste := (taste + 1 + rng.IntN(o.Groups-1)) % o.Groups
		n := o.Events/2 + rng.IntN(o.Events+1)
		times := make([]time.Time, n)
		for i := range times {
			times[i] = start.Add(time.Duration(rng.Int64N(int64(span))))
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		// A customer works through a bundle over several visits.
		var cur bundle
		curGroup, pos := -1, 0
		for _, at := range times {
			g := taste
			if drift && at.After(driftAt) {
				g = newTaste
			}
			if rng.Float64() < 0.10 {
				d.Interactions = append(d.Interactions, Interaction{cust, bestsellers[rng.IntN(len(bestsellers))], View, at})
				continue
			}
			if rng.Float64() >= 0.85 {
				g = rng.IntN(o.Groups)
			}
			if cur == nil || pos >= len(cur) || curGroup != g {
				// Zipf-like choice of bundle within the group.
				b := int(math.Floor(float64(o.Bundles) * math.Pow(rng.Float64(), 1.6)))
				cur, curGroup, pos = groups[g][b], g, 0
			}
			item := cur[pos]
			pos++
			kind := View
			switch r := rng.Float64(); {
			case r < 0.25:
				kind = Purchase
			case r < 0.45:
				kind = Click
			}
			d.Interactions = append(d.Interactions, Interaction{cust, item, kind, at})
		}
	}
	slices.SortStableFunc(d.Interactions, func(a, b Interaction) int { return a.At.Compare(b.At) })
	return d
}
