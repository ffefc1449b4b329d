package metrics

import (
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	r := New()
	r.Add("parley_requests_total", "Requests.", Labels("route", "GET /x", "status", "2xx"), 2)
	r.Add("parley_requests_total", "Requests.", Labels("route", "GET /x", "status", "2xx"), 1)
	r.Gauge("parley_ws_connections", "Sockets.", "", 5)
	r.Gauge("parley_ws_connections", "Sockets.", "", -2)
	for _, x := range []float64{0.0001, 0.003, 0.003, 7} {
		r.Observe("parley_latency_seconds", "Latency.", Labels("route", "a"), x)
	}
	var b strings.Builder
	r.WriteTo(&b)
	out := b.String()
	for _, want := range []string{
		"# TYPE parley_requests_total counter\n",
		`parley_requests_total{route="GET /x",status="2xx"} 3` + "\n",
		"# TYPE parley_ws_connections gauge\nparley_ws_connections 3\n",
		`parley_latency_seconds_bucket{route="a",le="0.0005"} 1` + "\n",
		`parley_latency_seconds_bucket{route="a",le="0.005"} 3` + "\n",
		`parley_latency_seconds_bucket{route="a",le="2.5"} 3` + "\n",
		`parley_latency_seconds_bucket{route="a",le="+Inf"} 4` + "\n",
		`parley_latency_seconds_count{route="a"} 4` + "\n",
		`parley_latency_seconds_sum{route="a"} 7.0061` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				r.Add("c", "C.", "", 1)
				r.Observe("h", "H.", "", 0.01)
			}
		}()
	}
	wg.Wait()
	var b strings.Builder
	r.WriteTo(&b)
	if !strings.Contains(b.String(), "c 8000\n") || !strings.Contains(b.String(), "h_count 8000\n") {
		t.Fatalf("lost updates:\n%s", b.String())
	}
}
