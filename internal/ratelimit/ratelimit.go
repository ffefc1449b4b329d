// Package ratelimit is a set of token buckets keyed by string (an account,
// an address), shared by the services that throttle: sends and typing
// notices (internal/chat), logins and sign-ups (internal/identity).
package ratelimit

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// NetworkKey is the network an address counts for in per-address limits:
// an IPv4 address itself, but an IPv6 address's /64. One host (one home
// line, one cloud VM) is given a whole /64 and picks any address in it, so
// keyed by the full address every try could come from a fresh one with a
// fresh bucket: unbounded password guessing against one handle, sign-ups
// and connections without end. An IPv4 address written as IPv6
// (::ffff:a.b.c.d) is that IPv4 address; what is not an address is itself.
func NetworkKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

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

// TakeN spends n tokens of key at once (an action that weighs more than
// one: a group that puts many strangers in Requests, an account whose
// actions cost more while it is new). n above the burst is capped at the
// burst, so that one maximal action still fits a full bucket. It returns 0
// when allowed, else how long to wait (nothing is spent then).
func (l *Limiter) TakeN(key string, n float64, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	if n > l.burst {
		n = l.burst
	}
	return l.spendN(key, now, n)
}

// Len returns how many keys have a bucket (those drained within the last
// minute or so: full ones are dropped), for tests and gauges.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Wait is Take without spending: the delay before key may act again.
func (l *Limiter) Wait(key string, now time.Time) time.Duration {
	return l.spend(key, now, false)
}

func (l *Limiter) spend(key string, now time.Time, spend bool) time.Duration {
	if l == nil {
		return 0
	}
	if spend {
		return l.spendN(key, now, 1)
	}
	return l.spendN(key, now, 0)
}

// spendN spends n tokens (0: only looks) when at least max(n, 1) are there.
func (l *Limiter) spendN(key string, now time.Time, n float64) time.Duration {
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
	need := max(n, 1)
	if b.tokens < need {
		d := time.Duration((need - b.tokens) / l.rate * float64(time.Second))
		if d < time.Second {
			d = time.Second
		}
		return d
	}
	b.tokens -= n
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

// Rate is a limit as a setting: Burst actions at once, then Count per Per.
// Its text form, for flags and PARLEY_* variables, is "B+N/P" (such as
// "10+20/h": 10 at once, then 20 an hour), with P one of s, m, h, d, or
// "off".
type Rate struct {
	Burst int
	Count float64
	Per   time.Duration
}

// Off is a rate that allows everything, told apart from the zero Rate
// (which settings read as "the default").
var Off = Rate{Burst: -1}

// Off reports whether the rate allows everything.
func (r Rate) Off() bool { return r.Burst <= 0 || r.Count <= 0 || r.Per <= 0 }

// Limiter returns a limiter for r (nil, allowing everything, when r is off).
func (r Rate) Limiter() *Limiter {
	if r.Off() {
		return nil
	}
	return New(r.Count/r.Per.Seconds(), r.Burst)
}

var units = []struct {
	name string
	d    time.Duration
}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}

// String writes r as "B+N/P".
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	for _, u := range units {
		if r.Per%u.d == 0 {
			n := r.Count
			if k := r.Per / u.d; k > 1 {
				n /= float64(k)
			}
			return fmt.Sprintf("%d+%s/%s", r.Burst, strconv.FormatFloat(n, 'g', -1, 64), u.name)
		}
	}
	return fmt.Sprintf("%d+%s/%ds", r.Burst, strconv.FormatFloat(r.Count/r.Per.Seconds(), 'g', -1, 64), 1)
}

// ParseRate reads "B+N/P" (or "off").
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Off, nil
	}
	bad := fmt.Errorf("%q is not a rate: write B+N/P, such as 10+20/h (10 at once, then 20 an hour; P is s, m, h or d), or off", s)
	b, rest, ok := strings.Cut(s, "+")
	if !ok {
		return Rate{}, bad
	}
	n, unit, ok := strings.Cut(rest, "/")
	if !ok {
		return Rate{}, bad
	}
	burst, err := strconv.Atoi(b)
	if err != nil || burst < 1 {
		return Rate{}, bad
	}
	count, err := strconv.ParseFloat(n, 64)
	if err != nil || count <= 0 || math.IsInf(count, 0) || math.IsNaN(count) {
		return Rate{}, bad
	}
	for _, u := range units {
		if unit == u.name {
			return Rate{Burst: burst, Count: count, Per: u.d}, nil
		}
	}
	return Rate{}, bad
}

// Set implements flag.Value.
func (r *Rate) Set(s string) error {
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}
