package recs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Dataset is a catalog and an interaction log.
type Dataset struct {
	Items        []Item
	Interactions []Interaction
}

// ReadDataset reads JSON lines: {"catalog": Item} for a product, and an
// Interaction object for each event. A bad line is an error naming it.
func ReadDataset(r io.Reader) (*Dataset, error) {
	d := &Dataset{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var rec struct {
			Catalog *Item `json:"catalog"`
			Interaction
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		switch {
		case rec.Catalog != nil:
			if rec.Catalog.ID == "" {
				return nil, fmt.Errorf("line %d: a catalog item needs an id", n)
			}
			d.Items = append(d.Items, *rec.Catalog)
		case rec.Customer == "" || rec.Item == "" || rec.At.IsZero():
			return nil, fmt.Errorf("line %d: an interaction needs customer, item and at", n)
		case !ValidKind(rec.Kind):
			return nil, fmt.Errorf("line %d: kind %q is not view, click, mention or purchase", n, rec.Kind)
		default:
			d.Interactions = append(d.Interactions, rec.Interaction)
		}
	}
	return d, sc.Err()
}

// WriteDataset writes d in the format ReadDataset reads.
func WriteDataset(w io.Writer, d *Dataset) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range d.Items {
		if err := enc.Encode(struct {
			Catalog *Item `json:"catalog"`
		}{&d.Items[i]}); err != nil {
			return err
		}
	}
	for _, in := range d.Interactions {
		if err := enc.Encode(in); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Scores are the ranking metrics of one recommender at k.
type Scores struct {
	HitRate float64 `json:"hit_rate"` // share of test customers with a target in the top k
	NDCG    float64 `json:"ndcg"`     // normalised discounted cumulative gain of the top k
}

// Evaluation compares the recommender with popularity on a held-out split.
type Evaluation struct {
	K           int    `json:"k"`
	Train       int    `json:"train_interactions"`
	Test        int    `json:"test_interactions"`
	Customers   int    `json:"customers"` // test customers with a history and a target
	Recommender Scores `json:"recommender"`
	Popularity  Scores `json:"popularity"`
}

// Evaluate sorts the log by time, trains on the first frac of it, and for
// every customer who has a history in the training part asks for k picks;
// the targets are the items the customer touched in the held-out part and
// had not touched before (recommending what they know is no discovery).
func Evaluate(d *Dataset, frac float64, k int, o Options) Evaluation {
	ins := slices.Clone(d.Interactions)
	slices.SortStableFunc(ins, func(a, b Interaction) int { return a.At.Compare(b.At) })
	cut := int(float64(len(ins)) * frac)
	train, test := ins[:cut], ins[cut:]
	m := New(o)
	m.SetCatalog(d.Items)
	m.Add(train)
	seen := map[string]map[string]bool{}
	for _, in := range train {
		if seen[in.Customer] == nil {
			seen[in.Customer] = map[string]bool{}
		}
		seen[in.Customer][in.Item] = true
	}
	targets := map[string]map[string]bool{}
	for _, in := range test {
		if seen[in.Customer] == nil || seen[in.Customer][in.Item] {
			continue
		}
		if targets[in.Customer] == nil {
			targets[in.Customer] = map[string]bool{}
		}
		targets[in.Customer][in.Item] = true
	}
	ev := Evaluation{K: k, Train: len(train), Test: len(test), Customers: len(targets)}
	if len(targets) == 0 {
		return ev
	}
	for cust, want := range targets {
		ev.Recommender.add(m.Recommend(cust, k), want, k)
		ev.Popularity.add(m.Popular(cust, k), want, k)
	}
	n := float64(len(targets))
	ev.Recommender.HitRate /= n
	ev.Recommender.NDCG /= n
	ev.Popularity.HitRate /= n
	ev.Popularity.NDCG /= n
	return ev
}

// add accumulates one customer's hit and NDCG.
func (s *Scores) add(picks []Pick, want map[string]bool, k int) {
	dcg, hit := 0.0, false
	for i, p := range picks {
		if i == k {
			break
		}
		if want[p.Item] {
			hit = true
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	ideal := 0.0
	for i := range min(k, len(want)) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	if hit {
		s.HitRate++
	}
	s.NDCG += dcg / ideal
}
