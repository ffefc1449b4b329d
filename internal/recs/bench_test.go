package recs

import (
	"flag"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// threadCPU is the CPU time of the calling OS thread (CLOCK_THREAD_CPUTIME_ID):
// on a shared machine it counts this work only, not the wait for a core.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

var benchInteractions = flag.Int("recs.interactions", 1_000_000, "interactions of BenchmarkRecommend's model (the budget is at 10,000,000)")

// BenchmarkRecommend builds a model over a catalog of 100,000 items
// (250 groups x 100 bundles x 4 items) from -recs.interactions generated
// interactions, then times Recommend for random customers (the budget: p99
// <= 10 ms at 10M interactions) and an incremental Add of 10% more
// interactions (the budget: 1M in under a minute). Times are CPU time of
// the benchmark's thread, steadier than wall time on a shared machine.
//
//	go test -run '^$' -bench Recommend -benchtime 2000x ./internal/recs -recs.interactions 10000000
func BenchmarkRecommend(b *testing.B) {
	customers := *benchInteractions / 25
	d := Generate(GenOptions{Seed: 7, Customers: customers, Groups: 250, Bundles: 100, Bundle: 4, Events: 25, Weeks: 12})
	cut := len(d.Interactions) * 9 / 10
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m := New(Options{})
	m.SetCatalog(d.Items)
	start := threadCPU()
	m.Add(d.Interactions[:cut])
	build := threadCPU() - start
	start = threadCPU()
	m.Add(d.Interactions[cut:])
	incr := threadCPU() - start
	n := len(d.Interactions) - cut
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		c := d.Interactions[rng.IntN(len(d.Interactions))].Customer
		t := threadCPU()
		if len(m.Recommend(c, 5)) == 0 {
			b.Fatal("no picks")
		}
		lat = append(lat, threadCPU()-t)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(len(d.Items)), "items")
	b.ReportMetric(float64(len(d.Interactions)), "interactions")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-cpu-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-cpu-ms")
	b.ReportMetric(build.Seconds(), "build-cpu-s")
	b.ReportMetric(incr.Seconds()*1e6/float64(n), "cpu-s-per-1M-added")
}
