package brand_test

import (
	"context"
	"flag"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/recs"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestRecsWarmUp: a starting node builds a busy brand's model in the
// background; until it is ready, an agent is offered what is popular in
// what the build has applied so far (never what the customer touched), and
// then the model's own picks, with their reasons.
func TestRecsWarmUp(t *testing.T) { stores(t, testRecsWarmUp) }

func testRecsWarmUp(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Now(), open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	bob := w.account("bob", "Bob", dm.KindPerson)
	must(w.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent))
	must(w.brand.ImportProducts(ctx, acme, "acme", brand.ImportCSV, strings.NewReader(goodCSV)))
	dan := w.account("dan", "Dan", dm.KindPerson)
	conv, _ := must2(w.chat.CreateConversation(ctx, dan, []string{"acme"}, ""))
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "Anything to go with my tent?"}))
	for _, v := range [][]string{{"cust1", "tent-2", "stove", "mug"}, {"cust2", "tent-2", "stove"}, {"cust3", "boots", "socks"}, {"dan", "tent-2"}} {
		if v[0] != "dan" {
			w.account(v[0], v[0], dm.KindPerson)
		}
		for _, id := range v[1:] {
			must(w.brand.RecordViews(ctx, acme, "acme", []brand.View{{Customer: v[0], ProductID: id}}))
		}
	}
	// Any backlog counts as large; pages of 2; the build waits after its
	// first page until the test lets it go on.
	paused, resume := make(chan int64), make(chan struct{})
	var once sync.Once
	brand.SetRecsBuild(w.brand, 1, 2, func(_ string, seq int64) {
		once.Do(func() {
			paused <- seq
			<-resume
		})
	})
	warmed := make(chan struct{})
	go func() {
		w.brand.WarmRecs(ctx)
		close(warmed)
	}()
	if seq := <-paused; seq != 2 {
		t.Fatalf("first page ended at seq %d, want 2", seq)
	}
	sug, ver, err := w.brand.Suggest(ctx, bob, "acme", conv.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ver.Interactions != 2 || len(sug) == 0 || sug[0].Product.ID != "stove" || sug[0].Reason != "popular now" {
		t.Fatalf("while building: %+v (model %+v), want the stove, popular now, after 2 interactions", sug, ver)
	}
	for _, s := range sug {
		if s.Product.ID == "tent-2" || s.Product.ID == "sold" || s.Reason != "popular now" {
			t.Errorf("while building, suggested %+v (dan looked at the tent; the lamp is sold out)", s)
		}
	}
	close(resume)
	select {
	case <-warmed:
	case <-time.After(30 * time.Second):
		t.Fatal("the warm-up did not end")
	}
	sug, ver, err = w.brand.Suggest(ctx, bob, "acme", conv.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ver.Interactions != 8 || len(sug) == 0 || sug[0].Product.ID != "stove" || sug[0].Because != "tent-2" || sug[0].Reason != "because you looked at Trail Tent 2" {
		t.Fatalf("once built: %+v (model %+v), want the stove because of the tent, after 8 interactions", sug, ver)
	}
}

var warmInteractions = flag.Int("recs.warm", 1_000_000, "interactions of BenchmarkRecsWarmUp's brand")

// BenchmarkRecsWarmUp measures a starting node's warm-up: one brand with a
// catalog of 100,000 products and -recs.warm interactions (the generated
// data set of internal/recs) in a SQLite file, and WarmRecs building its
// model from the store, page by page. It reports the wall time and the
// process's CPU time (the build, SQLite's reads, the GC).
//
//	go test -run '^$' -bench RecsWarmUp -benchtime 1x ./internal/brand -recs.warm 1000000
func BenchmarkRecsWarmUp(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "parley.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	d := recs.Generate(recs.GenOptions{Seed: 7, Customers: max(1, *warmInteractions/25), Groups: 250, Bundles: 100, Bundle: 4, Events: 25, Weeks: 12})
	now := time.Now()
	for i := 0; i < len(d.Items); i += 5000 {
		ps := make([]dm.Product, 0, 5000)
		for _, it := range d.Items[i:min(i+5000, len(d.Items))] {
			ps = append(ps, dm.Product{ID: it.ID, Title: it.Title, PriceMinor: 1000, Currency: "EUR", URL: "https://shop.example/" + it.ID, Tags: it.Tags, InStock: it.InStock})
		}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.PutProducts(ctx, "brand1", ps, now) }); err != nil {
			b.Fatal(err)
		}
	}
	ins := d.Interactions[:min(len(d.Interactions), *warmInteractions)]
	for i := 0; i < len(ins); i += 20000 {
		batch := make([]dm.Interaction, 0, 20000)
		for _, in := range ins[i:min(i+20000, len(ins))] {
			batch = append(batch, dm.Interaction{CustomerID: in.Customer, ProductID: in.Item, Kind: string(in.Kind), At: in.At})
		}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.AddInteractions(ctx, "brand1", batch) }); err != nil {
			b.Fatal(err)
		}
	}
	d = nil
	runtime.GC()
	for range b.N {
		step := brand.NewStep(brand.Config{})
		bus := inmem.New()
		svc := brand.New(chat.New(db, bus, chat.Config{Steps: []chat.Step{step}}), step)
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		svc.WarmRecs(ctx)
		wall := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		bus.Close()
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		b.ReportMetric(float64(len(ins)), "interactions")
		b.ReportMetric(wall.Seconds(), "warm-wall-s")
		b.ReportMetric(cpu.Seconds(), "warm-cpu-s")
	}
}
