package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Parley's own heap is small (SQLite's pages live outside it), so with the
// default GOGC=100 a busy server collected 20 times a second or more: a
// campaign allocates about 40 MiB a second over 2 MiB of live heap. Every
// cycle stops and scans every goroutine, which cost CPU and latency for
// nothing on a machine that has the memory. The pacer below gives the heap
// the headroom that keeps collections to about gcPerSecond while the
// server is busy, up to maxHeadroom, and takes it back when the server
// idles: it collects and returns the freed memory to the system at once
// (not over minutes, as the runtime's scavenger would), so an idle
// server's memory is what GOGC=100 gives. A larger maxHeadroom (64 MiB)
// saved no measurable CPU more, and doubled the memory an idle socket
// leaves behind it (docs/deployment.md, "Memory"; docs/benchmarks.md).
const (
	gcPerSecond  = 1
	maxHeadroom  = 16 << 20
	gcPacerEvery = 250 * time.Millisecond
	maxGCPercent = 10_000
)

// paceGC runs the pacer until ctx ends, then puts GOGC back to 100. An
// operator's own GOGC (the environment variable) turns it off, and
// GOMEMLIMIT bounds the heap whatever the percent.
func paceGC(ctx context.Context, every time.Duration) {
	if os.Getenv("GOGC") != "" {
		return
	}
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	read := func() (live, allocs uint64) {
		metrics.Read(samples)
		return samples[0].Value.Uint64(), samples[1].Value.Uint64()
	}
	_, allocs := read()
	p := gcPacer{allocs: allocs, at: time.Now()}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		last := 100
		for {
			select {
			case <-ctx.Done():
				debug.SetGCPercent(100)
				return
			case now := <-t.C:
				live, allocs := read()
				pct := p.next(live, allocs, now)
				if pct == last {
					continue
				}
				debug.SetGCPercent(pct)
				if pct == 100 {
					debug.FreeOSMemory() // idle again: rare, see gcPacer
				}
				last = pct
			}
		}
	}()
}

// gcPacer turns the allocation rate into a GOGC: the rate (over the last
// look) divided by gcPerSecond is the headroom above the live heap that
// lets that many collections a second happen, and the percent is that
// headroom over the live heap. It is busy from when the server allocates
// busyRate a second and the headroom is twice the live heap, until it
// allocates less than half of busyRate or the headroom falls under the live
// heap; otherwise the percent is the default 100. The two edges keep a load
// that hovers near one from going back and forth at every look.
type gcPacer struct {
	allocs uint64    // bytes allocated in all, at the last look
	at     time.Time // the last look
	busy   bool
}

// busyRate is the allocation rate (bytes a second) that makes a server
// busy to the pacer: 20 collections a second of a 1 MiB heap at GOGC=100.
const busyRate = 40 << 20

func (p *gcPacer) next(live, allocs uint64, now time.Time) int {
	var rate float64
	if d := now.Sub(p.at).Seconds(); d > 0 && allocs >= p.allocs {
		rate = float64(allocs-p.allocs) / d
	}
	p.allocs, p.at = allocs, now
	headroom := uint64(min(rate/gcPerSecond, maxHeadroom))
	switch {
	case !p.busy && rate >= busyRate && headroom >= 2*live:
		p.busy = true
	case p.busy && (rate < busyRate/2 || headroom <= live):
		p.busy = false
	}
	if !p.busy {
		return 100
	}
	return max(101, gcPercentFor(live, headroom))
}

// gcPercentFor is the GOGC that gives a heap of live bytes headroom bytes
// above it before the next collection (the goal is live × (1 + GOGC/100)),
// and never less than the default 100.
func gcPercentFor(live, headroom uint64) int {
	if headroom <= live {
		return 100
	}
	if live == 0 {
		return maxGCPercent
	}
	return int(min(maxGCPercent, headroom*100/live))
}
