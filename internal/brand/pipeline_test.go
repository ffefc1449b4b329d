package brand_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/webhooks"
)

// pipeline is the brand layer wired as the server wires it, in process and
// without HTTP, for the benchmarks and the tests that drive it at volume: a
// SQLite file (synchronous=FULL, as served), chat with the brand's and the
// webhooks' stages, and, with workers > 0, the job runner with the brand's
// jobs. now may be nil (the real clock). Everything closes with tb.
type pipeline struct {
	db    dm.Store
	chat  *chat.Service
	brand *brand.Service
	ids   *identity.Service
}

func newPipeline(tb testing.TB, now func() time.Time, workers int) *pipeline {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "pipeline.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	bus := inmem.New()
	tb.Cleanup(func() { bus.Close() })
	step := brand.NewStep(brand.Config{Now: now})
	hooks := webhooks.NewStep(step, webhooks.Config{})
	step.Watch(hooks)
	cfg := chat.Config{RateLimitOff: true, Now: now, Steps: []chat.Step{step, hooks}}
	var runner *jobs.Runner
	if workers > 0 {
		runner = jobs.New(db, jobs.Config{Workers: workers, Poll: 20 * time.Millisecond, Now: now})
		cfg.JobsEnqueued, cfg.LeaseJob, cfg.JobsLeased = runner.Kick, runner.Lease, runner.Offer
	}
	c := chat.New(db, bus, cfg)
	bs := brand.New(c, step)
	if runner != nil {
		bs.RegisterJobs(runner)
		runner.Start()
		tb.Cleanup(func() { runner.Close(ctx) })
	}
	return &pipeline{db: db, chat: c, brand: bs,
		ids: identity.New(db, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})}
}

// daytimePipeline is newPipeline with two job workers and a clock that
// moves as the real one does from 14:00 UTC on a Monday, so that campaign
// sends are not deferred to the morning; now is that clock.
func daytimePipeline(tb testing.TB) (p *pipeline, now func() time.Time) {
	start, day := time.Now(), time.Date(2026, 6, 1, 14, 0, 0, 0, time.UTC)
	now = func() time.Time { return day.Add(time.Since(start)) }
	return newPipeline(tb, now, 2), now
}

// signup makes an account of kind (dm.KindPerson, dm.KindBrand) whose
// password is "password-" and its handle.
func (p *pipeline) signup(tb testing.TB, handle, kind string) *dm.Account {
	tb.Helper()
	a, err := p.ids.Signup(context.Background(), identity.SignupParams{Handle: handle, Password: "password-" + handle, Kind: kind})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// pair signs up aaa<i> and zzz<i> and opens their accepted direct
// conversation: from writes in conv as one person to another.
func (p *pipeline) pair(tb testing.TB, i int) (from *dm.Account, conv string) {
	tb.Helper()
	ctx := context.Background()
	a, z := p.signup(tb, fmt.Sprintf("aaa%d", i), dm.KindPerson), p.signup(tb, fmt.Sprintf("zzz%d", i), dm.KindPerson)
	c, _, err := p.chat.CreateConversation(ctx, a, []string{z.Handle}, "")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.chat.Accept(ctx, z, c.ID); err != nil {
		tb.Fatal(err)
	}
	return a, c.ID
}

// followers signs up fan0 .. fan<n-1>, each following the brand acme.
func (p *pipeline) followers(tb testing.TB, n int) []*dm.Account {
	tb.Helper()
	var fans []*dm.Account
	for i := range n {
		fan := p.signup(tb, fmt.Sprintf("fan%d", i), dm.KindPerson)
		if err := p.chat.Follow(context.Background(), fan, "acme", true); err != nil {
			tb.Fatal(err)
		}
		fans = append(fans, fan)
	}
	return fans
}

// startCampaign creates and starts a one-message campaign of the brand
// acme (handle "acme") to its followers at the maximum rate, and returns
// its id.
func (p *pipeline) startCampaign(tb testing.TB, acme *dm.Account, name, text string) string {
	tb.Helper()
	ctx := context.Background()
	v, err := p.brand.CreateCampaign(ctx, acme, "acme", brand.CampaignInput{Name: name, Type: campaign.TypeMessage,
		Audience: &campaign.Audience{Followers: true}, RatePerMinute: campaign.MaxRate,
		Steps: []campaign.Step{{Variants: []campaign.Variant{{Name: "A", Text: text, Weight: 100}}}}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.brand.CampaignAct(ctx, acme, "acme", v.Campaign.ID, brand.ActionStart); err != nil {
		tb.Fatal(err)
	}
	return v.Campaign.ID
}
