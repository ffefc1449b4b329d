package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
)

// The campaign-plan scenario: a brand with many followers (seeded through
// the store by SeedFollowers) starts a campaign to all of them; the figure
// is the plan's time on the server, from the start to planned_at: the
// audience query, the consent engine's decision for each follower, and the
// delivery rows written.

// CampaignBrand is the brand SeedFollowers makes.
const CampaignBrand = "bench_brand"

// DefaultFollowers is the budget's audience.
const DefaultFollowers = 100_000

// SeedFollowers creates the brand and n people following it, in batches.
func SeedFollowers(ctx context.Context, store dm.Store, n int) error {
	identities := identity.New(store, identity.Config{RateLimitOff: true})
	b, err := identities.Signup(ctx, identity.SignupParams{Handle: CampaignBrand, Password: benchPassword, Kind: dm.KindBrand})
	if err != nil {
		return fmt.Errorf("seed: %s: %w (campaign-plan needs an empty database)", CampaignBrand, err)
	}
	t0 := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Millisecond)
	const batch = 2000
	for i := 0; i < n; i += batch {
		err := store.Update(ctx, func(tx dm.Tx) error {
			for k := i; k < min(n, i+batch); k++ {
				a := &dm.Account{ID: dm.NewID(), Handle: fmt.Sprintf("fan%d", k), Kind: dm.KindPerson, CreatedAt: t0}
				if err := tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x"); err != nil {
					return err
				}
				if err := tx.SetFollow(ctx, a.ID, b.ID, true); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// CampaignPlan measures the plan of a campaign to every follower of
// CampaignBrand (seeded with o.Accounts followers).
func CampaignPlan(ctx context.Context, o Options) (*Result, error) {
	c := client.New(o.URL)
	if _, _, err := c.Login(ctx, CampaignBrand, benchPassword); err != nil {
		return nil, fmt.Errorf("campaign-plan needs a server seeded by SeedFollowers: %w", err)
	}
	// A rate of 1 a minute: the sending lanes do not compete with the plan.
	cp, err := c.CreateCampaign(ctx, CampaignBrand, client.CampaignInput{Name: "bench", Audience: &client.Audience{Followers: true},
		Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "Hi {{first_name|there}}", Weight: 100}}}}, RatePerMinute: 1})
	if err != nil {
		return nil, err
	}
	wall := time.Now()
	c0, cpuErr := processCPU(o.ServerPID)
	started, err := c.CampaignAction(ctx, CampaignBrand, cp.ID, "start")
	if err != nil {
		return nil, err
	}
	var done *client.Campaign
	for {
		if done, err = c.Campaign(ctx, CampaignBrand, cp.ID); err != nil {
			return nil, err
		}
		if done.PlannedAt != nil {
			break
		}
		if time.Since(wall) > 5*time.Minute {
			return nil, fmt.Errorf("campaign-plan: not planned after 5 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := &Result{Params: map[string]any{"followers": done.Progress.Targeted}}
	r.budget("plan_seconds", done.PlannedAt.Sub(started.UpdatedAt).Seconds(), "s", "<=", 2)
	r.add("plan_wall_seconds", time.Since(wall).Seconds(), "s")
	// The server's CPU from the start to the first read that saw the plan
	// done: the plan's, and the reads polling for it (every 5 ms; a
	// steadier figure than the seconds on a loaded machine).
	if c1, cpuErr1 := processCPU(o.ServerPID); cpuErr == nil && cpuErr1 == nil {
		r.add("plan_server_cpu_seconds", (c1 - c0).Seconds(), "s")
	}
	r.add("targeted", float64(done.Progress.Targeted), "recipients")
	if err := funnelReads(ctx, c, cp.ID, o, r); err != nil {
		return nil, err
	}
	return r, nil
}

// funnelReads reads the planned campaign's funnel (its rows all pending)
// 200 times in a row, as a console refreshing it would: the latency of a
// read and the server's CPU per read.
func funnelReads(ctx context.Context, c *client.Client, id string, o Options, r *Result) error {
	const n = 200
	c0, cpuErr := processCPU(o.ServerPID)
	lat := make(latencies, 0, n)
	for range n {
		t0 := time.Now()
		f, err := c.CampaignFunnel(ctx, CampaignBrand, id)
		if err != nil {
			return fmt.Errorf("funnel: %w", err)
		}
		lat = append(lat, time.Since(t0))
		if f.Total.Targeted == 0 {
			return fmt.Errorf("funnel: nobody targeted")
		}
	}
	c1, cpuErr1 := processCPU(o.ServerPID)
	slices.Sort(lat)
	r.add("funnel_p50", lat.pct(50), "ms")
	r.add("funnel_p99", lat.pct(99), "ms")
	if cpuErr == nil && cpuErr1 == nil {
		r.add("funnel_server_cpu_per_read", float64((c1-c0).Microseconds())/n, "µs")
	}
	return nil
}
