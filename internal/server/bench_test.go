package server

// In-process benchmarks of the two hot requests through the whole handler
// (transport, API, services, SQLite store), without the network, so that a
// CPU profile shows the server's own work:
//
//	go test -run '^$' -bench . -cpuprofile cpu.out ./internal/server/
//
// cpu-µs/op is the process's CPU time (user + system) per request, the
// steadier figure on a shared machine; `parley bench send` and `parley
// bench inbox` measure the same requests over HTTP.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/identity"
)

func benchServer(b *testing.B) (*Server, string) {
	b.Helper()
	ctx := context.Background()
	s, err := New(ctx, Config{DataDir: b.TempDir(), RateLimitOff: true, PasswordCost: identity.CheapPasswordCost(), JobWorkers: -1})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s.handler)
	b.Cleanup(func() {
		ts.Close()
		s.Shutdown(context.Background())
	})
	return s, ts.URL
}

func benchAccount(b *testing.B, url, handle string) *client.Client {
	b.Helper()
	ctx := context.Background()
	c := client.New(url)
	if _, err := c.Signup(ctx, client.SignupParams{Handle: handle, Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	if _, _, err := c.Login(ctx, handle, "correct horse battery"); err != nil {
		b.Fatal(err)
	}
	return c
}

// benchCPU is this process's CPU time so far (user + system).
func benchCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInboxPage is GET /api/v1/conversations (the first page of 50)
// of an account with 200 conversations, by 8 readers: after the first
// request, every one is a hit of the first-page cache.
func BenchmarkInboxPage(b *testing.B) {
	s, url := benchServer(b)
	ctx := context.Background()
	me := benchAccount(b, url, "reader")
	for i := range 200 {
		other := benchAccount(b, url, fmt.Sprintf("peer%d", i))
		conv, _, err := other.CreateConversation(ctx, []string{"reader"}, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := other.Send(ctx, conv.ID, client.SendParams{Text: "Hello, how are things?"}); err != nil {
			b.Fatal(err)
		}
	}
	token := me.Token()
	get := func() bool {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/conversations?limit=50", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"next_cursor"`) {
			b.Errorf("status %d: %s", w.Code, w.Body)
			return false
		}
		return true
	}
	if !get() {
		return
	}
	b.SetParallelism(4) // 8 readers on 2 cores
	cpu0 := benchCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() && get() {
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((benchCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkSendHTTP is POST /api/v1/conversations/{id}/messages with a
// client_id, by 64 senders each in its own accepted direct conversation,
// as `parley bench send` sends.
func BenchmarkSendHTTP(b *testing.B) {
	s, url := benchServer(b)
	ctx := context.Background()
	const senders = 64
	type pair struct{ token, conv string }
	pairs := make([]pair, senders)
	for i := range senders {
		from := benchAccount(b, url, fmt.Sprintf("sender%d", i))
		to := benchAccount(b, url, fmt.Sprintf("receiver%d", i))
		conv, _, err := from.CreateConversation(ctx, []string{fmt.Sprintf("receiver%d", i)}, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := to.Accept(ctx, conv.ID); err != nil {
			b.Fatal(err)
		}
		pairs[i] = pair{from.Token(), conv.ID}
	}
	var next, n atomic.Int64
	b.SetParallelism(senders / 2) // 64 senders on 2 cores
	batches := func() int64 { return 0 }
	if db, ok := s.store.(interface{ Batches() int64 }); ok {
		batches = db.Batches
	}
	batch0, cpu0 := batches(), benchCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		p := pairs[next.Add(1)%senders]
		for pb.Next() {
			body := `{"text":"Hello there, how are you today?","client_id":"c` + strconv.FormatInt(n.Add(1), 10) + `"}`
			r := httptest.NewRequest(http.MethodPost, "/api/v1/conversations/"+p.conv+"/messages", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+p.token)
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			s.handler.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((benchCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	if n := batches() - batch0; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "sends/batch")
	}
	if n := batches() - batch0; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "sends/batch")
	}
}

// BenchmarkEventsPage is GET /api/v1/events from the start of the log, a
// page of 200, as a device catching up reads it: the reader's log holds the
// messages of 20 conversations (10 each, from 20 people) and their
// conversation.created events; what the page carries is read back and
// checked against deletions (chat.redactGone).
func BenchmarkEventsPage(b *testing.B) {
	s, url := benchServer(b)
	ctx := context.Background()
	me := benchAccount(b, url, "reader")
	for i := range 20 {
		other := benchAccount(b, url, fmt.Sprintf("peer%d", i))
		conv, _, err := other.CreateConversation(ctx, []string{"reader"}, "")
		if err != nil {
			b.Fatal(err)
		}
		for k := range 10 {
			if _, _, err := other.Send(ctx, conv.ID, client.SendParams{Text: fmt.Sprintf("Message %d, how are things?", k)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	token := me.Token()
	get := func() bool {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/events?cursor=0&limit=200", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK || strings.Count(w.Body.String(), `"type":"message.created"`) != 200 {
			b.Errorf("status %d: %.300s", w.Code, w.Body)
			return false
		}
		return true
	}
	if !get() {
		return
	}
	cpu0 := benchCPU()
	b.ResetTimer()
	for b.Loop() {
		if !get() {
			return
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((benchCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
