package e2e

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestFollowUpCountsFromDelivery: a follow-up's delay counts, for each
// recipient, from when that recipient got the step before, not from when
// the campaign was planned. "day" gets the first message at 12:00 UTC and
// the follow-up an hour later; "night" lives in Tokyo (21:00 there), so
// quiet hours hold the first message until 09:00 Tokyo (00:00 UTC), and
// the follow-up must come an hour after that, 01:00 UTC, not before and
// not never. The server's clock is the test's.
func TestFollowUpCountsFromDelivery(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "spa", Password: password("spa"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	spa := e.anon()
	_, _, err := spa.Login(ctx, "spa", password("spa"))
	must(t, err, "login")
	_, err = spa.PutBrandSettings(ctx, "spa", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	ps := e.people("f", 2, "spa")
	day, night := ps[0], ps[1]
	tokyo := "Asia/Tokyo"
	_, _, err = night.UpdateMe(ctx, client.MeUpdate{TimeZone: &tokyo})
	must(t, err, "time zone")

	steps := []client.CampaignStep{
		{Variants: []client.CampaignVariant{{Name: "A", Text: "Our spa opens Monday", Weight: 100}}},
		{Variants: []client.CampaignVariant{{Name: "A", Text: "Book your first visit?", Weight: 100}}, DelayMinutes: 60},
	}
	c, err := spa.CreateCampaign(ctx, "spa", client.CampaignInput{Name: "Opening", Audience: &client.Audience{Followers: true}, Steps: steps, RatePerMinute: 600000})
	must(t, err, "create")
	_, err = spa.CampaignAction(ctx, "spa", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, spa, "spa", c.ID, "the day person's message", func(c *client.Campaign) bool {
		return c.Progress.Sent == 1 && c.Progress.Deferred == 1
	})
	count := func(p *client.Client) int {
		convs := e.folder(p, "inbox")
		if len(convs) == 0 {
			return 0
		}
		return campaignMessages(t, ctx, p, convs[0], c.ID)
	}
	// 13:01 UTC: the day person's follow-up is due; night has had nothing.
	clk.Add(61 * time.Minute)
	waitCampaign(t, ctx, spa, "spa", c.ID, "the day person's follow-up", func(c *client.Campaign) bool { return c.Progress.Sent >= 2 })
	if d, n := count(day), count(night); d != 2 || n != 0 {
		t.Fatalf("at 13:01 UTC: day has %d campaign messages, night %d; want 2 and 0", d, n)
	}
	// 00:30 UTC (09:30 in Tokyo): night got the first message at 00:00,
	// and its follow-up is not due before 01:00.
	clk.Add(time.Date(2026, 6, 2, 0, 30, 0, 0, time.UTC).Sub(clk.Now()))
	waitCampaign(t, ctx, spa, "spa", c.ID, "night's first message", func(c *client.Campaign) bool { return c.Progress.Sent >= 3 })
	// Time for a follow-up sent too early to show.
	for range 20 {
		clk.Add(time.Second)
		time.Sleep(10 * time.Millisecond)
	}
	if d, n := count(day), count(night); d != 2 || n != 1 {
		t.Fatalf("at 00:30 UTC: day has %d campaign messages, night %d; want 2 and 1 (the follow-up is due at 01:00)", d, n)
	}
	// 01:01 UTC: night's follow-up, an hour after night got the first.
	clk.Add(time.Date(2026, 6, 2, 1, 1, 0, 0, time.UTC).Sub(clk.Now()))
	done := waitCampaign(t, ctx, spa, "spa", c.ID, "the campaign to finish", func(c *client.Campaign) bool {
		clk.Add(10 * time.Second)
		return c.Status == "done"
	})
	if d, n := count(day), count(night); d != 2 || n != 2 {
		t.Errorf("at the end: day has %d campaign messages, night %d; want 2 each", d, n)
	}
	if done.Progress.Targeted != 4 || done.Progress.Sent != 4 {
		t.Errorf("progress %+v, want 4 targeted and 4 sent", done.Progress)
	}
}
