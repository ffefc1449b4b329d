package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// TestDeadlockAnswersBusy makes PostgreSQL abort one of two transactions
// that lock two rows in opposite orders, and checks that the loser comes out
// of Update as dm.ErrBusy (503 with Retry-After: the client repeats it)
// rather than as an internal error (500), and that the winner commits.
func TestDeadlockAnswersBusy(t *testing.T) {
	db := openNodes(t, 1)[0]
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, `CREATE TABLE clash (id int PRIMARY KEY, n int NOT NULL); INSERT INTO clash VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	var first sync.WaitGroup // both hold their first row before either asks for the second
	first.Add(2)
	lock := func(a, b int) error {
		return db.Update(ctx, func(dtx dm.Tx) error {
			p := dtx.(*tx).tx
			if _, err := p.Exec(ctx, `SET LOCAL deadlock_timeout = '50ms'`); err != nil {
				return err
			}
			if _, err := p.Exec(ctx, `UPDATE clash SET n = n + 1 WHERE id = $1`, a); err != nil {
				first.Done()
				return err
			}
			first.Done()
			first.Wait()
			_, err := p.Exec(ctx, `UPDATE clash SET n = n + 1 WHERE id = $1`, b)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lock(1, 2) }()
	go func() { errs <- lock(2, 1) }()
	var failed []error
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				failed = append(failed, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the two transactions are still waiting after 30 s: PostgreSQL did not break the deadlock")
		}
	}
	if len(failed) != 1 {
		t.Fatalf("%d of 2 transactions failed (%v); a deadlock aborts exactly one", len(failed), failed)
	}
	err := failed[0]
	if code := dm.ErrorCode(err); code != dm.EUNAVAILABLE {
		t.Fatalf("the aborted transaction answers %q (%v), want %q", code, err, dm.EUNAVAILABLE)
	}
	var de *dm.Error
	if !errors.As(err, &de) || de.RetryAfter <= 0 {
		t.Fatalf("the busy error carries no Retry-After: %#v", de)
	}
	var sum int
	if err := db.pool.QueryRow(ctx, `SELECT sum(n) FROM clash`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 2 {
		t.Fatalf("the rows were bumped %d times in all, want 2: the winner's two updates only", sum)
	}
}
