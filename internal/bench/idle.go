package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/parleyhq/parley/client"
)

// Idle measures server memory per idle authenticated WebSocket: the
// server's RSS before and after opening o.Conns streams (each waits for its
// ready frame, so the server has fully set it up), divided by o.Conns.
func Idle(ctx context.Context, o Options) (*Result, error) {
	if o.ServerPID == 0 {
		return nil, errors.New("idle needs the server's process id to read its memory: let the bench start the server (no --url) or pass --pid")
	}
	hc := httpClient(8)
	defer hc.CloseIdleConnections()
	accs, err := idleAccounts(ctx, o, hc)
	if err != nil {
		return nil, err
	}
	// Every login left 19 MiB of argon2 memory behind as garbage: unless
	// the server collects and returns it first, the sockets would reuse it
	// and seem to cost nothing.
	before, err := settledRSS(ctx, o)
	if err != nil {
		return nil, err
	}
	bar := newBar(o.Progress, "idle: connecting", int64(o.Conns), 0)
	streams, err := openStreams(ctx, accs, o.Conns, bar)
	bar.Done()
	defer closeStreams(streams)
	if err != nil {
		return nil, err
	}
	after, err := settledRSS(ctx, o)
	if err != nil {
		return nil, err
	}
	r := &Result{Params: map[string]any{"conns": o.Conns, "accounts": o.Accounts}}
	r.add("rss_before", float64(before)/(1<<20), "MiB")
	r.add("rss_after", float64(after)/(1<<20), "MiB")
	r.budget("per_conn", float64(after-before)/float64(o.Conns)/1024, "KiB", "<=", 10)
	return r, nil
}

// idleAccounts logs in the accounts that share the idle sockets.
func idleAccounts(ctx context.Context, o Options, hc *http.Client) ([]account, error) {
	n := max(1, min(o.Accounts, o.Conns))
	prefix := "b" + runID() + "i"
	handles := make([]string, n)
	for i := range handles {
		handles[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	bar := newBar(o.Progress, "idle: accounts", int64(n), 0)
	defer bar.Done()
	return makeAccounts(ctx, o.URL, hc, handles, bar)
}

// openStreams opens n streams, round robin over accs, a few dozen at a time.
func openStreams(ctx context.Context, accs []account, n int, bar *Bar) ([]*client.Stream, error) {
	out := make([]*client.Stream, n)
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0)+16)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			s, err := openStream(ctx, accs[i%len(accs)].c)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("stream %d: %w", i, err)
				}
				return
			}
			out[i] = s
			bar.Add(1)
		})
	}
	wg.Wait()
	return out, firstErr
}

func closeStreams(streams []*client.Stream) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, s := range streams {
		if s == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			s.Close()
			<-sem
		})
	}
	wg.Wait()
}

// settledRSS collects the server's garbage (through pprof's heap endpoint,
// when o.DebugURL is set) and waits until its RSS stops falling for
// o.Settle as the runtime returns freed memory, at most 30 seconds.
func settledRSS(ctx context.Context, o Options) (int64, error) {
	if o.DebugURL != "" {
		for range 2 {
			resp, err := http.Get(o.DebugURL + "/debug/pprof/heap?gc=1")
			if err != nil {
				return 0, fmt.Errorf("asking the server for a GC: %w", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	low, err := RSS(o.ServerPID)
	if err != nil {
		return 0, err
	}
	settle := cmp.Or(o.Settle, 2*time.Second)
	lowAt, deadline := time.Now(), time.Now().Add(30*time.Second)
	for time.Since(lowAt) < settle && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		rss, err := RSS(o.ServerPID)
		if err != nil {
			return 0, err
		}
		if rss < low-64<<10 {
			lowAt = time.Now()
		}
		low = min(low, rss)
	}
	return low, nil
}
