package bench

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/parleyhq/parley/internal/recs"
)

// RecsOptions size the recommender benchmark.
type RecsOptions struct {
	// Interactions is the log's size (the budget is set at 10,000,000).
	Interactions int
	// Added is the incremental update's size (the budget: 1,000,000 in
	// under a minute).
	Added int
	// Calls is how many customers are asked for 5 picks.
	Calls int
}

// threadCPU is the CPU time of the calling OS thread
// (CLOCK_THREAD_CPUTIME_ID): on a shared, loaded machine it counts this
// work only, not the wait for a core.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// Recs measures the product recommender of one brand in this process, as
// a server node keeps it (internal/brand/catalog.go): a catalog of 100,000
// items (250 groups x 100 bundles x 4), a model built from o.Interactions
// generated interactions, an incremental update of o.Added more (what a
// node applies when it catches up with the store), and Recommend (5 picks)
// for o.Calls random customers. Times are the benchmark thread's CPU time
// per call and wall time; the budgets are on CPU time, since on a shared
// machine wall time mostly measures the wait for a core.
func Recs(ctx context.Context, o RecsOptions) (*Result, error) {
	if o.Interactions <= 0 {
		o.Interactions = 1_000_000
	}
	if o.Added <= 0 {
		o.Added = 1_000_000
	}
	if o.Calls <= 0 {
		o.Calls = 2000
	}
	total := o.Interactions + o.Added
	d := recs.Generate(recs.GenOptions{Seed: 7, Customers: max(1, total/25), Groups: 250, Bundles: 100, Bundle: 4, Events: 25, Weeks: 12})
	cut := max(0, len(d.Interactions)-o.Added)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	heap0 := heap() // the generated data set alone
	m := recs.New(recs.Options{})
	m.SetCatalog(d.Items)
	c0, w0 := threadCPU(), time.Now()
	m.Add(d.Interactions[:cut])
	m.Refresh()
	build, buildWall := threadCPU()-c0, time.Since(w0)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c0, w0 = threadCPU(), time.Now()
	m.Add(d.Interactions[cut:])
	m.Refresh() // as a node does after catching up (internal/brand/catalog.go)
	incr, incrWall := threadCPU()-c0, time.Since(w0)
	modelHeap := heap() - heap0
	st := m.Stats()
	rng := rand.New(rand.NewPCG(1, 2))
	cpu := make([]time.Duration, 0, o.Calls)
	wall := make([]time.Duration, 0, o.Calls)
	for range o.Calls {
		cust := d.Interactions[rng.IntN(len(d.Interactions))].Customer
		c, w := threadCPU(), time.Now()
		m.Recommend(cust, 5)
		cpu = append(cpu, threadCPU()-c)
		wall = append(wall, time.Since(w))
	}
	slices.Sort(cpu)
	slices.Sort(wall)
	pct := func(s []time.Duration, p int) float64 { return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000 }
	r := &Result{Params: map[string]any{"items": len(d.Items), "interactions": cut, "added": len(d.Interactions) - cut, "calls": o.Calls}}
	r.add("recommend_p50_cpu", pct(cpu, 50), "ms")
	r.budget("recommend_p99_cpu", pct(cpu, 99), "ms", "<=", 10)
	r.add("recommend_p50_wall", pct(wall, 50), "ms")
	r.add("recommend_p99_wall", pct(wall, 99), "ms")
	r.add("build_cpu", build.Seconds(), "s")
	r.add("build_wall", buildWall.Seconds(), "s")
	perMillion := 1e6 / float64(max(1, len(d.Interactions)-cut))
	r.budget("update_1m_cpu", incr.Seconds()*perMillion, "s", "<", 60)
	r.add("update_1m_wall", incrWall.Seconds()*perMillion, "s")
	r.add("model_heap", float64(modelHeap)/(1<<20), "MiB")
	r.add("model_pairs", float64(st.Pairs), "")
	r.add("model_neighbors", float64(st.Neighbors), "")
	r.add("model_customers", float64(st.Customers), "")
	return r, nil
}
