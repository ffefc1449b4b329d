package sqlite

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// TestBackgroundYields: a batch of background Updates (dm.Background, a
// campaign's deliveries) stops for an Update that arrives while it runs:
// that one runs next and commits with what ran before it, and the
// background Updates not yet run follow in later batches; each is run once,
// and every write is kept.
func TestBackgroundYields(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	bg := dm.Background(ctx)

	// Hold the writer so that the background Updates queue up together.
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Update(ctx, func(dm.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started

	const n = 20
	var mu sync.Mutex
	var order []string
	ran := func(name string) {
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
	}
	accounts := make([]*dm.Account, n)
	errs := make([]error, n)
	fgQueued := make(chan struct{})
	var fgErr error
	fgDone := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		accounts[i] = account(fmt.Sprintf("bg%02d", i))
		wg.Go(func() {
			errs[i] = db.Update(bg, func(tx dm.Tx) error {
				ran(accounts[i].Handle)
				if len(order) == 1 {
					// The first background Update to run: a person's
					// Update arrives meanwhile.
					go func() {
						defer close(fgDone)
						fgErr = db.Update(ctx, func(tx dm.Tx) error {
							ran("fg")
							return tx.CreateAccount(ctx, account("fg"), dm.DefaultSettings(), "x")
						})
					}()
					for len(db.requests) == 0 {
						time.Sleep(time.Millisecond)
					}
					close(fgQueued)
				}
				return tx.CreateAccount(ctx, accounts[i], dm.DefaultSettings(), "x")
			})
		})
	}
	for len(db.requests) < n {
		time.Sleep(time.Millisecond)
	}
	batches := db.batches.Load()
	close(release)
	wg.Wait()
	<-fgDone
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if fgErr != nil {
		t.Fatal(fgErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("background Update %d: %v", i, err)
		}
	}
	if len(order) != n+1 || order[1] != "fg" {
		t.Fatalf("ran %v, want one background Update, then the person's, then the other %d", order, n-1)
	}
	if got := db.batches.Load() - batches; got < 3 {
		t.Errorf("%d batches, want the held one, the one the person's Update ended, and more", got)
	}
	seen := slices.Clone(order[2:])
	slices.Sort(seen)
	if len(slices.Compact(seen)) != n-1 {
		t.Errorf("background Updates ran %v: some twice or never", order)
	}
	for _, a := range append(accounts, &dm.Account{Handle: "fg"}) {
		err := db.View(ctx, func(tx dm.Tx) error { _, err := tx.AccountByHandle(ctx, a.Handle); return err })
		if err != nil {
			t.Errorf("account %s: %v", a.Handle, err)
		}
	}
}

// TestBackgroundNotStarved: while others' Updates keep the writer busy, a
// background Update still runs (batches of others take it once it has
// waited backgroundStarved).
func TestBackgroundNotStarved(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				err := db.Update(ctx, func(tx dm.Tx) error {
					time.Sleep(time.Millisecond)
					return tx.CreateAccount(ctx, account(fmt.Sprintf("fg%d-%d", i, j)), dm.DefaultSettings(), "x")
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- db.Update(dm.Background(ctx), func(tx dm.Tx) error {
			return tx.CreateAccount(ctx, account("bg"), dm.DefaultSettings(), "x")
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("background Update ran after %v beside a stream of others", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("background Update starved by a stream of others")
	}
}
