package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// graphTests check dm.GraphTx: follows, blocks and follow lists.
var graphTests = []test{
	{"Graph", testGraph},
	{"FollowPaging", testFollowPaging},
	{"BlockedList", testBlockedList},
}

func testGraph(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	rel := func() dm.Relationship {
		var r dm.Relationship
		view(t, s, func(tx dm.Tx) (err error) { r, err = tx.Relationship(ctx, a.ID, b.ID); return err })
		return r
	}
	counts := func(u *dm.Account) [2]int {
		var c [2]int
		view(t, s, func(tx dm.Tx) (err error) { c[0], c[1], err = tx.FollowCounts(ctx, u.ID); return err })
		return c
	}
	if r := rel(); r != (dm.Relationship{}) {
		t.Errorf("Relationship of strangers = %+v", r)
	}
	for range 2 { // idempotent
		update(t, s, func(tx dm.Tx) error { return tx.SetFollow(ctx, a.ID, b.ID, true) })
	}
	if r := rel(); r != (dm.Relationship{AFollowsB: true}) {
		t.Errorf("after a follows b: %+v", r)
	}
	if ca, cb := counts(a), counts(b); ca != [2]int{0, 1} || cb != [2]int{1, 0} {
		t.Errorf("FollowCounts a = %v (want [0 1]), b = %v (want [1 0])", ca, cb)
	}
	update(t, s, func(tx dm.Tx) error { return tx.SetFollow(ctx, b.ID, a.ID, true) })
	if r := rel(); r != (dm.Relationship{AFollowsB: true, BFollowsA: true}) {
		t.Errorf("after mutual follows: %+v", r)
	}
	for range 2 {
		update(t, s, func(tx dm.Tx) error { return tx.SetFollow(ctx, a.ID, b.ID, false) })
	}
	if r := rel(); r != (dm.Relationship{BFollowsA: true}) {
		t.Errorf("after a unfollows b: %+v", r)
	}
	if ca, cb := counts(a), counts(b); ca != [2]int{1, 0} || cb != [2]int{0, 1} {
		t.Errorf("FollowCounts a = %v (want [1 0]), b = %v (want [0 1])", ca, cb)
	}
	for range 2 {
		update(t, s, func(tx dm.Tx) error { return tx.SetBlock(ctx, b.ID, a.ID, true) })
	}
	if r := rel(); r != (dm.Relationship{BFollowsA: true, BBlocksA: true}) || !r.Blocked() {
		t.Errorf("after b blocks a: %+v", r)
	}
	update(t, s, func(tx dm.Tx) error { return tx.SetBlock(ctx, a.ID, b.ID, true) })
	if r := rel(); !r.ABlocksB || !r.BBlocksA {
		t.Errorf("after both block: %+v", r)
	}
	for range 2 {
		update(t, s, func(tx dm.Tx) error {
			if err := tx.SetBlock(ctx, a.ID, b.ID, false); err != nil {
				return err
			}
			return tx.SetBlock(ctx, b.ID, a.ID, false)
		})
	}
	if r := rel(); r.Blocked() {
		t.Errorf("after unblocking: %+v", r)
	}
	view(t, s, func(tx dm.Tx) error {
		_, _, err := tx.FollowCounts(ctx, dm.NewID())
		wantCode(t, "FollowCounts(unknown)", err, dm.ENOTFOUND)
		return nil
	})
}

func testFollowPaging(t *testing.T, s dm.Store) {
	ctx := context.Background()
	star := newAccount(t, s, "star")
	var fans []string
	for i := range 7 {
		f := newAccount(t, s, fmt.Sprintf("fan%d", i))
		fans = append(fans, f.ID)
		update(t, s, func(tx dm.Tx) error {
			if err := tx.SetFollow(ctx, f.ID, star.ID, true); err != nil {
				return err
			}
			return tx.SetFollow(ctx, star.ID, f.ID, true)
		})
	}
	for _, list := range []string{"Followers", "Following"} {
		var got []string
		cursor := ""
		for page := 0; ; page++ {
			if page > 10 {
				t.Fatalf("%s: the cursors never end", list)
			}
			var as []dm.Account
			var next string
			view(t, s, func(tx dm.Tx) (err error) {
				if list == "Followers" {
					as, next, err = tx.Followers(ctx, star.ID, "", cursor, 3)
				} else {
					as, next, err = tx.Following(ctx, star.ID, "", cursor, 3)
				}
				return err
			})
			if len(as) > 3 {
				t.Fatalf("%s: a page of %d with limit 3", list, len(as))
			}
			for _, a := range as {
				got = append(got, a.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		want := slices.Clone(fans)
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Errorf("%s over all pages = %v, want each of %v once", list, got, fans)
		}
	}

	// A viewer in a block with a fan, either way, does not find that fan
	// in the lists; the pages stay full (limit 3 over the 5 left).
	viewer := newAccount(t, s, "viewer")
	update(t, s, func(tx dm.Tx) error {
		if err := tx.SetBlock(ctx, viewer.ID, fans[1], true); err != nil {
			return err
		}
		return tx.SetBlock(ctx, fans[4], viewer.ID, true)
	})
	for _, list := range []string{"Followers", "Following"} {
		var got []string
		var sizes []int
		cursor := ""
		for page := 0; page <= 10; page++ {
			var as []dm.Account
			var next string
			view(t, s, func(tx dm.Tx) (err error) {
				if list == "Followers" {
					as, next, err = tx.Followers(ctx, star.ID, viewer.ID, cursor, 3)
				} else {
					as, next, err = tx.Following(ctx, star.ID, viewer.ID, cursor, 3)
				}
				return err
			})
			sizes = append(sizes, len(as))
			for _, a := range as {
				got = append(got, a.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		slices.Sort(got)
		want := []string{fans[0], fans[2], fans[3], fans[5], fans[6]}
		slices.Sort(want)
		if !slices.Equal(got, want) || !slices.Equal(sizes, []int{3, 2}) {
			t.Errorf("%s seen by a viewer in blocks with two fans: %v in pages of %v, want %v in pages of [3 2]", list, got, sizes, want)
		}
	}
}

// testBlockedList: Blocked pages the accounts one blocks, by handle, and
// nobody else's.
func testBlockedList(t *testing.T, s dm.Store) {
	me := newAccount(t, s, "blocker")
	other := newAccount(t, s, "bystander")
	var want []string
	for _, h := range []string{"zed", "amy", "kim"} {
		a := newAccount(t, s, h)
		update(t, s, func(tx dm.Tx) error { return tx.SetBlock(context.Background(), me.ID, a.ID, true) })
		want = append(want, a.Handle)
	}
	slices.Sort(want)
	update(t, s, func(tx dm.Tx) error { return tx.SetBlock(context.Background(), other.ID, me.ID, true) })
	var got []string
	cursor := ""
	for range 5 {
		var page []dm.Account
		var next string
		view(t, s, func(tx dm.Tx) (err error) {
			page, next, err = tx.Blocked(context.Background(), me.ID, cursor, 2)
			return err
		})
		for _, a := range page {
			got = append(got, a.Handle)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("Blocked by pages of 2 = %v, want %v", got, want)
	}
	view(t, s, func(tx dm.Tx) error {
		page, next, err := tx.Blocked(context.Background(), other.ID, "", 10)
		if err != nil || len(page) != 1 || page[0].ID != me.ID || next != "" {
			t.Errorf("bystander's Blocked = %+v, %q, %v", page, next, err)
		}
		return nil
	})
}
