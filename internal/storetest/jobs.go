package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

var jobTests = []test{
	{"Jobs", testJobs},
	{"JobKeys", testJobKeys},
	{"JobClaimRace", testJobClaimRace},
}

func enqueue(t *testing.T, s dm.Store, j *dm.Job) bool {
	t.Helper()
	var created bool
	update(t, s, func(tx dm.Tx) error {
		var err error
		created, err = tx.EnqueueJob(context.Background(), j)
		return err
	})
	return created
}

func claim(t *testing.T, s dm.Store, kinds []string, worker string, now time.Time, lease time.Duration, limit int) []dm.Job {
	t.Helper()
	var out []dm.Job
	update(t, s, func(tx dm.Tx) error {
		var err error
		out, err = tx.ClaimJobs(context.Background(), kinds, worker, now, lease, limit)
		return err
	})
	return out
}

func getJob(t *testing.T, s dm.Store, id string) *dm.Job {
	t.Helper()
	var j *dm.Job
	view(t, s, func(tx dm.Tx) error {
		var err error
		j, err = tx.Job(context.Background(), id)
		return err
	})
	return j
}

func jobCounts(t *testing.T, s dm.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	view(t, s, func(tx dm.Tx) error {
		cs, err := tx.JobCounts(context.Background())
		for _, c := range cs {
			out[c.Kind+"/"+c.State] = c.Count
		}
		return err
	})
	return out
}

func testJobs(t *testing.T, s dm.Store) {
	ctx := context.Background()
	kinds := []string{"mail"}
	lease := time.Minute

	// A job enqueued by a transaction that fails is not there.
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx dm.Tx) error {
		if _, err := tx.EnqueueJob(ctx, &dm.Job{ID: "rolled-back", Kind: "mail", CreatedAt: at(0)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Job(ctx, "rolled-back")
		wantCode(t, "job of a rolled-back transaction", err, dm.ENOTFOUND)
		return nil
	})
	if got := claim(t, s, kinds, "w1", at(100), lease, 10); len(got) != 0 {
		t.Fatalf("claimed %d jobs of a rolled-back transaction", len(got))
	}

	// A job is not claimed before it is due, nor by a worker of other kinds.
	j := &dm.Job{Kind: "mail", Payload: []byte(`{"to":"ada"}`), CreatedAt: at(0), RunAt: at(10)}
	if !enqueue(t, s, j) {
		t.Fatal("EnqueueJob: not created")
	}
	if j.ID == "" || j.State != dm.JobQueued {
		t.Fatalf("enqueued job = %+v, want an id and queued", j)
	}
	if got := claim(t, s, kinds, "w1", at(9), lease, 10); len(got) != 0 {
		t.Fatalf("claimed %d jobs before they were due", len(got))
	}
	if got := claim(t, s, []string{"other"}, "w1", at(20), lease, 10); len(got) != 0 {
		t.Fatalf("a worker of other kinds claimed %d jobs", len(got))
	}
	got := claim(t, s, kinds, "w1", at(10), lease, 10)
	if len(got) != 1 || got[0].ID != j.ID || got[0].State != dm.JobRunning || got[0].Attempts != 1 || got[0].LeasedBy != "w1" || string(got[0].Payload) != `{"to":"ada"}` {
		t.Fatalf("claim = %+v, want the job running, attempt 1, held by w1", got)
	}
	wantUTC(t, "lease end", got[0].RunAt, at(10).Add(lease))

	// While the lease runs nobody else gets it; once it has run out (the
	// worker died), another worker does, and the first has lost it.
	if got := claim(t, s, kinds, "w2", at(11), lease, 10); len(got) != 0 {
		t.Fatalf("a leased job was claimed again: %+v", got)
	}
	got = claim(t, s, kinds, "w2", at(10).Add(lease), lease, 10)
	if len(got) != 1 || got[0].ID != j.ID || got[0].Attempts != 2 || got[0].LeasedBy != "w2" {
		t.Fatalf("claim after the lease = %+v, want the job for w2, attempt 2", got)
	}
	update(t, s, func(tx dm.Tx) error {
		wantCode(t, "FinishJob by a worker that lost its lease", tx.FinishJob(ctx, j.ID, "w1", at(100)), dm.ENOTFOUND)
		return nil
	})

	// A retry waits for its time and keeps the error.
	update(t, s, func(tx dm.Tx) error { return tx.RetryJob(ctx, j.ID, "w2", at(200), "receiver said 500", at(100)) })
	r := getJob(t, s, j.ID)
	if r.State != dm.JobQueued || r.LastError != "receiver said 500" || r.LeasedBy != "" {
		t.Fatalf("retried job = %+v", r)
	}
	wantUTC(t, "retry time", r.RunAt, at(200))
	if got := claim(t, s, kinds, "w3", at(199), lease, 10); len(got) != 0 {
		t.Fatalf("a retry was claimed before its time: %+v", got)
	}
	got = claim(t, s, kinds, "w3", at(200), lease, 10)
	if len(got) != 1 || got[0].Attempts != 3 {
		t.Fatalf("claim of the retry = %+v, want attempt 3", got)
	}
	update(t, s, func(tx dm.Tx) error { return tx.FinishJob(ctx, j.ID, "w3", at(201)) })
	if r := getJob(t, s, j.ID); r.State != dm.JobDone {
		t.Fatalf("finished job state = %q", r.State)
	}
	if got := claim(t, s, kinds, "w4", at(10_000), lease, 10); len(got) != 0 {
		t.Fatalf("a finished job was claimed: %+v", got)
	}

	// Dead letters stay out of the queue and are counted.
	d := &dm.Job{Kind: "mail", CreatedAt: at(300)}
	enqueue(t, s, d)
	claim(t, s, kinds, "w1", at(300), lease, 10)
	update(t, s, func(tx dm.Tx) error { return tx.BuryJob(ctx, d.ID, "w1", "gave up", at(301)) })
	if r := getJob(t, s, d.ID); r.State != dm.JobDead || r.LastError != "gave up" {
		t.Fatalf("buried job = %+v", r)
	}
	if got := claim(t, s, kinds, "w1", at(10_000), lease, 10); len(got) != 0 {
		t.Fatalf("a dead job was claimed: %+v", got)
	}
	enqueue(t, s, &dm.Job{Kind: "hook", CreatedAt: at(302)})
	if c := jobCounts(t, s); len(c) != 2 || c["mail/dead"] != 1 || c["hook/queued"] != 1 {
		t.Fatalf("JobCounts = %v, want mail/dead 1 and hook/queued 1 (done jobs are not counted)", c)
	}

	// Long errors are cut, not refused.
	long := &dm.Job{Kind: "long", CreatedAt: at(400)}
	enqueue(t, s, long)
	claim(t, s, []string{"long"}, "w1", at(400), lease, 1)
	update(t, s, func(tx dm.Tx) error {
		return tx.RetryJob(ctx, long.ID, "w1", at(401), "bad\x00 "+strings.Repeat("é", 3000), at(400))
	})
	if r := getJob(t, s, long.ID); len(r.LastError) > dm.MaxJobError || len(r.LastError) < dm.MaxJobError-1 || !strings.HasPrefix(r.LastError, "bad ") || !utf8.ValidString(r.LastError) {
		t.Fatalf("stored error is %d bytes (%.10q), want about %d, valid UTF-8 without NUL", len(r.LastError), r.LastError, dm.MaxJobError)
	}

	// Pruning removes finished jobs only.
	var n int64
	update(t, s, func(tx dm.Tx) error {
		var err error
		n, err = tx.PruneJobs(ctx, at(1000), 100)
		return err
	})
	if n != 1 {
		t.Fatalf("PruneJobs = %d, want 1 (the finished job)", n)
	}
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Job(ctx, j.ID)
		wantCode(t, "pruned job", err, dm.ENOTFOUND)
		return nil
	})
	if r := getJob(t, s, d.ID); r.State != dm.JobDead {
		t.Fatal("pruning removed a dead letter")
	}
}

func testJobKeys(t *testing.T, s dm.Store) {
	// A key makes enqueueing idempotent per kind, in any state of the first job.
	first := &dm.Job{Kind: "campaign.send", Key: "c1/u1", CreatedAt: at(0)}
	if !enqueue(t, s, first) {
		t.Fatal("first enqueue not created")
	}
	if enqueue(t, s, &dm.Job{Kind: "campaign.send", Key: "c1/u1", CreatedAt: at(1)}) {
		t.Fatal("a second job with the same kind and key was created")
	}
	if !enqueue(t, s, &dm.Job{Kind: "other", Key: "c1/u1", CreatedAt: at(1)}) {
		t.Fatal("the same key of another kind was refused")
	}
	if !enqueue(t, s, &dm.Job{Kind: "campaign.send", CreatedAt: at(2)}) || !enqueue(t, s, &dm.Job{Kind: "campaign.send", CreatedAt: at(2)}) {
		t.Fatal("jobs without a key were refused")
	}
	got := claim(t, s, []string{"campaign.send"}, "w", at(5), time.Minute, 10)
	if len(got) != 3 {
		t.Fatalf("claimed %d campaign jobs, want 3", len(got))
	}
	update(t, s, func(tx dm.Tx) error { return tx.FinishJob(context.Background(), first.ID, "w", at(6)) })
	if enqueue(t, s, &dm.Job{Kind: "campaign.send", Key: "c1/u1", CreatedAt: at(7)}) {
		t.Fatal("a key was reused while its finished job is kept")
	}
}

// testJobClaimRace has many workers claim at once: every job is run by
// exactly one of them (on PostgreSQL this is FOR UPDATE SKIP LOCKED's
// work; on SQLite the single writer's).
func testJobClaimRace(t *testing.T, s dm.Store) {
	const jobs, workers = 120, 8
	update(t, s, func(tx dm.Tx) error {
		for i := range jobs {
			if _, err := tx.EnqueueJob(context.Background(), &dm.Job{ID: fmt.Sprintf("job-%03d", i), Kind: "race", CreatedAt: at(0)}); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("w%d", w)
			for {
				var got []dm.Job
				err := s.Update(context.Background(), func(tx dm.Tx) error {
					var err error
					got, err = tx.ClaimJobs(context.Background(), []string{"race"}, name, at(1), time.Hour, 3)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					if prev, ok := seen[j.ID]; ok {
						errs <- fmt.Errorf("job %s claimed by %s and %s", j.ID, prev, name)
					}
					seen[j.ID] = name
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != jobs {
		t.Fatalf("%d jobs claimed, want %d", len(seen), jobs)
	}
}
