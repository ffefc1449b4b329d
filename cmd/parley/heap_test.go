package main

import (
	"context"
	"runtime/metrics"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 0, 100},                       // idle and empty: the default
		{0, 1 << 20, maxGCPercent},        // nothing live yet, but allocating
		{1 << 10, 64 << 20, maxGCPercent}, // bounded
		{4 << 20, 60 << 20, 1500},         // 4 MiB live collects at 64 MiB
		{16 << 20, 48 << 20, 300},         // 16 MiB live collects at 64 MiB
		{32 << 20, 32 << 20, 100},         // headroom no more than the heap: the default
		{1 << 30, 64 << 20, 100},          // a large heap: the default
	} {
		if got := gcPercentFor(c.live, c.headroom); got != c.want {
			t.Errorf("gcPercentFor(%d, %d) = %d, want %d", c.live, c.headroom, got, c.want)
		}
	}
}

// TestGCPacer feeds the pacer a busy second and then an idle one: busy,
// the heap gets the headroom for gcPerSecond collections a second (bounded
// by maxHeadroom); idle, the percent falls back to the default.
func TestGCPacer(t *testing.T) {
	t0 := time.Unix(0, 0)
	const live = 2 << 20
	p := gcPacer{at: t0}
	var allocs uint64
	tick := func(i int, perSecond uint64) int {
		allocs += perSecond / 4
		return p.next(live, allocs, t0.Add(time.Duration(i)*250*time.Millisecond))
	}
	// 40 MiB a second: 20 collections a second at GOGC=100 over 2 MiB live.
	got := 0
	for i := 1; i <= 8; i++ {
		got = tick(i, 40<<20)
	}
	if want := min(40<<20/gcPerSecond, maxHeadroom) * 100 / live; got != want {
		t.Fatalf("busy: GOGC %d, want %d (the headroom for %d collections a second, at most %d bytes)", got, want, gcPerSecond, maxHeadroom)
	}
	// A flood of allocation: the headroom stops at maxHeadroom.
	for i := 9; i <= 16; i++ {
		got = tick(i, 1<<30)
	}
	if want := maxHeadroom * 100 / live; got != want {
		t.Fatalf("flood: GOGC %d, want %d", got, want)
	}
	// Idle: back to the default at the next look.
	if got = tick(17, 1<<20); got != 100 {
		t.Fatalf("idle: GOGC %d, want 100", got)
	}
	// A light load stays at the default.
	for i := 18; i <= 30; i++ {
		if got = tick(i, busyRate/2); got != 100 {
			t.Fatalf("light load: GOGC %d, want 100", got)
		}
	}
}

// gogc reads the collector's percent without changing it.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestPaceGC runs the pacer in this process while it allocates: the
// percent goes up, and back to the default when the context ends. An
// operator's GOGC turns it off.
func TestPaceGC(t *testing.T) {
	waitFor := func(ok func(int) bool, what string) {
		t.Helper()
		var sink [][]byte
		for deadline := time.Now().Add(10 * time.Second); !ok(gogc()); time.Sleep(time.Millisecond) {
			sink = append(sink, make([]byte, 256<<10)) // about 250 MB a second
			if len(sink) > 64 {
				sink = sink[:0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("GOGC is %d, want %s", gogc(), what)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Setenv("GOGC", "")
	paceGC(ctx, time.Millisecond)
	waitFor(func(p int) bool { return p > 100 }, "over 100 while allocating")
	cancel()
	waitFor(func(p int) bool { return p == 100 }, "100 after the end")

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	t.Setenv("GOGC", "100")
	paceGC(ctx2, time.Millisecond)
	for range 50 {
		_ = make([]byte, 1<<20)
		time.Sleep(time.Millisecond)
		if p := gogc(); p != 100 {
			t.Fatalf("with GOGC set, the percent is %d: the operator's setting was overridden", p)
		}
	}
}
