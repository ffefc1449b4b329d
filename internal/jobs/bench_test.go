package jobs_test

// BenchmarkDrain is the runner's own cost per job: b.N jobs queued on a
// SQLite file (synchronous=FULL, as served), drained by 256 workers whose
// handler does nothing, so that what is measured is claiming and recording.
// It reports jobs/s and the process's CPU time per job:
//
//	go test -run '^$' -bench Drain -benchtime 20000x -count 4 ./internal/jobs/

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/sqlite"
)

func BenchmarkDrain(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "jobs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < b.N; i += 500 {
		if err := db.Update(ctx, func(tx dm.Tx) error {
			for k := i; k < min(i+500, b.N); k++ {
				if _, err := tx.EnqueueJob(ctx, &dm.Job{ID: fmt.Sprintf("j%08d", k), Kind: "noop"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	done := make(chan struct{}, b.N)
	r := jobs.New(db, jobs.Config{Workers: 256, Poll: 5 * time.Millisecond})
	r.Handle("noop", jobs.Handler{Run: func(ctx context.Context, j *dm.Job) error { return nil },
		Record: func(ctx context.Context, tx dm.Tx, j *dm.Job, outcome string, runErr error) error {
			done <- struct{}{}
			return nil
		}})
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	r.Start()
	for range b.N {
		<-done
	}
	el := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	r.Close(ctx)
	b.ReportMetric(float64(b.N)/el.Seconds(), "jobs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/job")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
