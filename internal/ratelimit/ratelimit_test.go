package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := New(1, 3) // 1 a second, bursts of 3
	t0 := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if d := l.Take("k", t0); d != 0 {
			t.Fatalf("take %d within the burst: wait %v", i, d)
		}
	}
	if d := l.Take("k", t0); d < time.Second {
		t.Fatalf("4th take: want a wait of at least 1s, got %v", d)
	}
	if d := l.Take("other", t0); d != 0 {
		t.Fatalf("keys must not share buckets: %v", d)
	}
	if d := l.Wait("k", t0.Add(1500*time.Millisecond)); d != 0 {
		t.Fatalf("after 1.5s a token is back: wait %v", d)
	}
	var off *Limiter // limits off
	if off.Take("k", t0) != 0 {
		t.Fatal("a nil limiter never limits")
	}
}
