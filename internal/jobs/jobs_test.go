package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/postgres/pgtest"
	"github.com/parleyhq/parley/internal/sqlite"
)

func openSQLite(t *testing.T) dm.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// clock is a settable clock shared by a test and its runners.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func enqueue(t *testing.T, s dm.Store, j *dm.Job) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx dm.Tx) error {
		_, err := tx.EnqueueJob(context.Background(), j)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func job(t *testing.T, s dm.Store, id string) *dm.Job {
	t.Helper()
	var j *dm.Job
	if err := s.View(context.Background(), func(tx dm.Tx) error {
		var err error
		j, err = tx.Job(context.Background(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return j
}

// waitState waits (bounded) until job id is in state, and returns it.
func waitState(t *testing.T, s dm.Store, id, state string) *dm.Job {
	t.Helper()
	return waitJob(t, s, id, state, func(j *dm.Job) bool { return j.State == state })
}

// waitJob waits (bounded) until job id satisfies ok.
func waitJob(t *testing.T, s dm.Store, id, what string, ok func(*dm.Job) bool) *dm.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j := job(t, s, id)
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s (attempts %d, error %q), want %s", id, j.State, j.Attempts, j.LastError, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func start(t *testing.T, r *jobs.Runner) {
	t.Helper()
	r.Start()
	t.Cleanup(func() { r.Close(context.Background()) })
}

func noBackoff(int) time.Duration { return 0 }

func TestRunsOnceAndRetriesUntilSuccess(t *testing.T) {
	s := openSQLite(t)
	reg := metrics.New()
	r := jobs.New(s, jobs.Config{Poll: 10 * time.Millisecond, Metrics: reg})
	var calls atomic.Int32
	r.Handle("flaky", jobs.Handler{Backoff: noBackoff, Run: func(ctx context.Context, j *dm.Job) error {
		if calls.Add(1) <= 3 {
			return errors.New("receiver answered 500")
		}
		return nil
	}})
	start(t, r)
	enqueue(t, s, &dm.Job{ID: "j1", Kind: "flaky"})
	r.Kick()
	j := waitState(t, s, "j1", dm.JobDone)
	if j.Attempts != 4 || calls.Load() != 4 {
		t.Fatalf("attempts %d, calls %d; want 4 and 4 (three failures, one success)", j.Attempts, calls.Load())
	}
	// The runner counts an outcome once the store has it, so the job can
	// read done a moment before its "done" is counted.
	for _, want := range []string{`parley_jobs_total{kind="flaky",outcome="retry"} 3`, `parley_jobs_total{kind="flaky",outcome="done"} 1`} {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			var b strings.Builder
			reg.WriteTo(&b)
			if strings.Contains(b.String(), want) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("metrics lack %s:\n%s", want, b.String())
				break
			}
		}
	}
}

func TestDeadLetters(t *testing.T) {
	s := openSQLite(t)
	r := jobs.New(s, jobs.Config{Poll: 10 * time.Millisecond})
	var tries atomic.Int32
	r.Handle("hopeless", jobs.Handler{MaxAttempts: 3, Backoff: noBackoff, Run: func(context.Context, *dm.Job) error {
		tries.Add(1)
		return errors.New("still down")
	}})
	r.Handle("refused", jobs.Handler{Run: func(context.Context, *dm.Job) error {
		return jobs.Permanent(errors.New("the conversation is gone"))
	}})
	r.Handle("panics", jobs.Handler{MaxAttempts: 2, Backoff: noBackoff, Run: func(context.Context, *dm.Job) error {
		panic("bug")
	}})
	start(t, r)
	enqueue(t, s, &dm.Job{ID: "h", Kind: "hopeless"})
	enqueue(t, s, &dm.Job{ID: "r", Kind: "refused"})
	enqueue(t, s, &dm.Job{ID: "p", Kind: "panics"})
	r.Kick()
	if j := waitState(t, s, "h", dm.JobDead); j.Attempts != 3 || j.LastError != "still down" {
		t.Errorf("hopeless job: %+v, want 3 attempts and its error", j)
	}
	if j := waitState(t, s, "r", dm.JobDead); j.Attempts != 1 {
		t.Errorf("a permanent failure took %d attempts, want 1", j.Attempts)
	}
	if j := waitState(t, s, "p", dm.JobDead); j.Attempts != 2 || !strings.Contains(j.LastError, "panic: bug") {
		t.Errorf("panicking job: %+v", j)
	}
	if n := tries.Load(); n != 3 {
		t.Errorf("hopeless handler ran %d times, want 3", n)
	}
}

func TestBackoffWaitsOnTheClock(t *testing.T) {
	s := openSQLite(t)
	clk := newClock()
	r := jobs.New(s, jobs.Config{Poll: 5 * time.Millisecond, Now: clk.Now})
	var calls atomic.Int32
	r.Handle("later", jobs.Handler{Backoff: func(int) time.Duration { return time.Hour }, Run: func(context.Context, *dm.Job) error {
		if calls.Add(1) == 1 {
			return errors.New("not yet")
		}
		return nil
	}})
	start(t, r)
	enqueue(t, s, &dm.Job{ID: "l", Kind: "later", CreatedAt: clk.Now()})
	r.Kick()
	j := waitJob(t, s, "l", "queued after one attempt", func(j *dm.Job) bool { return j.State == dm.JobQueued && j.Attempts == 1 })
	if !j.RunAt.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("retry at %v, want an hour after %v", j.RunAt, clk.Now())
	}
	// Many polls later, on the same clock, it has not run again.
	time.Sleep(50 * time.Millisecond)
	if calls.Load() != 1 {
		t.Fatalf("the job ran %d times before its backoff ended", calls.Load())
	}
	clk.Add(time.Hour)
	r.Kick()
	waitState(t, s, "l", dm.JobDone)
}

// TestRetryAt: a handler may put its job off to a time of its choosing.
func TestRetryAt(t *testing.T) {
	s := openSQLite(t)
	clk := newClock()
	r := jobs.New(s, jobs.Config{Poll: 5 * time.Millisecond, Now: clk.Now})
	var calls atomic.Int32
	morning := clk.Now().Add(9 * time.Hour)
	r.Handle("quiet", jobs.Handler{Run: func(context.Context, *dm.Job) error {
		if calls.Add(1) == 1 {
			return jobs.RetryAt(morning, errors.New("quiet hours"))
		}
		return nil
	}})
	start(t, r)
	enqueue(t, s, &dm.Job{ID: "q", Kind: "quiet", CreatedAt: clk.Now()})
	r.Kick()
	j := waitJob(t, s, "q", "put off", func(j *dm.Job) bool { return j.State == dm.JobQueued && j.Attempts == 1 })
	if !j.RunAt.Equal(morning) || j.LastError != "quiet hours" {
		t.Fatalf("put-off job %+v, want due at %v", j, morning)
	}
	clk.Add(9 * time.Hour)
	r.Kick()
	waitState(t, s, "q", dm.JobDone)
}

// TestDeadWorkersJobRunsAfterItsLease: a job claimed by a worker that died
// (a crashed node) is run by another once the lease has run out, and the
// dead worker can no longer record an outcome for it.
func TestDeadWorkersJobRunsAfterItsLease(t *testing.T) {
	s := openSQLite(t)
	clk := newClock()
	enqueue(t, s, &dm.Job{ID: "orphan", Kind: "mail", CreatedAt: clk.Now()})
	if err := s.Update(context.Background(), func(tx dm.Tx) error {
		got, err := tx.ClaimJobs(context.Background(), []string{"mail"}, "crashed-node", clk.Now(), time.Minute, 1)
		if len(got) != 1 {
			return fmt.Errorf("claimed %d", len(got))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := jobs.New(s, jobs.Config{Poll: 5 * time.Millisecond, Now: clk.Now, Lease: time.Minute})
	var ran atomic.Int32
	r.Handle("mail", jobs.Handler{Run: func(context.Context, *dm.Job) error { ran.Add(1); return nil }})
	start(t, r)
	time.Sleep(50 * time.Millisecond)
	if ran.Load() != 0 {
		t.Fatal("a leased job ran before its lease ended")
	}
	clk.Add(time.Minute)
	r.Kick()
	j := waitState(t, s, "orphan", dm.JobDone)
	if j.Attempts != 2 || ran.Load() != 1 {
		t.Fatalf("attempts %d, runs %d; want 2 and 1", j.Attempts, ran.Load())
	}
	err := s.Update(context.Background(), func(tx dm.Tx) error {
		return tx.FinishJob(context.Background(), "orphan", "crashed-node", clk.Now())
	})
	if !dm.IsCode(err, dm.ENOTFOUND) {
		t.Fatalf("the dead worker finished a job it lost: %v", err)
	}
}

// TestCloseDrains: Close waits for a running job, and a runner with no
// workers (an API-only node) never runs one.
func TestCloseDrains(t *testing.T) {
	s := openSQLite(t)
	r := jobs.New(s, jobs.Config{Poll: 5 * time.Millisecond})
	started, release := make(chan struct{}), make(chan struct{})
	r.Handle("slow", jobs.Handler{Run: func(context.Context, *dm.Job) error {
		close(started)
		<-release
		return nil
	}})
	r.Start()
	enqueue(t, s, &dm.Job{ID: "s", Kind: "slow"})
	r.Kick()
	<-started
	closed := make(chan error)
	go func() { closed <- r.Close(context.Background()) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a job was running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if j := job(t, s, "s"); j.State != dm.JobDone {
		t.Fatalf("drained job is %s, want done", j.State)
	}

	idle := jobs.New(s, jobs.Config{Workers: -1, Poll: 5 * time.Millisecond})
	idle.Handle("slow", jobs.Handler{Run: func(context.Context, *dm.Job) error { t.Error("a node without workers ran a job"); return nil }})
	start(t, idle)
	enqueue(t, s, &dm.Job{ID: "s2", Kind: "slow"})
	idle.Kick()
	time.Sleep(50 * time.Millisecond)
	if j := job(t, s, "s2"); j.State != dm.JobQueued {
		t.Fatalf("job on a node without workers is %s", j.State)
	}
}

// TestTwoRunnersOnPostgres: two runners (two nodes) on one PostgreSQL
// database run each of 200 jobs exactly once.
func TestTwoRunnersOnPostgres(t *testing.T) {
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		t.Skip("PARLEY_TEST_POSTGRES not set: PostgreSQL not reachable for the two-node job test")
	}
	url := pgtest.Schema(t, base, "jobs_")
	var stores [2]dm.Store
	for i := range stores {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		stores[i] = db
	}
	const n = 200
	for i := range n {
		enqueue(t, stores[0], &dm.Job{ID: fmt.Sprintf("j%03d", i), Kind: "deliver"})
	}
	var mu sync.Mutex
	runs := map[string][]int{}
	var total atomic.Int32
	for node, s := range stores {
		r := jobs.New(s, jobs.Config{Workers: 8, Poll: 5 * time.Millisecond})
		r.Handle("deliver", jobs.Handler{Run: func(_ context.Context, j *dm.Job) error {
			mu.Lock()
			runs[j.ID] = append(runs[j.ID], node)
			mu.Unlock()
			total.Add(1)
			return nil
		}})
		start(t, r)
		r.Kick()
	}
	deadline := time.Now().Add(20 * time.Second)
	for total.Load() < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a duplicate would show up now
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != n {
		t.Fatalf("%d jobs ran, want %d", len(runs), n)
	}
	per := [2]int{}
	for id, nodes := range runs {
		if len(nodes) != 1 {
			t.Fatalf("job %s ran %d times (nodes %v)", id, len(nodes), nodes)
		}
		per[nodes[0]]++
	}
	t.Logf("jobs per node: %v", per)
}

// TestRecordCommitsWithOutcome: a handler's Record runs in the transaction
// that records the outcome, with that outcome and the attempt's error; a
// failing Record leaves the outcome unrecorded (the job stays leased and
// runs again once the lease runs out), and its writes roll back with it.
func TestRecordCommitsWithOutcome(t *testing.T) {
	s := openSQLite(t)
	clk := newClock()
	r := jobs.New(s, jobs.Config{Now: clk.Now, Lease: time.Minute})
	var fail atomic.Bool
	var outcomes []string
	r.Handle("rec", jobs.Handler{
		MaxAttempts: 2,
		Backoff:     func(int) time.Duration { return time.Second },
		Run: func(ctx context.Context, j *dm.Job) error {
			return errors.New("receiver said no")
		},
		Record: func(ctx context.Context, tx dm.Tx, j *dm.Job, outcome string, runErr error) error {
			// A write of the handler's own, to see it commit or roll back.
			if _, err := tx.EnqueueJob(ctx, &dm.Job{Kind: "log", Key: j.ID + "/" + outcome}); err != nil {
				return err
			}
			if fail.Load() {
				return errors.New("log is full")
			}
			outcomes = append(outcomes, outcome+": "+runErr.Error())
			return nil
		},
	})
	enqueue(t, s, &dm.Job{ID: "j1", Kind: "rec", CreatedAt: clk.Now()})
	fail.Store(true)
	if _, err := r.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if j := job(t, s, "j1"); j.State != dm.JobRunning || j.Attempts != 1 {
		t.Fatalf("after a failed Record the job is %s after %d attempts, want still leased", j.State, j.Attempts)
	}
	fail.Store(false)
	clk.Add(2 * time.Minute) // the lease runs out
	r.RunDue(context.Background())
	clk.Add(2 * time.Second)
	r.RunDue(context.Background())
	if want := []string{"dead: receiver said no"}; fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Errorf("recorded outcomes %v, want %v (the job's 2nd claim is its last)", outcomes, want)
	}
	if j := job(t, s, "j1"); j.State != dm.JobDead {
		t.Errorf("job is %s, want dead", j.State)
	}
	// The failed Record's write rolled back; the successful one's stayed.
	s.View(context.Background(), func(tx dm.Tx) error {
		cs, _ := tx.JobCounts(context.Background())
		n := int64(0)
		for _, c := range cs {
			if c.Kind == "log" {
				n += c.Count
			}
		}
		if n != 1 {
			t.Errorf("%d log rows, want 1", n)
		}
		return nil
	})
}

// TestOutcomesRecordedInBatches: many jobs ending at once are recorded
// together; a Record that fails once costs none of the other jobs an
// attempt (a failed batch is recorded again job by job), and its own job at
// most one (when its outcome was recorded alone, it stays leased and runs
// again once the lease has run out); After runs once per attempt.
func TestOutcomesRecordedInBatches(t *testing.T) {
	s := openSQLite(t)
	r := jobs.New(s, jobs.Config{Workers: 64, Poll: 5 * time.Millisecond, Lease: 3 * time.Second})
	release := make(chan struct{})
	var failed atomic.Bool
	var mu sync.Mutex
	records, afters := map[string]int{}, map[string]int{}
	r.Handle("batch", jobs.Handler{Backoff: noBackoff,
		Run: func(ctx context.Context, j *dm.Job) error {
			<-release // all 50 end together, so their outcomes queue up
			return nil
		},
		Record: func(ctx context.Context, tx dm.Tx, j *dm.Job, outcome string, runErr error) error {
			if j.ID == "b7" && failed.CompareAndSwap(false, true) {
				return errors.New("the handler's log is unavailable")
			}
			mu.Lock()
			records[j.ID]++
			mu.Unlock()
			return nil
		},
		After: func(j *dm.Job, outcome string) {
			mu.Lock()
			afters[j.ID+"/"+outcome]++
			mu.Unlock()
		}})
	for i := range 50 {
		enqueue(t, s, &dm.Job{ID: fmt.Sprintf("b%d", i), Kind: "batch"})
	}
	start(t, r)
	r.Kick()
	for i := range 50 {
		waitState(t, s, fmt.Sprintf("b%d", i), dm.JobRunning)
	}
	close(release)
	b7 := 0
	for i := range 50 {
		j := waitState(t, s, fmt.Sprintf("b%d", i), dm.JobDone)
		if j.ID == "b7" {
			b7 = j.Attempts
			if j.Attempts > 2 {
				t.Errorf("b7: %d attempts, want 1 or 2", j.Attempts)
			}
		} else if j.Attempts != 1 {
			t.Errorf("%s: %d attempts, want 1", j.ID, j.Attempts)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if b7 == 2 && afters["b7/unrecorded"] != 1 {
		t.Errorf("b7 ran twice, but its first outcome was not reported unrecorded: %v", afters)
	}
	for i := range 50 {
		id := fmt.Sprintf("b%d", i)
		if afters[id+"/done"] != 1 {
			t.Errorf("After of %s: %v", id, afters)
			break
		}
		// A batch that failed is recorded again job by job: the rolled
		// back Record calls are counted here too, the committed one once.
		if records[id] < 1 {
			t.Errorf("Record of %s ran %d times", id, records[id])
		}
	}
	if !failed.Load() {
		t.Error("the failing Record never ran")
	}
}
