package brand_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
)

// TestTrackedLinkClicks: a tracked link redirects to its destination, counts
// every click and flags the first, tells OnLinkClick handlers of each click
// after it committed (again after a handler failed), and does not count a
// click that asked not to be (a HEAD, the server's own link preview).
func TestTrackedLinkClicks(t *testing.T) {
	stores(t, func(t *testing.T, open func(t *testing.T) dm.Store) {
		w := newWorld(t, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), open)
		acme := w.account("acme", "Acme", dm.KindBrand)
		var mu sync.Mutex
		var got []dm.LinkClick
		fail := true
		w.brand.OnLinkClick(func(ctx context.Context, l dm.TrackedLink, c dm.LinkClick) error {
			mu.Lock()
			defer mu.Unlock()
			if l.ProductID != "sku-9" || l.CreatorID != "cr" || l.BrandID != acme.ID {
				t.Errorf("handler got link %+v", l)
			}
			if fail {
				fail = false
				return errors.New("try again")
			}
			got = append(got, c)
			return nil
		})
		addr, err := w.brand.TrackLink(w.ctx, acme.ID, brand.LinkSpec{URL: "https://shop.example/p/9", ProductID: "sku-9", CreatorID: "cr"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(addr, "/l/") || len(addr) != len("/l/")+22 {
			t.Fatalf("address %q: want /l/ and a 22-character token (no public URL is set)", addr)
		}
		token := strings.TrimPrefix(addr, "/l/")
		if _, err := w.brand.TrackLink(w.ctx, acme.ID, brand.LinkSpec{URL: "javascript:alert(1)"}); !dm.IsCode(err, dm.EINVALID) {
			t.Errorf("a javascript: URL: %v, want invalid", err)
		}
		for i := range 3 {
			dest, err := w.brand.Click(w.ctx, token, brand.ClickFrom{Addr: "192.0.2.1", Count: i != 1})
			if err != nil || dest != "https://shop.example/p/9" {
				t.Fatalf("click %d: %q, %v", i, dest, err)
			}
		}
		if _, err := w.brand.Click(w.ctx, "AAAAAAAAAAAAAAAAAAAAAA", brand.ClickFrom{Addr: "192.0.2.1", Count: true}); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("unknown token: %v, want not found", err)
		}
		w.runJobs() // the first handler run fails
		w.set(w.clock().Add(time.Hour))
		w.runJobs()
		mu.Lock()
		defer mu.Unlock()
		// The failed run came again after the other: the order is not the clicks'.
		if len(got) != 2 || got[0].First == got[1].First || got[0].ID == got[1].ID {
			t.Errorf("handlers were told of %+v, want the two counted clicks, the first flagged", got)
		}
		err = w.store.View(w.ctx, func(tx dm.Tx) error {
			st, err := tx.LinkStats(w.ctx, acme.ID, dm.LinkFilter{ProductID: "sku-9"})
			if err == nil && *st != (dm.LinkStats{Links: 1, Clicked: 1, Clicks: 2}) {
				t.Errorf("stats %+v", *st)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
