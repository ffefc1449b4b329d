package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/webhooks"
)

// Webhooks measures outbound webhook delivery: o.Senders customers write to
// one brand, which has o.Endpoints endpoints (default 4; one receiver in
// this process, on loopback, one path and secret per endpoint, checking
// every signature), each subscribed to message.received; every message
// makes one delivery per endpoint. o.Rate is the target in deliveries per
// second, so the customers write o.Rate / o.Endpoints messages per second
// in all: a send to a brand costs about twice what a delivery does, and a
// single endpoint would measure the sends, not the deliveries (on 2 cores
// the sends to a brand top out near 1,000/s). Latency is from the
// message's commit (its created_at, the server's clock on this machine) to
// the receiver reading the request; the rate is of deliveries received
// while the senders run.
//
// The server must allow loopback endpoints (--webhook-allow 127.0.0.0/8;
// the bench adds it to the server it starts). With ServerPID, the server's
// CPU time per delivery is reported: a first phase of the same length
// without the endpoint measures the CPU of the sends alone, and the
// difference, per delivery, is what delivering costs.
func Webhooks(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(o.Senders)
	defer hc.CloseIdleConnections()
	run := runID()
	brandHandle := "h" + run + "brand"
	bc := client.New(o.URL, client.WithHTTPClient(hc))
	if _, err := bc.Signup(ctx, client.SignupParams{Handle: brandHandle, Password: benchPassword, Kind: "brand"}); err != nil {
		return nil, fmt.Errorf("brand: %w", err)
	}
	if _, _, err := bc.Login(ctx, brandHandle, benchPassword); err != nil {
		return nil, fmt.Errorf("brand login: %w", err)
	}
	handles := make([]string, o.Senders)
	for i := range handles {
		handles[i] = fmt.Sprintf("h%sc%d", run, i)
	}
	bar := newBar(o.Progress, "webhooks: accounts", int64(len(handles)), 0)
	accs, err := makeAccounts(ctx, o.URL, hc, handles, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	pairs := make([]pair, len(accs))
	for i, a := range accs {
		conv, _, err := a.c.CreateConversation(ctx, []string{brandHandle}, "")
		if err != nil {
			return nil, fmt.Errorf("conversation: %w", err)
		}
		pairs[i] = pair{from: a, conv: conv.ID}
	}

	nEP := o.Endpoints
	if nEP <= 0 {
		nEP = 4
	}
	nEP = min(nEP, 10) // the server's limit per brand
	msgRate := max(o.Rate/nEP, 1)

	// Phase 1: the same sends without an endpoint, for the CPU baseline.
	var baseCPU time.Duration
	var baseSends int
	if o.ServerPID > 0 {
		c0, err := CPUTime(o.ServerPID)
		if err != nil {
			return nil, err
		}
		bar = newBar(o.Progress, "webhooks: sends alone", 0, o.Duration)
		lat, _, _ := sendLoop(ctx, pairs, o.Duration, msgRate, bar, 0)
		bar.Done()
		time.Sleep(500 * time.Millisecond) // let the last commits and jobs settle
		c1, err := CPUTime(o.ServerPID)
		if err != nil {
			return nil, err
		}
		baseCPU, baseSends = c1-c0, len(lat)
	}

	// Phase 2: with the endpoint.
	rcv := newHookSink()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	for i := range nEP {
		path := fmt.Sprintf("/hook/%d", i)
		_, secret, err := bc.CreateWebhook(ctx, brandHandle, client.WebhookParams{URL: "http://" + ln.Addr().String() + path, Events: []string{"message.received"}})
		if err != nil {
			return nil, fmt.Errorf("webhook: %w (does the server allow loopback endpoints? --webhook-allow 127.0.0.0/8)", err)
		}
		rcv.setSecret(path, secret)
	}
	var c0 time.Duration
	if o.ServerPID > 0 {
		if c0, err = CPUTime(o.ServerPID); err != nil {
			return nil, err
		}
	}
	bar = newBar(o.Progress, "webhooks: sending", 0, o.Duration)
	sendStart := time.Now()
	lat, errs, elapsed := sendLoop(ctx, pairs, o.Duration, msgRate, bar, 0)
	bar.Done()
	inWindow := rcv.countBefore(sendStart.Add(elapsed))
	// Then wait for the backlog, at most 30 s.
	deadline := time.Now().Add(30 * time.Second)
	for rcv.count() < nEP*len(lat) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	drained := time.Since(sendStart)
	var cpu time.Duration
	if o.ServerPID > 0 {
		c1, err := CPUTime(o.ServerPID)
		if err != nil {
			return nil, err
		}
		cpu = c1 - c0
	}
	delays, bad := rcv.results()
	r := &Result{Params: map[string]any{"senders": o.Senders, "rate": o.Rate, "endpoints": nEP, "msg_rate": msgRate, "duration": o.Duration.String()},
		Errors: errs + int64(bad)}
	if bad > 0 {
		r.FirstError = fmt.Sprintf("%d deliveries failed the receiver's signature check", bad)
	}
	r.budget("deliveries_per_s", float64(inWindow)/elapsed.Seconds(), "deliveries/s", ">=", 2000)
	r.add("delay_p50", delays.pct(50), "ms")
	r.budget("delay_p99", delays.pct(99), "ms", "<=", 50)
	r.add("delay_max", delays.pct(100), "ms")
	r.add("sent", float64(len(lat)), "msgs")
	r.add("delivered", float64(len(delays)), "deliveries")
	r.add("drained_after", drained.Seconds(), "s")
	if o.ServerPID > 0 && len(delays) > 0 {
		r.add("server_cpu_per_send_and_delivery", float64(cpu.Microseconds())/float64(len(delays)), "µs")
		if baseSends > 0 && len(lat) > 0 {
			// The phase's CPU less what its sends cost alone, per delivery.
			perSend := float64(baseCPU.Microseconds()) / float64(baseSends)
			r.add("server_cpu_per_send_alone", perSend, "µs")
			r.add("server_cpu_per_delivery", (float64(cpu.Microseconds())-perSend*float64(len(lat)))/float64(len(delays)), "µs")
		}
	}
	return r, nil
}

// hookSink is the benchmark's webhook receiver.
type hookSink struct {
	mu      sync.Mutex
	secrets map[string]string // by path: one per endpoint
	delays  latencies
	at      []time.Time
	seen    map[string]bool
	bad     int
}

func newHookSink() *hookSink { return &hookSink{seen: map[string]bool{}, secrets: map[string]string{}} }

func (h *hookSink) setSecret(path, s string) {
	h.mu.Lock()
	h.secrets[path] = s
	h.mu.Unlock()
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	now := time.Now()
	if err != nil {
		w.WriteHeader(400)
		return
	}
	h.mu.Lock()
	secret := h.secrets[r.URL.Path]
	h.mu.Unlock()
	var ev struct {
		ID   string `json:"id"`
		Data struct {
			Message struct {
				CreatedAt time.Time `json:"created_at"`
			} `json:"message"`
		} `json:"data"`
	}
	if webhooks.Verify(secret, r.Header, body, now, 5*time.Minute) != nil || json.Unmarshal(body, &ev) != nil {
		h.mu.Lock()
		h.bad++
		h.mu.Unlock()
		w.WriteHeader(401)
		return
	}
	h.mu.Lock()
	if k := r.URL.Path + " " + ev.ID; !h.seen[k] {
		h.seen[k] = true
		h.delays = append(h.delays, now.Sub(ev.Data.Message.CreatedAt))
		h.at = append(h.at, now)
	}
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookSink) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.delays)
}

func (h *hookSink) countBefore(t time.Time) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, at := range h.at {
		if at.Before(t) {
			n++
		}
	}
	return n
}

func (h *hookSink) results() (latencies, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return merge([]latencies{h.delays}), h.bad
}

// CPUTime returns the CPU time (user + system) process pid has used, from
// /proc/<pid>/stat, at the kernel's clock tick (10 ms on Linux).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	// Fields 14 (utime) and 15 (stime), counted from 1 over the whole line.
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	const tick = 10 * time.Millisecond // sysconf(_SC_CLK_TCK) = 100 on Linux
	return time.Duration(u+st) * tick, nil
}
