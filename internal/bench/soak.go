package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/client"
)

// SeriesPoint is one sample of a long scenario (soak): what the server
// looked like at T seconds into the measured phase.
type SeriesPoint struct {
	T          float64 `json:"t_s"`
	P99        float64 `json:"e2e_p99_ms"`
	RSSMiB     float64 `json:"rss_mib"`
	Goroutines float64 `json:"goroutines"`
}

// Soak runs the server for o.Duration the way a day of use does, and samples
// it in windows: o.Conns sockets open, o.Senders load senders posting about
// o.Rate messages per second in total (pick half the measured capacity),
// a probe timing delivery, churn (every 50 ms an idle socket closes and
// reconnects; every 500 ms a fresh session logs in, opens a socket and logs
// out) and mixed traffic on one conversation (inbox, history, edit,
// reaction, read marker). Each window records the probe's p99, the server's
// RSS and its goroutines (from /metrics), so that a leak shows as a slope
// after the warm-up: the first quarter of the windows.
func Soak(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(o.Senders + 8)
	defer hc.CloseIdleConnections()
	p, recv, err := probePair(ctx, o.URL, hc)
	if err != nil {
		return nil, err
	}
	defer recv.Close()
	bar := newBar(o.Progress, "soak: accounts", int64(2*o.Senders+2), 0)
	pairs, err := makePairs(ctx, o.URL, hc, "b"+runID()+"k", o.Senders+1, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	mixed, pairs := pairs[0], pairs[1:]
	var streams []*client.Stream
	var streamsMu sync.Mutex
	defer func() {
		streamsMu.Lock()
		defer streamsMu.Unlock()
		closeStreams(streams)
	}()
	for _, lp := range pairs {
		s, err := openStream(ctx, lp.to.c)
		if err != nil {
			return nil, fmt.Errorf("stream: %w", err)
		}
		streams = append(streams, s)
		go drain(s)
	}
	accs, err := idleAccounts(ctx, o, hc)
	if err != nil {
		return nil, err
	}
	firstIdle := len(streams)
	if fill := o.Conns - 1 - len(pairs); fill > 0 {
		bar := newBar(o.Progress, "soak: sockets", int64(fill), 0)
		idle, err := openStreams(ctx, accs, fill, bar)
		bar.Done()
		streams = append(streams, idle...)
		if err != nil {
			return nil, err
		}
	}

	window := max(o.Duration/20, time.Second)
	windows := max(int(o.Duration/window), 2)
	bar = newBar(o.Progress, "soak: running", 0, time.Duration(windows)*window)
	defer bar.Done()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	var errs atomic.Int64
	var firstErr atomic.Value
	fail := func(what string, err error) {
		if errs.Add(1) == 1 {
			firstErr.Store(what + ": " + err.Error())
		}
	}
	var sent atomic.Int64
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		lat, n, _ := sendLoop(runCtx, pairs, time.Duration(windows)*window, o.Rate, bar, 0)
		sent.Add(int64(len(lat)))
		if n > 0 {
			fail("load send", fmt.Errorf("%d failed", n))
		}
	}()

	var reconnects, logins, ops atomic.Int64
	var bg sync.WaitGroup
	// Churn of idle sockets: close one, open it again.
	bg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			streamsMu.Lock()
			n := len(streams) - firstIdle
			streamsMu.Unlock()
			if n <= 0 {
				continue
			}
			k := firstIdle + rand.IntN(n)
			streamsMu.Lock()
			old := streams[k]
			streamsMu.Unlock()
			old.Close()
			s, err := openStream(runCtx, accs[k%len(accs)].c)
			if err != nil {
				if runCtx.Err() == nil {
					fail("reconnect", err)
				}
				continue
			}
			go drain(s)
			streamsMu.Lock()
			streams[k] = s
			streamsMu.Unlock()
			reconnects.Add(1)
		}
	})
	// Sessions: log in, open a socket, log out; the logout must end it.
	bg.Go(func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			a := accs[rand.IntN(len(accs))]
			c := client.New(o.URL, client.WithHTTPClient(hc))
			if _, _, err := c.Login(runCtx, a.handle, benchPassword); err != nil {
				if runCtx.Err() == nil {
					fail("login", err)
				}
				continue
			}
			s, err := openStream(runCtx, c)
			if err != nil {
				if runCtx.Err() == nil {
					fail("login stream", err)
				}
				continue
			}
			if err := c.Logout(runCtx); err != nil && runCtx.Err() == nil {
				fail("logout", err)
			}
			// The server closes the socket of an ended session.
			endCtx, cancel := context.WithTimeout(runCtx, 5*time.Second)
			for {
				if _, err := s.Next(endCtx); err != nil {
					break
				}
			}
			if endCtx.Err() != nil && runCtx.Err() == nil {
				fail("logout", fmt.Errorf("the socket of an ended session stayed open 5 s"))
			}
			cancel()
			s.Close()
			logins.Add(1)
		}
	})
	// Mixed traffic on one conversation.
	bg.Go(func() {
		a, b := mixed.from.c, mixed.to.c
		for i := 0; runCtx.Err() == nil; i++ {
			m, _, err := a.Send(runCtx, mixed.conv, client.SendParams{Text: "mixed " + strconv.Itoa(i), ClientID: "k" + runID() + strconv.Itoa(i)})
			if err == nil {
				_, err = a.EditMessage(runCtx, m.ID, "mixed, edited "+strconv.Itoa(i))
			}
			if err == nil {
				err = b.React(runCtx, m.ID, "👍")
			}
			if err == nil {
				err = b.MarkRead(runCtx, mixed.conv, m.ID)
			}
			if err == nil {
				_, _, err = b.Conversations(runCtx, "", "", 20)
			}
			if err == nil {
				_, _, err = b.Messages(runCtx, mixed.conv, "", 50)
			}
			if err != nil {
				if runCtx.Err() == nil {
					fail("mixed", err)
				}
				continue
			}
			ops.Add(6)
			time.Sleep(20 * time.Millisecond)
		}
	})

	r := &Result{Params: map[string]any{"conns": o.Conns, "senders": o.Senders, "rate": o.Rate, "duration": (time.Duration(windows) * window).String(), "window": window.String()}}
	start := time.Now()
	var all latencies
	for range windows {
		e2e, _, perrs, err := probe(runCtx, p, recv, window, 10*time.Millisecond, nil)
		if err != nil {
			return nil, err
		}
		errs.Add(perrs)
		all = append(all, e2e...)
		pt := SeriesPoint{T: time.Since(start).Seconds(), P99: e2e.pct(99), RSSMiB: -1, Goroutines: -1}
		if o.ServerPID > 0 {
			if rss, err := RSS(o.ServerPID); err == nil {
				pt.RSSMiB = float64(rss) / (1 << 20)
			}
		}
		if g, err := goroutines(runCtx, hc, o.URL); err == nil {
			pt.Goroutines = g
		} else {
			fail("metrics", err)
		}
		r.Series = append(r.Series, pt)
	}
	stop()
	<-loadDone
	bg.Wait()
	elapsed := time.Since(start)

	r.Errors = errs.Load()
	if v, ok := firstErr.Load().(string); ok {
		r.FirstError = v
	}
	warm := r.Series[len(r.Series)/4]
	last := r.Series[len(r.Series)-1]
	lo, hi := r.Series[0].P99, r.Series[0].P99
	for _, pt := range r.Series {
		lo, hi = min(lo, pt.P99), max(hi, pt.P99)
	}
	all = merge([]latencies{all})
	r.add("load_rate", float64(sent.Load())/elapsed.Seconds(), "msgs/s")
	r.add("e2e_p50", all.pct(50), "ms")
	r.add("e2e_p99", all.pct(99), "ms")
	r.add("window_p99_min", lo, "ms")
	r.add("window_p99_max", hi, "ms")
	r.add("rss_after_warmup", warm.RSSMiB, "MiB")
	r.add("rss_end", last.RSSMiB, "MiB")
	r.add("goroutines_after_warmup", warm.Goroutines, "")
	r.add("goroutines_end", last.Goroutines, "")
	r.add("reconnects", float64(reconnects.Load()), "")
	r.add("login_logout_cycles", float64(logins.Load()), "")
	r.add("mixed_ops", float64(ops.Load()), "")
	return r, nil
}

// goroutines reads parley_go_goroutines from the server's /metrics.
func goroutines(ctx context.Context, hc *http.Client, base string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "parley_go_goroutines "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no parley_go_goroutines in /metrics")
}
