package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/client"
)

// The campaign-send scenario (issue 11's delivery budget): a brand with
// many followers (seeded by SeedFollowers) runs a campaign at o.Rate
// messages per second while o.Senders person-to-person senders, paced at
// 10 messages a second each, send beside it. Three phases of o.Duration:
//
//  1. the person-to-person senders alone: their POST p99 without a campaign;
//  2. the campaign delivering (after its plan) and the senders: the
//     campaign's messages per second, the senders' p99 with it;
//  3. the campaign alone: its messages per second, and the server's CPU per
//     campaign message (utime + stime of /proc/PID/stat over the phase).
//
// The plan (the audience, the consent decisions, the rows) is not in phase
// 2: campaign-plan measures it. The campaign is cancelled at the end.

// CampaignSendFollowers is the followers campaign-send seeds for a rate and
// a phase: enough for phases 2 and 3 at the full rate, with a margin.
func CampaignSendFollowers(rate int, d time.Duration) int {
	return max(1000, int(float64(rate)*2.2*d.Seconds()))
}

// p2pPerSender is each person-to-person sender's pace (messages a second).
const p2pPerSender = 10

// afternoonZone is a fixed-offset zone where it is about 14:00 now: no
// recipient is in quiet hours during the run.
func afternoonZone() string {
	off := 14 - time.Now().UTC().Hour()
	switch {
	case off == 0:
		return "UTC"
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off)
	default:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
}

// CampaignSend runs the scenario against a server seeded by SeedFollowers.
func CampaignSend(ctx context.Context, o Options) (*Result, error) {
	c := client.New(o.URL)
	if _, _, err := c.Login(ctx, CampaignBrand, benchPassword); err != nil {
		return nil, fmt.Errorf("campaign-send needs a server seeded by SeedFollowers: %w", err)
	}
	if _, err := c.PutBrandSettings(ctx, CampaignBrand, client.BrandSettings{TimeZone: afternoonZone()}); err != nil {
		return nil, err
	}
	hc := httpClient(o.Senders)
	defer hc.CloseIdleConnections()
	bar := newBar(o.Progress, "campaign-send: accounts", int64(2*o.Senders), 0)
	pairs, err := makePairs(ctx, o.URL, hc, "cs"+runID(), o.Senders, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	p2pRate := p2pPerSender * o.Senders
	r := &Result{Params: map[string]any{"campaign_rate": o.Rate, "p2p_senders": o.Senders, "p2p_rate": p2pRate, "phase": o.Duration.String()}}

	// 1. Person-to-person alone.
	bar = newBar(o.Progress, "campaign-send: p2p alone", 0, o.Duration)
	base, errs, _ := sendLoop(ctx, pairs, o.Duration, p2pRate, bar, 0)
	bar.Done()
	r.Errors += errs

	// 2. The campaign, planned, then delivering beside the senders.
	cp, err := c.CreateCampaign(ctx, CampaignBrand, client.CampaignInput{Name: "bench send", Audience: &client.Audience{Followers: true},
		Steps:         []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "Hi {{first_name|there}}, a bench offer", Weight: 100}}}},
		RatePerMinute: o.Rate * 60})
	if err != nil {
		return nil, err
	}
	if _, err := c.CampaignAction(ctx, CampaignBrand, cp.ID, "start"); err != nil {
		return nil, err
	}
	defer c.CampaignAction(context.WithoutCancel(ctx), CampaignBrand, cp.ID, "cancel")
	sample := func() (int, time.Duration, time.Time, error) {
		got, err := c.Campaign(ctx, CampaignBrand, cp.ID)
		if err != nil {
			return 0, 0, time.Time{}, err
		}
		cpu, err := processCPU(o.ServerPID)
		if err != nil {
			cpu = -1
		}
		if got.PlannedAt == nil {
			return -1, cpu, time.Now(), nil
		}
		return got.Progress.Sent, cpu, time.Now(), nil
	}
	var s0 int
	var c0 time.Duration
	var t0 time.Time
	for wait := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if s0, c0, t0, err = sample(); err != nil {
			return nil, err
		}
		if s0 >= 0 {
			break
		}
		if time.Since(wait) > 5*time.Minute {
			return nil, fmt.Errorf("campaign-send: not planned after 5 minutes")
		}
	}
	bar = newBar(o.Progress, "campaign-send: p2p beside the campaign", 0, o.Duration)
	with, errs, _ := sendLoop(ctx, pairs, o.Duration, p2pRate, bar, 0)
	bar.Done()
	r.Errors += errs
	s1, c1, t1, err := sample()
	if err != nil {
		return nil, err
	}

	// 3. The campaign alone.
	bar = newBar(o.Progress, "campaign-send: the campaign alone", 0, o.Duration)
	sleepCtx(ctx, o.Duration)
	bar.Done()
	s2, c2, t2, err := sample()
	if err != nil {
		return nil, err
	}
	// A phase shorter than the engine's pause between two lanes of work
	// (a loaded machine, the race detector) can see no delivery at all:
	// measure on until one arrives, for at most half a minute more.
	for limit := time.Now().Add(30 * time.Second); s2 == s1 && time.Now().Before(limit) && ctx.Err() == nil; {
		sleepCtx(ctx, 50*time.Millisecond)
		if s2, c2, t2, err = sample(); err != nil {
			return nil, err
		}
	}

	during := float64(s1-s0) / t1.Sub(t0).Seconds()
	alone := float64(s2-s1) / t2.Sub(t1).Seconds()
	// The budget: the configured rate, up to 5,000 a second.
	r.budget("campaign_msgs_per_s_with_p2p", during, "msgs/s", ">=", float64(min(o.Rate, 5000)))
	r.budget("campaign_msgs_per_s_alone", alone, "msgs/s", ">=", float64(min(o.Rate, 5000)))
	r.add("p2p_p99_without", base.pct(99), "ms")
	r.add("p2p_p99_with", with.pct(99), "ms")
	r.add("p2p_p50_without", base.pct(50), "ms")
	r.add("p2p_p50_with", with.pct(50), "ms")
	r.budget("p2p_p99_ratio", with.pct(99)/base.pct(99), "x", "<=", 2)
	r.add("p2p_msgs_without", float64(len(base)), "msgs")
	r.add("p2p_msgs_with", float64(len(with)), "msgs")
	r.add("campaign_sent", float64(s2), "msgs")
	if c0 >= 0 && c1 >= 0 && c2 >= 0 {
		if n := s2 - s1; n > 0 {
			r.add("server_cpu_per_msg", float64((c2-c1).Microseconds())/float64(n), "µs")
		}
		if n := s1 - s0 + len(with); n > 0 {
			r.add("server_cpu_per_msg_mixed", float64((c1-c0).Microseconds())/float64(n), "µs")
		}
		r.add("server_cpu_share_alone", (c2-c1).Seconds()/t2.Sub(t1).Seconds(), "cores")
	}
	return r, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
