package chat

import (
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// limiter is a set of token buckets keyed by string (an account, an address).
// It is per node: on N nodes a key can get N times the rate, a documented
// bound (docs/deployment.md) that keeps the hot path free of a shared counter.
type limiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{rate: perSecond, burst: float64(burst), buckets: make(map[string]*bucket)}
}

// take spends one token of key. It returns 0 when allowed, else how long to
// wait before a token is available (nothing is spent then).
func (l *limiter) take(key string, now time.Time) time.Duration {
	return l.spend(key, now, true)
}

// wait is take without spending: the delay before key may act again.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	return l.spend(key, now, false)
}

func (l *limiter) spend(key string, now time.Time, spend bool) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gc(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.at).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.at = now
	if b.tokens < 1 {
		d := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
		if d < time.Second {
			d = time.Second
		}
		return d
	}
	if spend {
		b.tokens--
	}
	return 0
}

// gc drops full buckets once a minute so the map does not grow without end.
func (l *limiter) gc(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// TakeSend spends one send of key's allowance, for senders that are not an
// account of their own (a brand's bot token): ERATELIMITED when it is spent,
// nil when limits are off.
func (s *Service) TakeSend(key string) error {
	if d := s.sendLimit.take(key, s.cfg.Now()); d > 0 {
		return &dm.Error{Code: dm.ERATELIMITED, Message: "You are sending too fast. Slow down.", RetryAfter: d}
	}
	return nil
}
