// Package metrics keeps Parley's counters, gauges and histograms and writes
// them in the Prometheus text format for /metrics. It is a few dozen lines
// instead of a client library because Parley needs only these three kinds.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds named series. The zero value is not usable; call New.
type Registry struct {
	mu     sync.Mutex
	series map[string]*series
}

type series struct {
	help, kind string
	values     map[string]*value // by label string
}

type value struct {
	n       atomic.Int64   // counter or gauge
	buckets []atomic.Int64 // histogram (cumulative at write time)
	sum     atomic.Uint64  // float64 bits
	bounds  []float64
}

// New returns an empty registry.
func New() *Registry { return &Registry{series: make(map[string]*series)} }

func (r *Registry) get(name, help, kind, labels string, bounds []float64) *value {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.series[name]
	if s == nil {
		s = &series{help: help, kind: kind, values: make(map[string]*value)}
		r.series[name] = s
	}
	v := s.values[labels]
	if v == nil {
		v = &value{bounds: bounds}
		if bounds != nil {
			v.buckets = make([]atomic.Int64, len(bounds)+1)
		}
		s.values[labels] = v
	}
	return v
}

// Labels formats label pairs ("k", "v", ...) as a Prometheus label string.
func Labels(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", kv[i], kv[i+1])
	}
	return b.String()
}

// Add adds d to a counter.
func (r *Registry) Add(name, help, labels string, d int64) {
	r.get(name, help, "counter", labels, nil).n.Add(d)
}

// Gauge adds d (which may be negative) to a gauge.
func (r *Registry) Gauge(name, help, labels string, d int64) {
	r.get(name, help, "gauge", labels, nil).n.Add(d)
}

// Set sets a gauge to v (for values read from elsewhere, such as queue depths).
func (r *Registry) Set(name, help, labels string, v int64) {
	r.get(name, help, "gauge", labels, nil).n.Store(v)
}

// DefaultBuckets suit request latencies in seconds.
var DefaultBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// Observe records x in a histogram with DefaultBuckets.
func (r *Registry) Observe(name, help, labels string, x float64) {
	v := r.get(name, help, "histogram", labels, DefaultBuckets)
	i := sort.SearchFloat64s(v.bounds, x)
	v.buckets[i].Add(1)
	for {
		old := v.sum.Load()
		if v.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+x)) {
			break
		}
	}
}

// WriteTo writes every series in the Prometheus text exposition format.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	names := make([]string, 0, len(r.series))
	for n := range r.series {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		s := r.series[name]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, s.help, name, s.kind)
		labels := make([]string, 0, len(s.values))
		for l := range s.values {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			v := s.values[l]
			if s.kind != "histogram" {
				fmt.Fprintf(&b, "%s%s %d\n", name, braces(l), v.n.Load())
				continue
			}
			var cum int64
			for i, bound := range v.bounds {
				cum += v.buckets[i].Load()
				fmt.Fprintf(&b, "%s_bucket%s %d\n", name, braces(join(l, fmt.Sprintf("le=%q", fmt.Sprint(bound)))), cum)
			}
			cum += v.buckets[len(v.bounds)].Load()
			fmt.Fprintf(&b, "%s_bucket%s %d\n", name, braces(join(l, `le="+Inf"`)), cum)
			fmt.Fprintf(&b, "%s_sum%s %g\n%s_count%s %d\n", name, braces(l), math.Float64frombits(v.sum.Load()), name, braces(l), cum)
		}
	}
	r.mu.Unlock()
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func braces(l string) string {
	if l == "" {
		return ""
	}
	return "{" + l + "}"
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}
