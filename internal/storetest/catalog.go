package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// catalogTests check dm.CatalogTx: products, interactions, orders, cards.
var catalogTests = []test{
	{"CatalogProducts", testCatalogProducts},
	{"CatalogInteractions", testCatalogInteractions},
	{"CatalogCards", testCatalogCards},
}

func product(id, title string, tags ...string) dm.Product {
	return dm.Product{ID: id, Title: title, PriceMinor: 1999, Currency: "EUR", URL: "https://shop.example/" + id, Tags: tags, InStock: true}
}

func testCatalogProducts(t *testing.T, s dm.Store) {
	ctx := context.Background()
	update(t, s, func(tx dm.Tx) error {
		return tx.PutProducts(ctx, "b1", []dm.Product{product("p2", "Two", "shoes"), product("p1", "One"), product("p3", "Three")}, at(1))
	})
	update(t, s, func(tx dm.Tx) error {
		return tx.PutProducts(ctx, "b2", []dm.Product{product("p1", "Other brand's")}, at(1))
	})
	var st dm.CatalogState
	view(t, s, func(tx dm.Tx) error {
		p, err := tx.Product(ctx, "b1", "p2")
		if err != nil {
			return err
		}
		if p.Title != "Two" || p.PriceMinor != 1999 || p.Currency != "EUR" || !slices.Equal(p.Tags, []string{"shoes"}) || !p.InStock || p.Version != 1 {
			t.Errorf("Product = %+v", p)
		}
		wantUTC(t, "created_at", p.CreatedAt, at(1))
		ps, err := tx.Products(ctx, "b1", "", 2)
		if err != nil {
			return err
		}
		if len(ps) != 2 || ps[0].ID != "p1" || ps[1].ID != "p2" {
			t.Errorf("Products page 1 = %v", ps)
		}
		if ps, _ = tx.Products(ctx, "b1", "p2", 2); len(ps) != 1 || ps[0].ID != "p3" {
			t.Errorf("Products page 2 = %v", ps)
		}
		st, err = tx.CatalogState(ctx, "b1")
		return err
	})
	if st.Version != 1 || st.InteractionSeq != 0 {
		t.Errorf("CatalogState = %+v, want version 1", st)
	}
	// An upsert replaces and keeps created_at; a delete is a new version.
	up := product("p1", "One, renamed")
	up.InStock = false
	update(t, s, func(tx dm.Tx) error { return tx.PutProducts(ctx, "b1", []dm.Product{up}, at(5)) })
	update(t, s, func(tx dm.Tx) error { return tx.DeleteProduct(ctx, "b1", "p3", at(6)) })
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.DeleteProduct(ctx, "b1", "p3", at(7)) })
	wantCode(t, "DeleteProduct twice", err, dm.ENOTFOUND)
	view(t, s, func(tx dm.Tx) error {
		p, err := tx.Product(ctx, "b1", "p1")
		if err != nil {
			return err
		}
		if p.Title != "One, renamed" || p.InStock || p.Version != 2 {
			t.Errorf("Product after upsert = %+v", p)
		}
		wantUTC(t, "created_at after upsert", p.CreatedAt, at(1))
		_, err = tx.Product(ctx, "b1", "p3")
		wantCode(t, "Product deleted", err, dm.ENOTFOUND)
		n, err := tx.CountProducts(ctx, "b1")
		if n != 2 || err != nil {
			t.Errorf("CountProducts = %d, %v", n, err)
		}
		ch, err := tx.ProductsChanged(ctx, "b1", 0, "", 10)
		if err != nil {
			return err
		}
		if len(ch) != 3 || ch[0].ID != "p2" || ch[1].ID != "p1" || ch[2].ID != "p3" || !ch[2].Deleted {
			t.Errorf("ProductsChanged from the start = %+v", ch)
		}
		if ch, _ = tx.ProductsChanged(ctx, "b1", 2, "p1", 10); len(ch) != 1 || ch[0].ID != "p3" {
			t.Errorf("ProductsChanged after (2, p1) = %+v", ch)
		}
		m, err := tx.ProductsByID(ctx, "b1", []string{"p1", "p3", "nope"})
		if err != nil {
			return err
		}
		if len(m) != 1 || m["p1"] == nil {
			t.Errorf("ProductsByID = %v", m)
		}
		other, err := tx.Product(ctx, "b2", "p1")
		if err != nil || other.Title != "Other brand's" {
			t.Errorf("b2's p1 = %+v, %v", other, err)
		}
		return nil
	})
}

func testCatalogInteractions(t *testing.T, s dm.Store) {
	ctx := context.Background()
	ins := []dm.Interaction{
		{CustomerID: "c1", ProductID: "p1", Kind: dm.InteractionView, At: at(1)},
		{CustomerID: "c1", ProductID: "p2", Kind: dm.InteractionMention, At: at(2), MessageID: "m1"},
	}
	update(t, s, func(tx dm.Tx) error { return tx.AddInteractions(ctx, "b1", ins) })
	if ins[0].Seq != 1 || ins[1].Seq != 2 {
		t.Errorf("seqs = %d, %d", ins[0].Seq, ins[1].Seq)
	}
	update(t, s, func(tx dm.Tx) error {
		if err := tx.PutOrder(ctx, "b1", "o1", "c1", at(3)); err != nil {
			return err
		}
		return tx.AddInteractions(ctx, "b1", []dm.Interaction{{CustomerID: "c1", ProductID: "p2", Kind: dm.InteractionPurchase, At: at(3), OrderID: "o1", Via: "mention", ViaMessageID: "m1"}})
	})
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.PutOrder(ctx, "b1", "o1", "c1", at(4)) })
	wantCode(t, "PutOrder twice", err, dm.ECONFLICT)
	update(t, s, func(tx dm.Tx) error { return tx.PutOrder(ctx, "b2", "o1", "c9", at(4)) })
	// A click is stored once, however often its job runs.
	for range 2 {
		update(t, s, func(tx dm.Tx) error {
			return tx.AddInteractions(ctx, "b3", []dm.Interaction{{CustomerID: "c1", ProductID: "p1", Kind: dm.InteractionClick, At: at(5), ClickID: "k1"}})
		})
	}
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Interactions(ctx, "b3", 0, 10)
		if err == nil && len(got) != 1 {
			t.Errorf("a click added twice: %+v", got)
		}
		return err
	})
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Interactions(ctx, "b1", 1, 10)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].Seq != 2 || got[0].MessageID != "m1" || got[1].OrderID != "o1" || got[1].Via != "mention" {
			t.Errorf("Interactions after 1 = %+v", got)
		}
		wantUTC(t, "at", got[0].At, at(2))
		st, err := tx.CatalogState(ctx, "b1")
		if err != nil || st.InteractionSeq != 3 {
			t.Errorf("CatalogState = %+v, %v", st, err)
		}
		// The brands with interactions, the most first (b2 has an order only).
		busy, err := tx.BusiestCatalogs(ctx, 10)
		if err != nil || len(busy) != 2 || busy[0] != "b1" || busy[1] != "b3" {
			t.Errorf("BusiestCatalogs = %v, %v; want b1, b3", busy, err)
		}
		if busy, err = tx.BusiestCatalogs(ctx, 1); err != nil || len(busy) != 1 || busy[0] != "b1" {
			t.Errorf("BusiestCatalogs(1) = %v, %v", busy, err)
		}
		touch, err := tx.LastTouch(ctx, "b1", "c1", "p2", at(0))
		if err != nil || touch.Kind != dm.InteractionMention {
			t.Errorf("LastTouch = %+v, %v", touch, err)
		}
		_, err = tx.LastTouch(ctx, "b1", "c1", "p2", at(5))
		wantCode(t, "LastTouch after the window", err, dm.ENOTFOUND)
		_, err = tx.LastTouch(ctx, "b1", "c1", "p1", at(0)) // a view is no touch
		wantCode(t, "LastTouch of a view", err, dm.ENOTFOUND)
		cust, pur, err := tx.OrderInteractions(ctx, "b1", "o1")
		if err != nil || cust != "c1" || len(pur) != 1 || pur[0].ProductID != "p2" {
			t.Errorf("OrderInteractions = %s %+v %v", cust, pur, err)
		}
		_, _, err = tx.OrderInteractions(ctx, "b1", "o2")
		wantCode(t, "OrderInteractions unknown", err, dm.ENOTFOUND)
		mine, err := tx.CustomerInteractions(ctx, "b1", "c1", 2)
		if err != nil || len(mine) != 2 || mine[0].Seq != 3 {
			t.Errorf("CustomerInteractions = %+v, %v", mine, err)
		}
		return nil
	})
}

func testCatalogCards(t *testing.T, s dm.Store) {
	ctx := context.Background()
	c := &dm.ProductCard{ProductID: "p1", Title: "One", PriceMinor: 500, Currency: "USD", ImageURL: "https://img.example/1.png", URL: "https://shop.example/p1"}
	update(t, s, func(tx dm.Tx) error { return tx.PutProductCard(ctx, "m1", "b1", c) })
	view(t, s, func(tx dm.Tx) error {
		m, err := tx.ProductCards(ctx, []string{"m1", "m2"})
		if err != nil {
			return err
		}
		if len(m) != 1 || *m["m1"] != *c {
			t.Errorf("ProductCards = %+v", m)
		}
		if m, err = tx.ProductCards(ctx, nil); err != nil || len(m) != 0 {
			return errors.Join(err, errors.New("cards of no messages"))
		}
		return nil
	})
}
