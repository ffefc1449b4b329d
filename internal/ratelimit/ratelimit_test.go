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

func TestTakeN(t *testing.T) {
	l := New(1, 10)
	t0 := time.Unix(1000, 0)
	if d := l.TakeN("k", 4, t0); d != 0 {
		t.Fatalf("4 of 10: wait %v", d)
	}
	if d := l.TakeN("k", 4, t0); d != 0 {
		t.Fatalf("8 of 10: wait %v", d)
	}
	if d := l.TakeN("k", 4, t0); d < 2*time.Second {
		t.Fatalf("12 of 10: want a wait of 2s, got %v", d)
	}
	if d := l.TakeN("k", 2, t0); d != 0 {
		t.Fatalf("a refused take spends nothing: 10 of 10 refused (%v)", d)
	}
	if d := l.TakeN("big", 50, t0); d != 0 {
		t.Fatalf("a take over the burst is capped at the burst: wait %v", d)
	}
	if d := l.Take("big", t0); d == 0 {
		t.Fatal("the capped take emptied the bucket")
	}
}

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		out  string
	}{
		{"10+20/h", Rate{Burst: 10, Count: 20, Per: time.Hour}, "10+20/h"},
		{"3+0.5/s", Rate{Burst: 3, Count: 0.5, Per: time.Second}, "3+0.5/s"},
		{"5+100/d", Rate{Burst: 5, Count: 100, Per: 24 * time.Hour}, "5+100/d"},
		{"off", Off, "off"},
	} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want || got.String() != tc.out {
			t.Errorf("ParseRate(%q) = %+v (%q), %v; want %+v (%q)", tc.in, got, got.String(), err, tc.want, tc.out)
		}
	}
	for _, bad := range []string{"", "10", "10+", "10+20", "10+20/w", "0+1/s", "1+0/s", "-1+2/s", "a+1/s", "1+NaN/s"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	l := Rate{Burst: 2, Count: 60, Per: time.Minute}.Limiter()
	t0 := time.Unix(0, 0)
	if l.Take("k", t0) != 0 || l.Take("k", t0) != 0 || l.Take("k", t0) == 0 {
		t.Error("2+60/m allows 2 at once, then waits")
	}
	if l.Take("k", t0.Add(time.Second)) != 0 {
		t.Error("2+60/m gives a token back each second")
	}
	if (Rate{}).Limiter() != nil {
		t.Error("an off rate has no limiter")
	}
}

func TestNetworkKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
		"":                     "",
	} {
		if got := NetworkKey(in); got != want {
			t.Errorf("NetworkKey(%q) = %q, want %q", in, got, want)
		}
	}
}
