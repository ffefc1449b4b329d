package brand_test

// BenchmarkCampaignSend measures, in process and without HTTP, what a
// campaign message costs the server: a brand's campaign to its followers at
// the maximum rate, on a SQLite file as served, with the job runner, the
// brand's and the webhooks' stages wired as the server wires them. Each
// iteration is one campaign to every follower (the clock moves 8 days
// between them, past the frequency cap's window); the figure is the
// process's CPU time from the end of the plan to the last message
// (cpu-µs/msg, which includes the person-to-person sends beside it, about
// 5% of it), the messages a second, the bytes written per message (the WAL
// and the checkpoints), and the latency of 16 people sending
// 10 messages a second each, before the campaigns and while they run:
//
//	go test -run '^$' -bench CampaignSend -benchtime 3x ./internal/brand/
//
// With -cpuprofile it is the profile of the delivery engine.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

func BenchmarkCampaignSend(b *testing.B) {
	const followers = 3000
	ctx := context.Background()
	// A clock that runs with real time from 14:00 UTC, and jumps a week
	// between campaigns.
	var jump atomic.Int64
	t0, base := time.Now(), time.Date(2026, 6, 1, 14, 0, 0, 0, time.UTC)
	now := func() time.Time { return base.Add(time.Duration(jump.Load()) + time.Since(t0)) }
	pl := newPipeline(b, now, 256)
	c, bs := pl.chat, pl.brand
	signup := func(h, kind string) *dm.Account { return pl.signup(b, h, kind) }
	acme := signup("acme", dm.KindBrand)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < followers; i = next.Add(1) - 1 {
				p := signup(fmt.Sprintf("fan%d", i), dm.KindPerson)
				if err := c.Follow(ctx, p, "acme", true); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Person-to-person senders beside the campaign, as campaign-send's:
	// 16 pairs, 10 messages a second each; their send latency alone and
	// while a campaign runs.
	type pair struct {
		from *dm.Account
		conv string
	}
	var pairs []pair
	for i := range 16 {
		from, conv := pl.pair(b, i)
		pairs = append(pairs, pair{from, conv})
	}
	p2p := func(stop <-chan struct{}) []time.Duration {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		for _, p := range pairs {
			wg.Go(func() {
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					t := time.Now()
					if _, _, err := c.Send(ctx, p.from, p.conv, chat.SendParams{Text: "Hello there, how are you today?"}); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t))
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return lat
	}
	stop := make(chan struct{})
	time.AfterFunc(3*time.Second, func() { close(stop) })
	alone := p2p(stop)
	var with []time.Duration
	var cpu time.Duration
	var took time.Duration
	var wrote int64
	sent := 0
	b.ResetTimer()
	for i := range b.N {
		jump.Add(int64(8 * 24 * time.Hour))
		id := pl.startCampaign(b, acme, fmt.Sprintf("bench %d", i), "Hi {{first_name|there}}, a bench offer")
		var cpu0 time.Duration
		var wrote0 int64
		var start time.Time
		stop := make(chan struct{})
		var lat []time.Duration
		p2pDone := make(chan struct{})
		for limit := time.Now().Add(5 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(limit) {
				b.Fatal("the campaign did not end in 5 minutes")
			}
			got, err := bs.Campaign(ctx, acme, "acme", id)
			if err != nil {
				b.Fatal(err)
			}
			if start.IsZero() && got.Campaign.PlannedAt != nil {
				cpu0, wrote0, start = cpuTime(), bytesWritten(), time.Now()
				go func() { lat = p2p(stop); close(p2pDone) }()
			}
			if got.Campaign.Status == dm.CampaignDone {
				close(stop)
				<-p2pDone
				with = append(with, lat...)
				cpu += cpuTime() - cpu0
				wrote += bytesWritten() - wrote0
				took += time.Since(start)
				sent += got.Progress.Sent
				if got.Progress.Sent != followers {
					b.Fatalf("progress %+v, want %d sent", got.Progress, followers)
				}
				break
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(sent), "cpu-µs/msg")
	b.ReportMetric(float64(sent)/took.Seconds(), "msgs/s")
	b.ReportMetric(float64(wrote)/1024/float64(sent), "written-kB/msg")
	b.ReportMetric(pct(alone, 50), "p2p-p50-alone-ms")
	b.ReportMetric(pct(alone, 99), "p2p-p99-alone-ms")
	b.ReportMetric(pct(with, 50), "p2p-p50-with-ms")
	b.ReportMetric(pct(with, 99), "p2p-p99-with-ms")
}

// pct is the p-th percentile of ds in milliseconds.
func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[min(len(ds)-1, len(ds)*p/100)].Microseconds()) / 1000
}

// bytesWritten is what the process wrote to files so far (the WAL and the
// checkpoints into the database file; /proc/self/io), 0 where unknown.
func bytesWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
