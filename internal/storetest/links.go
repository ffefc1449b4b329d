package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

var linkTests = []test{
	{"TrackedLinks", testTrackedLinks},
	{"TrackedLinkClicksConcurrent", testTrackedLinkClicksConcurrent},
	{"TrackedLinkStats", testTrackedLinkStats},
}

func testTrackedLinks(t *testing.T, s dm.Store) {
	ctx := context.Background()
	l := dm.TrackedLink{ID: "h1", BrandID: "b1", URL: "https://shop.example/x?a=1", RecipientID: "u1", CampaignID: "c1", Step: 1,
		Variant: "B", ProductID: "sku-1", CreatorID: "cr1", CreatedAt: at(1)}
	update(t, s, func(tx dm.Tx) error {
		return tx.PutTrackedLinks(ctx, []dm.TrackedLink{l, {ID: "h2", BrandID: "b1", URL: "http://a.example", CreatedAt: at(2)}})
	})
	err := s.Update(ctx, func(tx dm.Tx) error {
		return tx.PutTrackedLinks(ctx, []dm.TrackedLink{{ID: "h1", BrandID: "b2", URL: "http://b", CreatedAt: at(3)}})
	})
	wantCode(t, "PutTrackedLinks of an existing id", err, dm.ECONFLICT)
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.TrackedLink(ctx, "h1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(*got, l) {
			t.Errorf("link = %+v\nwant %+v", *got, l)
		}
		_, err = tx.TrackedLink(ctx, "nope")
		wantCode(t, "TrackedLink(nope)", err, dm.ENOTFOUND)
		return nil
	})
	err = s.Update(ctx, func(tx dm.Tx) error { return tx.RecordClick(ctx, &dm.LinkClick{ID: "k0", LinkID: "nope", At: at(4)}) })
	wantCode(t, "RecordClick(nope)", err, dm.ENOTFOUND)
	var firsts []bool
	for i, id := range []string{"k1", "k2", "k3"} {
		c := &dm.LinkClick{ID: id, LinkID: "h1", At: at(10 + i)}
		update(t, s, func(tx dm.Tx) error { return tx.RecordClick(ctx, c) })
		firsts = append(firsts, c.First)
	}
	if !reflect.DeepEqual(firsts, []bool{true, false, false}) {
		t.Errorf("first flags = %v, want [true false false]", firsts)
	}
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.TrackedLink(ctx, "h1")
		if err != nil {
			return err
		}
		if got.Clicks != 3 || got.FirstClickAt == nil {
			t.Fatalf("link after 3 clicks: clicks %d, first %v", got.Clicks, got.FirstClickAt)
		}
		wantUTC(t, "FirstClickAt", *got.FirstClickAt, at(10))
		cs, err := tx.LinkClicks(ctx, "h1", 10)
		if err != nil {
			return err
		}
		if len(cs) != 3 || cs[0].ID != "k1" || !cs[0].First || cs[1].First || cs[2].ID != "k3" {
			t.Errorf("clicks = %+v", cs)
		}
		wantUTC(t, "click at", cs[1].At, at(11))
		if cs, _ := tx.LinkClicks(ctx, "h2", 10); len(cs) != 0 {
			t.Errorf("clicks of an unclicked link = %+v", cs)
		}
		return nil
	})
}

func testTrackedLinkClicksConcurrent(t *testing.T, s dm.Store) {
	ctx := context.Background()
	update(t, s, func(tx dm.Tx) error {
		return tx.PutTrackedLinks(ctx, []dm.TrackedLink{{ID: "h", BrandID: "b", URL: "https://x.example", CreatedAt: at(1)}})
	})
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	first := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dm.LinkClick{ID: dm.NewID(), LinkID: "h", At: at(2 + i)}
			if err := s.Update(ctx, func(tx dm.Tx) error { return tx.RecordClick(ctx, c) }); err != nil {
				t.Errorf("RecordClick: %v", err)
				return
			}
			if c.First {
				mu.Lock()
				first++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != 1 {
		t.Errorf("%d clicks were told they were first, want 1", first)
	}
	view(t, s, func(tx dm.Tx) error {
		l, err := tx.TrackedLink(ctx, "h")
		if err == nil && l.Clicks != n {
			t.Errorf("clicks = %d, want %d", l.Clicks, n)
		}
		return err
	})
}

func testTrackedLinkStats(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ls := []dm.TrackedLink{
		{ID: "a", BrandID: "b", URL: "https://x", RecipientID: "u1", CampaignID: "c", ProductID: "p1", CreatedAt: at(1)},
		{ID: "b", BrandID: "b", URL: "https://y", RecipientID: "u1", CampaignID: "c", ProductID: "p2", CreatedAt: at(1)},
		{ID: "c", BrandID: "b", URL: "https://x", RecipientID: "u2", CampaignID: "c", ProductID: "p1", CreatedAt: at(1)},
		{ID: "d", BrandID: "b", URL: "https://x", RecipientID: "u3", CreatorID: "cr", ProductID: "p1", CreatedAt: at(1)},
		{ID: "e", BrandID: "other", URL: "https://x", RecipientID: "u4", CampaignID: "c", CreatorID: "cr", CreatedAt: at(1)},
	}
	update(t, s, func(tx dm.Tx) error { return tx.PutTrackedLinks(ctx, ls) })
	for i, id := range []string{"a", "a", "b", "d", "e"} {
		update(t, s, func(tx dm.Tx) error {
			return tx.RecordClick(ctx, &dm.LinkClick{ID: dm.NewID(), LinkID: id, At: at(5 + i)})
		})
	}
	for _, tc := range []struct {
		f    dm.LinkFilter
		want dm.LinkStats
	}{
		{dm.LinkFilter{}, dm.LinkStats{Links: 4, Clicked: 3, Clicks: 4, Recipients: 2}},
		{dm.LinkFilter{CampaignID: "c"}, dm.LinkStats{Links: 3, Clicked: 2, Clicks: 3, Recipients: 1}},
		{dm.LinkFilter{ProductID: "p1"}, dm.LinkStats{Links: 3, Clicked: 2, Clicks: 3, Recipients: 2}},
		{dm.LinkFilter{CreatorID: "cr"}, dm.LinkStats{Links: 1, Clicked: 1, Clicks: 1, Recipients: 1}},
		{dm.LinkFilter{CampaignID: "c", ProductID: "p1"}, dm.LinkStats{Links: 2, Clicked: 1, Clicks: 2, Recipients: 1}},
		{dm.LinkFilter{CampaignID: "none"}, dm.LinkStats{}},
	} {
		view(t, s, func(tx dm.Tx) error {
			got, err := tx.LinkStats(ctx, "b", tc.f)
			if err == nil && *got != tc.want {
				t.Errorf("LinkStats(%+v) = %+v, want %+v", tc.f, *got, tc.want)
			}
			return err
		})
	}
}
