package recs

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(days int) time.Time { return t0.Add(time.Duration(days) * 24 * time.Hour) }

func items(m *Model, ids ...string) []string {
	var out []string
	for _, p := range m.Recommend(ids[0], len(ids[1:])+3) {
		out = append(out, p.Item)
	}
	return out
}

// Customers who bought X also bought Y: a new customer who looks at X is
// offered Y first, because of X.
func TestCoOccurrence(t *testing.T) {
	m := New(Options{})
	m.SetCatalog([]Item{{ID: "x", Title: "Trail shoes", InStock: true}, {ID: "y", InStock: true}, {ID: "z", InStock: true}})
	m.Add([]Interaction{
		{"a", "x", Purchase, at(0)}, {"a", "y", Purchase, at(0)},
		{"b", "x", Purchase, at(1)}, {"b", "y", Click, at(1)},
		{"d", "z", Purchase, at(1)}, {"e", "z", Purchase, at(1)}, {"f", "z", Purchase, at(1)}, // z is the bestseller
		{"c", "x", View, at(2)},
	})
	picks := m.Recommend("c", 2)
	if len(picks) == 0 || picks[0].Item != "y" || picks[0].Because != "x" || picks[0].Reason != "because you looked at Trail shoes" {
		t.Fatalf("picks for c = %+v, want y first, because of x (Trail shoes)", picks)
	}
	if len(picks) < 2 || picks[1].Item != "z" || picks[1].Reason != "popular now" {
		t.Fatalf("second pick = %+v, want the bestseller z as a popularity fallback", picks)
	}
}

// Never what the customer bought, never out of stock, never an item they
// just looked at.
func TestExclusions(t *testing.T) {
	m := New(Options{})
	m.SetCatalog([]Item{{ID: "x", InStock: true}, {ID: "y", InStock: true}, {ID: "gone", InStock: false}, {ID: "w", InStock: true}})
	m.Add([]Interaction{
		{"a", "x", Purchase, at(0)}, {"a", "y", Purchase, at(0)}, {"a", "gone", Purchase, at(0)}, {"a", "w", Purchase, at(0)},
		{"c", "x", View, at(1)}, {"c", "y", Purchase, at(1)},
	})
	for _, p := range m.Recommend("c", 10) {
		switch p.Item {
		case "y":
			t.Errorf("recommended y, which c bought")
		case "gone":
			t.Errorf("recommended an item out of stock")
		case "x":
			t.Errorf("recommended x, which c is looking at")
		}
	}
	if got := m.Recommend("c", 10); len(got) != 1 || got[0].Item != "w" {
		t.Fatalf("picks = %+v, want only w", got)
	}
	// Stock changes take effect at once.
	m.SetCatalog([]Item{{ID: "w", InStock: false}})
	if got := m.Recommend("c", 10); len(got) != 0 {
		t.Fatalf("picks after w went out of stock = %+v, want none", got)
	}
}

// Without co-occurrence, the fallback is what is popular in the tags the
// customer showed interest in, before what is popular overall.
func TestTagFallback(t *testing.T) {
	m := New(Options{})
	m.SetCatalog([]Item{
		{ID: "tent", Tags: []string{"camping"}, InStock: true},
		{ID: "stove", Tags: []string{"camping"}, InStock: true},
		{ID: "lipstick", Tags: []string{"beauty"}, InStock: true},
	})
	var log []Interaction
	for i := range 5 {
		log = append(log, Interaction{"fan" + string(rune('a'+i)), "lipstick", Purchase, at(0)})
	}
	log = append(log, Interaction{"p", "stove", Purchase, at(0)}, Interaction{"c", "tent", View, at(1)})
	m.Add(log)
	got := m.Recommend("c", 2)
	if len(got) != 2 || got[0].Item != "stove" || got[0].Reason != "popular in camping" || got[1].Item != "lipstick" {
		t.Fatalf("picks = %+v, want stove (popular in camping) then lipstick (popular now)", got)
	}
}

// What the customer did last weighs more than what they did long ago.
func TestRecency(t *testing.T) {
	m := New(Options{HalfLife: 7 * 24 * time.Hour})
	m.Add([]Interaction{
		{"a", "old", Purchase, at(0)}, {"a", "old-mate", Purchase, at(0)},
		{"b", "new", Purchase, at(0)}, {"b", "new-mate", Purchase, at(0)},
		{"c", "old", View, at(1)}, {"c", "new", View, at(60)},
	})
	got := m.Recommend("c", 2)
	if len(got) != 2 || got[0].Item != "new-mate" || got[1].Item != "old-mate" {
		t.Fatalf("picks = %+v, want new-mate (recent interest) before old-mate", got)
	}
}

// The shipped data set (testdata/README.md says how it is made): the
// recommender must beat popularity by a clear margin on a time split.
func TestShippedDatasetBeatsPopularity(t *testing.T) {
	f, err := os.Open("testdata/interactions.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDataset(zr)
	if err != nil {
		t.Fatal(err)
	}
	ev := Evaluate(d, 0.8, 5, Options{})
	t.Logf("%d customers; hit-rate@5 %.3f vs %.3f; NDCG@5 %.3f vs %.3f", ev.Customers, ev.Recommender.HitRate, ev.Popularity.HitRate, ev.Recommender.NDCG, ev.Popularity.NDCG)
	if ev.Customers < 500 {
		t.Fatalf("only %d test customers", ev.Customers)
	}
	if ev.Recommender.HitRate < ev.Popularity.HitRate+0.15 {
		t.Errorf("hit-rate@5 %.3f, popularity %.3f: want a margin of at least 0.15", ev.Recommender.HitRate, ev.Popularity.HitRate)
	}
	if ev.Recommender.NDCG < 2*ev.Popularity.NDCG {
		t.Errorf("NDCG@5 %.3f, popularity %.3f: want at least twice", ev.Recommender.NDCG, ev.Popularity.NDCG)
	}
	// The file is what the generator makes (the README's command).
	var want bytes.Buffer
	if err := WriteDataset(&want, Generate(GenOptions{Seed: 1})); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := WriteDataset(&got, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("testdata/interactions.jsonl.gz differs from Generate(seed 1): regenerate it with the command in testdata/README.md")
	}
}

// A bad line is refused with its number.
func TestReadDatasetErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"catalog":{"id":"a"}}` + "\n" + `{"customer":"c","item":"a","kind":"view","at":"2026-01-01T00:00:00Z"}` + "\n" + `{"customer":"c","item":"a","kind":"smell","at":"2026-01-01T00:00:00Z"}`: "line 3: kind",
		`{"catalog":{"title":"no id"}}`: "line 1: a catalog item needs an id",
		"\n" + `{"customer":"c"}`:       "line 2: an interaction needs",
		`{not json`:                     "line 1:",
	} {
		_, err := ReadDataset(strings.NewReader(in))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ReadDataset(%.40q) = %v, want an error starting %q", in, err, want)
		}
	}
}

// A model learns incrementally: picks change with the next Add.
func TestIncremental(t *testing.T) {
	m := New(Options{})
	m.Add([]Interaction{{"a", "x", Purchase, at(0)}, {"a", "y", Purchase, at(0)}, {"c", "x", View, at(1)}})
	if got := m.Recommend("c", 1); len(got) != 1 || got[0].Item != "y" {
		t.Fatalf("picks = %+v, want y", got)
	}
	m.Add([]Interaction{{"b", "x", Purchase, at(2)}, {"b", "z", Purchase, at(2)}, {"d", "x", Purchase, at(2)}, {"d", "z", Purchase, at(2)}})
	if got := m.Recommend("c", 1); len(got) != 1 || got[0].Item != "z" {
		t.Fatalf("picks after more x+z buyers = %+v, want z", got)
	}
}

// Weights are float32: after 64 half-lives the model rebases its epoch, so
// a log longer than float32's range of 2^127 half-lives still ranks the
// same way, with finite scores.
func TestRebase(t *testing.T) {
	m := New(Options{HalfLife: time.Hour})
	hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	var log []Interaction
	for h := 0; h <= 300; h += 10 { // 300 half-lives: far beyond float32 without a rebase
		log = append(log, Interaction{"old" + string(rune('a'+h/10)), "x", Purchase, hour(h)}, Interaction{"old" + string(rune('a'+h/10)), "y", Purchase, hour(h)})
	}
	log = append(log, Interaction{"n1", "x", Purchase, hour(301)}, Interaction{"n1", "z", Purchase, hour(301)}, Interaction{"c", "x", View, hour(302)})
	m.Add(log)
	got := m.Recommend("c", 2)
	if len(got) != 2 || got[0].Item != "z" || got[1].Item != "y" {
		t.Fatalf("picks = %+v, want z (the recent co-purchase) before y", got)
	}
	for _, p := range got {
		if math.IsInf(p.Score, 0) || math.IsNaN(p.Score) || p.Score <= 0 {
			t.Errorf("score of %s = %v", p.Item, p.Score)
		}
	}
}
