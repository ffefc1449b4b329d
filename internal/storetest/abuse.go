package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// abuseTests check dm.AbuseTx: strikes against accounts.
var abuseTests = []test{
	{"Strikes", testStrikes},
	{"Allowances", testAllowances},
}

// testAllowances: a bucket of 3 refilled at one a second, spent in
// transactions; a refusal spends nothing, a rolled-back write gives back,
// and buckets full again are pruned.
func testAllowances(t *testing.T, s dm.Store) {
	ctx := context.Background()
	al := dm.Allowance{Burst: 3, PerSecond: 1}
	take := func(key string, cost float64, sec int) time.Duration {
		t.Helper()
		var wait time.Duration
		update(t, s, func(tx dm.Tx) (err error) { wait, err = tx.TakeAllowance(ctx, key, al, cost, at(sec)); return err })
		return wait
	}
	for i := range 3 {
		if w := take("group_create/a", 1, 0); w != 0 {
			t.Fatalf("take %d of a full bucket of 3: wait %v", i+1, w)
		}
	}
	if w := take("group_create/a", 1, 0); w != time.Second {
		t.Errorf("take from an empty bucket: wait %v, want 1s", w)
	}
	if w := take("group_create/b", 1, 0); w != 0 {
		t.Errorf("another key is its own bucket: wait %v", w)
	}
	// Two seconds later two are back: a cost of 3 waits one more second.
	if w := take("group_create/a", 3, 2); w != time.Second {
		t.Errorf("take 3 with 2 refilled: wait %v, want 1s", w)
	}
	if w := take("group_create/a", 2, 2); w != 0 {
		t.Errorf("take 2 with 2 refilled: wait %v", w)
	}
	// A cost above the burst counts as the burst.
	if w := take("group_create/c", 10, 0); w != 0 {
		t.Errorf("a cost of 10 on a full bucket of 3: wait %v, want allowed", w)
	}
	// A write that fails rolls its spending back.
	err := s.Update(ctx, func(tx dm.Tx) error {
		if _, err := tx.TakeAllowance(ctx, "group_create/d", al, 3, at(0)); err != nil {
			return err
		}
		return dm.Errorf(dm.EINVALID, "the write fails after the limit")
	})
	if !dm.IsCode(err, dm.EINVALID) {
		t.Fatalf("failing write: %v", err)
	}
	if w := take("group_create/d", 3, 0); w != 0 {
		t.Errorf("the bucket of a rolled-back write is not full: wait %v", w)
	}
	// A clock behind the last take refills nothing and takes what is there.
	if w := take("group_create/b", 1, -5); w != 0 {
		t.Errorf("a take with an earlier clock: wait %v", w)
	}
	// At 10 s every bucket is full again (d was emptied at 0 s: full at 3 s).
	var n int64
	update(t, s, func(tx dm.Tx) (err error) { n, err = tx.PruneAllowances(ctx, at(1), 100); return err })
	if n != 0 {
		t.Errorf("pruned %d buckets at 1 s, want 0 (none is full yet)", n)
	}
	update(t, s, func(tx dm.Tx) (err error) { n, err = tx.PruneAllowances(ctx, at(10), 100); return err })
	if n != 4 {
		t.Errorf("pruned %d buckets at 10 s, want 4", n)
	}
	if w := take("group_create/a", 3, 10); w != 0 {
		t.Errorf("a pruned bucket is full: wait %v", w)
	}
}

func testStrikes(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "spammer"), newAccount(t, s, "bea"), newAccount(t, s, "cal")
	count := func(id string, since int) int {
		var n int
		view(t, s, func(tx dm.Tx) (err error) { n, err = tx.Strikes(ctx, id, at(since)); return err })
		return n
	}
	if n := count(a.ID, 0); n != 0 {
		t.Errorf("Strikes of a new account = %d", n)
	}
	update(t, s, func(tx dm.Tx) error { return tx.AddStrike(ctx, a.ID, b.ID, dm.StrikeBlocked, at(10)) })
	update(t, s, func(tx dm.Tx) error { return tx.AddStrike(ctx, a.ID, c.ID, dm.StrikeDeclined, at(20)) })
	update(t, s, func(tx dm.Tx) error { return tx.AddStrike(ctx, a.ID, c.ID, dm.StrikeReported, at(30)) })
	if n := count(a.ID, 0); n != 2 {
		t.Errorf("Strikes after a block by one person, a decline and a report by another = %d, want 2 (people)", n)
	}
	if n := count(a.ID, 25); n != 1 {
		t.Errorf("Strikes since 25 s = %d, want 1", n)
	}
	// A repeat of the same person and kind moves its time.
	for range 3 {
		update(t, s, func(tx dm.Tx) error { return tx.AddStrike(ctx, a.ID, b.ID, dm.StrikeBlocked, at(40)) })
	}
	if n := count(a.ID, 0); n != 2 {
		t.Errorf("Strikes after repeated blocks by one person = %d, want 2", n)
	}
	if n := count(a.ID, 35); n != 1 {
		t.Errorf("Strikes since 35 s = %d, want 1 (the repeated block moved to 40 s)", n)
	}
	if n := count(b.ID, 0); n != 0 {
		t.Errorf("Strikes of the one who struck = %d, want 0", n)
	}
}
