package storetest

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// abuseTests check dm.AbuseTx: strikes against accounts.
var abuseTests = []test{
	{"Strikes", testStrikes},
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
