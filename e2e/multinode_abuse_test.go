package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestMultiNodeGroupFlood: the group-creation limit holds across nodes. A
// flood of group creations split between two nodes gets its 429 (with
// Retry-After, counted in each refusing node's /metrics) once the one
// cluster-wide allowance is spent, not once per node; so does a flood
// fired at both nodes at once. The limit is 6 at once here (per node it
// would let 12 through); the request limits are off so that only
// group_create is at play, and accounts are established at once.
func TestMultiNodeGroupFlood(t *testing.T) {
	t.Parallel()
	env := newMultiNodeEnv(t)
	flags := []string{"--rate-limit", "on", "--limit-group-create", "6+6/h", "--limit-requests", "off",
		"--limit-requests-per-target", "off", "--new-account", "1ms"}
	nodes := []*process{env.node(t, flags...), env.node(t, flags...)}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const limit = 6
	multiUser(ctx, t, nodes[0].url, nodes[1].url, "vic0")
	multiUser(ctx, t, nodes[1].url, nodes[0].url, "vic1")
	victims := []string{"vic0", "vic1"}

	// spam0 alternates nodes, one group at a time.
	spam, _ := multiUser(ctx, t, nodes[0].url, nodes[0].url, "spam0")
	time.Sleep(5 * time.Millisecond) // past --new-account
	on := []*client.Client{spam, checkedClient(t, nil, nodes[1].url, client.WithToken(spam.Token()))}
	created := 0
	var refused *client.Error
	for i := range 4 * limit {
		_, _, err := on[i%2].CreateConversation(ctx, victims, fmt.Sprint("deal ", i))
		if err != nil {
			refused = wantStatus(t, err, http.StatusTooManyRequests, fmt.Sprintf("group %d, through node %d", i, i%2))
			break
		}
		created++
	}
	if created != limit {
		t.Errorf("%d groups created through two nodes before the 429, want %d (the one limit, not one per node)", created, limit)
	}
	if refused != nil && (refused.Code != "rate_limited" || refused.RetryAfter <= 0) {
		t.Errorf("the refusal: code %q Retry-After %v, want rate_limited with a positive Retry-After", refused.Code, refused.RetryAfter)
	}
	// Both nodes keep refusing.
	for i := range 4 {
		if _, _, err := on[i%2].CreateConversation(ctx, victims, "more"); err == nil {
			t.Errorf("group after the 429 through node %d went through", i%2)
		}
	}
	for i, n := range nodes {
		if line := abuseMetric(t, n.url, "group_create"); line == "" {
			t.Errorf("node %d's /metrics has no parley_abuse_limited_total{limit=\"group_create\"}", i)
		} else {
			t.Logf("node %d: %s", i, line)
		}
	}

	// spam1 fires 20 creations at once, half at each node: the store's
	// row lock serialises them, and exactly the limit goes through.
	spam1, _ := multiUser(ctx, t, nodes[1].url, nodes[1].url, "spam1")
	time.Sleep(5 * time.Millisecond)
	on = []*client.Client{spam1, checkedClient(t, nil, nodes[0].url, client.WithToken(spam1.Token()))}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := on[i%2].CreateConversation(ctx, victims, fmt.Sprint("burst ", i))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if ce := (*client.Error)(nil); errors.As(err, &ce) && ce.Status == http.StatusTooManyRequests && ce.RetryAfter > 0 {
				limited++
			} else {
				t.Errorf("burst %d: %v, want 201 or 429 with Retry-After", i, err)
			}
		}()
	}
	wg.Wait()
	if ok != limit || limited != 20-limit {
		t.Errorf("20 creations at once on two nodes: %d created, %d refused; want %d and %d", ok, limited, limit, 20-limit)
	}
	// What went through is what the victim sees: 2*limit groups in Requests.
	vic0 := checkedClient(t, nil, nodes[1].url)
	if _, _, err := vic0.Login(ctx, "vic0", password("vic0")); err != nil {
		t.Fatal(err)
	}
	n := 0
	cursor := ""
	for {
		convs, next, err := vic0.Conversations(ctx, "requests", cursor, 50)
		must(t, err, "vic0's requests")
		n += len(convs)
		if next == "" {
			break
		}
		cursor = next
	}
	if n != 2*limit {
		t.Errorf("vic0 has %d group requests, want %d (nothing past the limit was stored)", n, 2*limit)
	}
}

// abuseMetric returns a node's /metrics line of a limit's refusals ("" if none).
func abuseMetric(t *testing.T, url, limit string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	must(t, err, "GET /metrics")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, `parley_abuse_limited_total{limit="`+limit+`"}`) {
			return line
		}
	}
	return ""
}
