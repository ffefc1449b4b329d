package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/client"
)

// Send measures acknowledged sends per second: o.Senders senders, each in a
// loop posting to its own direct conversation (accepted by the recipient),
// every POST with a client_id as a real client sends it. A 201 means the
// message is committed, so the rate is of durable sends.
func Send(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(o.Senders)
	defer hc.CloseIdleConnections()
	bar := newBar(o.Progress, "send: accounts", int64(2*o.Senders), 0)
	pairs, err := makePairs(ctx, o.URL, hc, "b"+runID(), o.Senders, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	for i := range pairs {
		pairs[i].turns = o.Turns
	}
	db, err := newDBCPU(ctx, o.PostgresURL)
	if err != nil {
		return nil, err
	}
	defer db.close()
	var dbErr error
	if db != nil {
		_, dbErr = db.sample(ctx)
	}
	c0, cpuErr := processCPU(o.ServerPID)
	bar = newBar(o.Progress, "send: sending", 0, o.Duration)
	lat, errs, elapsed := sendLoop(ctx, pairs, o.Duration, 0, bar, o.Slow)
	bar.Done()
	c1, cpuErr1 := processCPU(o.ServerPID)
	var dbUsed time.Duration
	if db != nil && dbErr == nil {
		dbUsed, dbErr = db.sample(ctx)
	}
	r := &Result{Params: map[string]any{"senders": o.Senders, "duration": o.Duration.String(), "turns": o.Turns}, Errors: errs}
	// Issue 15's budgets: 20,000 on SQLite, 5,000 on PostgreSQL.
	r.budget("throughput", float64(len(lat))/elapsed.Seconds(), "msgs/s", ">=", map[bool]float64{false: 20000, true: 5000}[db != nil])
	r.add("post_p50", lat.pct(50), "ms")
	r.budget("post_p99", lat.pct(99), "ms", "<=", 15)
	r.add("post_max", lat.pct(100), "ms")
	r.add("messages", float64(len(lat)), "msgs")
	if n := float64(len(lat)); n > 0 && cpuErr == nil && cpuErr1 == nil {
		// The steadier figure on a shared machine: CPU time per message,
		// of the server process (utime + stime from /proc/PID/stat) and,
		// on PostgreSQL, of the database backends serving it.
		server := float64((c1 - c0).Microseconds()) / n
		if db == nil {
			r.budget("server_cpu_per_msg", server, "µs", "<=", 150)
		} else {
			r.add("server_cpu_per_msg", server, "µs")
			if dbErr == nil {
				r.add("db_cpu_per_msg", float64(dbUsed.Microseconds())/n, "µs")
				r.budget("total_cpu_per_msg", server+float64(dbUsed.Microseconds())/n, "µs", "<=", 500)
			}
		}
	}
	return r, nil
}

// sendLoop runs one goroutine per pair for d, each sending to its
// conversation; with rate > 0 the senders together pace themselves to about
// rate messages per second. It returns the sorted POST latencies of the
// successful sends, the number of failed ones and the elapsed time.
//
// With slow > 0 it prints each send slower than slow to stderr, with when
// it started after the loop's start.
func sendLoop(ctx context.Context, pairs []pair, d time.Duration, rate int, bar *Bar, slow time.Duration) (latencies, int64, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var errs atomic.Int64
	// Client ids are unique per call: a second loop over the same pairs
	// (rounds, phases) must send new messages, not replay the first
	// loop's, which the server answers from its idempotency record.
	run := runID()
	per := make([]latencies, len(pairs))
	var wg sync.WaitGroup
	start := time.Now()
	for i, p := range pairs {
		wg.Go(func() {
			var interval time.Duration
			if rate > 0 {
				interval = time.Duration(float64(time.Second) * float64(len(pairs)) / float64(rate))
			}
			// Stagger paced senders so they do not all fire together.
			next := start.Add(interval * time.Duration(i) / time.Duration(len(pairs)))
			for n := 0; ctx.Err() == nil; n++ {
				if interval > 0 {
					if w := time.Until(next); w > 0 {
						select {
						case <-time.After(w):
						case <-ctx.Done():
							return
						}
					}
					next = next.Add(interval)
				}
				t0 := time.Now()
				from := p.from.c
				if p.turns && n%2 == 1 {
					from = p.to.c
				}
				_, _, err := from.Send(ctx, p.conv, client.SendParams{
					Text: fmt.Sprintf("message %d from sender %d", n, i), ClientID: fmt.Sprintf("c%s-%d-%d", run, i, n),
				})
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				took := time.Since(t0)
				per[i] = append(per[i], took)
				if slow > 0 && took > slow {
					fmt.Fprintf(os.Stderr, "\nslow send: started at %.3f s, took %.1f ms\n", t0.Sub(start).Seconds(), float64(took.Microseconds())/1000)
				}
				bar.Add(1)
			}
		})
	}
	wg.Wait()
	return merge(per), errs.Load(), time.Since(start)
}
