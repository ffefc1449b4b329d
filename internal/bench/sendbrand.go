package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/parleyhq/parley/client"
)

// SendBrand measures sends to a brand whose bot has o.Rules (200) enabled rules
// against sends between two people, in alternating rounds on the same
// server (issue 10's budget: within 10% of a person-to-person send). Each
// of o.Senders customers writes to the brand in its own conversation; the
// rules are of every kind and none matches the benchmark's text, so every
// send pays for the whole evaluation and no bot reply adds writes.
func SendBrand(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(o.Senders)
	defer hc.CloseIdleConnections()
	id := runID()
	bar := newBar(o.Progress, "send-brand: accounts", int64(3*o.Senders+1), 0)
	people, err := makePairs(ctx, o.URL, hc, "p"+id, o.Senders, bar)
	if err != nil {
		bar.Done()
		return nil, err
	}
	brandHandle := "brand" + id
	b := client.New(o.URL, client.WithHTTPClient(hc))
	if _, err := b.Signup(ctx, client.SignupParams{Handle: brandHandle, Password: benchPassword, Kind: "brand"}); err != nil && client.ErrorStatus(err) != http.StatusConflict {
		bar.Done()
		return nil, fmt.Errorf("brand: %w", err)
	}
	if _, _, err := b.Login(ctx, brandHandle, benchPassword); err != nil {
		bar.Done()
		return nil, fmt.Errorf("brand login: %w", err)
	}
	bar.Add(1)
	customers := make([]string, o.Senders)
	for i := range customers {
		customers[i] = fmt.Sprintf("c%s%d", id, i)
	}
	accs, err := makeAccounts(ctx, o.URL, hc, customers, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	nRules := o.Rules
	if nRules <= 0 {
		nRules = 200
	}
	for i := range nRules {
		r := client.Rule{Enabled: true, Name: fmt.Sprintf("rule %d", i), Actions: []client.RuleAction{{Type: "reply", Text: "Hello {{first_name|there}}"}}}
		switch i % 4 {
		case 0, 1:
			r.Trigger = client.RuleTrigger{Type: "keyword", Keywords: []string{fmt.Sprintf("word%d", i), fmt.Sprintf("two words%d", i), fmt.Sprintf("café%d", i)}}
		case 2:
			r.Trigger = client.RuleTrigger{Type: "quick_reply", Payload: fmt.Sprintf("P%d", i)}
		case 3:
			r.Trigger = client.RuleTrigger{Type: "message"}
			r.Conditions = []client.RuleCondition{{Type: "label", Value: fmt.Sprintf("label%d", i)}}
		}
		if _, err := b.PutRule(ctx, brandHandle, r); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
	}
	toBrand := make([]pair, len(accs))
	for i, a := range accs {
		conv, _, err := a.c.CreateConversation(ctx, []string{brandHandle}, "")
		if err != nil {
			return nil, fmt.Errorf("brand conversation: %w", err)
		}
		toBrand[i] = pair{from: a, conv: conv.ID}
	}
	// Alternate short rounds so that both see the same machine.
	const rounds = 4
	// Each round long enough to finish sends on a slow machine.
	d := max(o.Duration/(2*rounds), 250*time.Millisecond)
	var pLat, bLat latencies
	var pSecs, bSecs float64
	var pCPU, bCPU time.Duration
	var errs int64
	cpuKnown := o.ServerPID > 0
	// phase runs one round and adds the server's CPU time over it.
	phase := func(pairs []pair, cpu *time.Duration) (latencies, int64, time.Duration) {
		c0, err := processCPU(o.ServerPID)
		l, e, el := sendLoop(ctx, pairs, d, 0, bar, 0)
		c1, err1 := processCPU(o.ServerPID)
		if err != nil || err1 != nil {
			cpuKnown = false
		}
		*cpu += c1 - c0
		return l, e, el
	}
	bar = newBar(o.Progress, "send-brand: sending", 0, o.Duration)
	for range rounds {
		l, e, el := phase(people, &pCPU)
		pLat, pSecs, errs = append(pLat, l...), pSecs+el.Seconds(), errs+e
		l, e, el = phase(toBrand, &bCPU)
		bLat, bSecs, errs = append(bLat, l...), bSecs+el.Seconds(), errs+e
	}
	bar.Done()
	slices.Sort(pLat)
	slices.Sort(bLat)
	r := &Result{Params: map[string]any{"senders": o.Senders, "duration": o.Duration.String(), "rules": nRules, "rounds": rounds}, Errors: errs}
	pRate, bRate := float64(len(pLat))/pSecs, float64(len(bLat))/bSecs
	r.add("person_throughput", pRate, "msgs/s")
	r.add("brand_throughput", bRate, "msgs/s")
	r.budget("brand_vs_person", 100*bRate/pRate, "%", ">=", 90)
	r.add("person_post_p99", pLat.pct(99), "ms")
	r.add("brand_post_p99", bLat.pct(99), "ms")
	if cpuKnown && len(pLat) > 0 && len(bLat) > 0 {
		// The steadier figure on a shared machine: server CPU per message.
		r.add("person_cpu_per_msg", float64(pCPU.Microseconds())/float64(len(pLat)), "µs")
		r.add("brand_cpu_per_msg", float64(bCPU.Microseconds())/float64(len(bLat)), "µs")
	}
	return r, nil
}
