// Package ratelimit is a set of token buckets keyed by string (an account,
// an address), shared by the services that throttle: sends and typing
// notices (internal/chat), logins and sign-ups (internal/identity).
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is a set of token buckets keyed by string (an account, an address).
// It is per node: on N nodes a key can get N times the rate, a documented
// bound (docs/deployment.md) that keeps the hot path free of a shared counter.
type Limiter struct {
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

// New returns a limiter that allows perSecond actions per key, in bursts of
// up to burst. A nil *Limiter allows everything (limits off).
func New(perSecond float64, burst int) *Limiter {
	return &Limiter{rate: perSecond, burst: float64(burst), buckets: make(map[string]*bucket)}
}

// Take spends one token of key. It returns 0 when allowed, else how long to
// wait before a token is available (nothing is spent then).
func (l *Limiter) Take(key string, now time.Time) time.Duration {
	return l.spend(key, now, true)
}

// Wait is Take without spending: the delay before key may act again.
func (l *Limiter) Wait(key string, now time.Time) time.Duration {
	return l.spend(key, now, false)
}

func (l *Limiter) spend(key string, now time.Time, spend bool) time.Duration {
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
func (l *Limiter) gc(now time.Time) {
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
