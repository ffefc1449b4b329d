package jobs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
)

// enqueueLeased enqueues j as chat.Outbox does with a runner: leased to r
// in the INSERT when r takes it, and offered after the commit; a job not
// leased kicks the runner after the commit (chat.Config.JobsEnqueued).
func enqueueLeased(t *testing.T, s dm.Store, r *jobs.Runner, j *dm.Job, offer bool) bool {
	t.Helper()
	var leased bool
	if err := s.Update(context.Background(), func(tx dm.Tx) error {
		leased = r.Lease(j, time.Now())
		_, err := tx.EnqueueJob(context.Background(), j)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if leased && offer {
		r.Offer(j)
	}
	if !leased {
		r.Kick()
	}
	return leased
}

// TestLeasedOnEnqueueRunsWithoutAClaim: a job leased in its enqueue is
// stored running, leased by the runner for one attempt, and the runner
// runs it once offered, without a claim (its poll is an hour).
func TestLeasedOnEnqueueRunsWithoutAClaim(t *testing.T) {
	s := openSQLite(t)
	r := jobs.New(s, jobs.Config{Poll: time.Hour, Lease: time.Minute})
	var ran atomic.Int32
	r.Handle("mail", jobs.Handler{Run: func(context.Context, *dm.Job) error { ran.Add(1); return nil }})
	// Not started: nothing is leased.
	if enqueueLeased(t, s, r, &dm.Job{ID: "before", Kind: "mail"}, true) {
		t.Fatal("a runner that is not started leased a job")
	}
	start(t, r)
	time.Sleep(20 * time.Millisecond) // the first poll claims "before"; then the next is an hour away
	waitState(t, s, "before", dm.JobDone)
	// A kind it does not run, a keyed job, a job for later: not leased.
	if enqueueLeased(t, s, r, &dm.Job{ID: "other", Kind: "other"}, true) ||
		enqueueLeased(t, s, r, &dm.Job{ID: "keyed", Kind: "mail", Key: "k"}, true) ||
		enqueueLeased(t, s, r, &dm.Job{ID: "later", Kind: "mail", RunAt: time.Now().Add(time.Hour)}, true) {
		t.Fatal("leased a job it must not")
	}
	if !enqueueLeased(t, s, r, &dm.Job{ID: "now", Kind: "mail"}, false) {
		t.Fatal("a due job was not leased")
	}
	j := job(t, s, "now")
	if j.State != dm.JobRunning || j.Attempts != 1 || j.LeasedBy == "" || j.RunAt.Before(time.Now().Add(50*time.Second)) {
		t.Fatalf("stored as %+v; want running, 1 attempt, leased for a minute", j)
	}
	r.Offer(j)
	waitState(t, s, "now", dm.JobDone)
	// The keyed job went through the queue: the runner, woken, claimed it.
	waitState(t, s, "keyed", dm.JobDone)
	if n := ran.Load(); n != 3 {
		t.Fatalf("runs = %d, want 3 (before, now, keyed)", n)
	}
}

// TestLeasedJobNeverOfferedRunsAfterItsLease: a node that dies between the
// enqueue's commit and the offer (kill -9) leaves the job leased; another
// runner claims it once the lease has run out, and never before.
func TestLeasedJobNeverOfferedRunsAfterItsLease(t *testing.T) {
	s := openSQLite(t)
	clk := newClock()
	dead := jobs.New(s, jobs.Config{Poll: time.Hour, Now: clk.Now, Lease: time.Minute})
	dead.Handle("mail", jobs.Handler{Run: func(context.Context, *dm.Job) error { t.Error("the dead node ran it"); return nil }})
	dead.Start()
	if !enqueueLeased(t, s, dead, &dm.Job{ID: "orphan", Kind: "mail", CreatedAt: clk.Now()}, false) {
		t.Fatal("not leased")
	}
	dead.Close(context.Background()) // it dies before the offer
	if enqueueLeased(t, s, dead, &dm.Job{ID: "after", Kind: "other"}, false) {
		t.Fatal("a closed runner leased a job")
	}
	r := jobs.New(s, jobs.Config{Poll: 5 * time.Millisecond, Now: clk.Now, Lease: time.Minute})
	var ran atomic.Int32
	r.Handle("mail", jobs.Handler{Run: func(context.Context, *dm.Job) error { ran.Add(1); return nil }})
	start(t, r)
	time.Sleep(50 * time.Millisecond)
	if ran.Load() != 0 {
		t.Fatal("a job leased on enqueue ran elsewhere before its lease ended")
	}
	clk.Add(time.Minute)
	r.Kick()
	j := waitState(t, s, "orphan", dm.JobDone)
	if j.Attempts != 2 || ran.Load() != 1 {
		t.Fatalf("attempts %d, runs %d; want 2 and 1", j.Attempts, ran.Load())
	}
}

// claimCounter is a store that counts the claim statements run through it.
type claimCounter struct {
	dm.Store
	claims atomic.Int32
}

func (c *claimCounter) Update(ctx context.Context, fn func(tx dm.Tx) error) error {
	return c.Store.Update(ctx, func(tx dm.Tx) error { return fn(countingTx{tx, c}) })
}

type countingTx struct {
	dm.Tx
	c *claimCounter
}

func (t countingTx) ClaimJobs(ctx context.Context, kinds []string, worker string, now time.Time, lease time.Duration, limit int) ([]dm.Job, error) {
	t.c.claims.Add(1)
	return t.Tx.ClaimJobs(ctx, kinds, worker, now, lease, limit)
}

// TestLeasedJobsCostNoClaim: jobs leased on enqueue run without any claim
// transaction, however many there are: a freed slot or an offered job does
// not make the runner claim (a write that, on SQLite, would wait behind the
// sends and hold up the leased jobs meanwhile); an enqueue that was not
// leased (a kick) does.
func TestLeasedJobsCostNoClaim(t *testing.T) {
	s := &claimCounter{Store: openSQLite(t)}
	r := jobs.New(s, jobs.Config{Poll: time.Hour, Lease: time.Minute, Workers: 4})
	r.Handle("mail", jobs.Handler{Run: func(context.Context, *dm.Job) error { return nil }})
	start(t, r)
	for deadline := time.Now().Add(10 * time.Second); s.claims.Load() < 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no first claim")
		}
	}
	for i := range 40 {
		id := fmt.Sprintf("j%d", i)
		if !enqueueLeased(t, s, r, &dm.Job{ID: id, Kind: "mail"}, true) {
			t.Fatalf("%s not leased", id)
		}
	}
	for i := range 40 {
		waitState(t, s, fmt.Sprintf("j%d", i), dm.JobDone)
	}
	if n := s.claims.Load(); n != 1 {
		t.Fatalf("claims = %d for 40 leased jobs, want the first poll's alone", n)
	}
	// A job for the queue (keyed: never leased) kicks the runner: claimed.
	if enqueueLeased(t, s, r, &dm.Job{ID: "keyed", Kind: "mail", Key: "k"}, true) {
		t.Fatal("a keyed job was leased")
	}
	waitState(t, s, "keyed", dm.JobDone)
	if n := s.claims.Load(); n < 2 {
		t.Fatalf("claims = %d after a kick, want another", n)
	}
}
