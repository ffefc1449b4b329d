package e2e

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/server"
)

// The invitation's calendar file is text/calendar, which the document
// describes as a string: the conformance check reads it as a file.
func init() { openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder) }

// people signs up n people prefix0 ... prefix(n-1), logs each in, and has
// each follow the brand (when follow is set), a few at a time.
func (e *env) people(prefix string, n int, follow string) []*client.Client {
	e.t.Helper()
	out := make([]*client.Client, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			h := fmt.Sprintf("%s%03d", prefix, i)
			c := e.anon()
			if _, err := c.Signup(e.ctx, client.SignupParams{Handle: h, Password: password(h)}); err != nil {
				errs[i] = err
				return
			}
			if _, _, err := c.Login(e.ctx, h, password(h)); err != nil {
				errs[i] = err
				return
			}
			if follow != "" {
				errs[i] = c.Follow(e.ctx, follow)
			}
			out[i] = c
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.t.Fatalf("people: %v", err)
	}
	return out
}

// campaignMessages counts the campaign messages of one campaign (any, if
// id is "") in c's conversation with brand, and checks that each is marked
// automated.
func campaignMessages(t *testing.T, ctx context.Context, c *client.Client, convID, id string) int {
	t.Helper()
	msgs, err := allMessages(ctx, c, convID)
	must(t, err, "list messages")
	n := 0
	for _, m := range msgs {
		if m.CampaignID != "" && (id == "" || m.CampaignID == id) {
			if !m.Automated {
				t.Errorf("campaign message %s is not marked automated", m.ID)
			}
			n++
		}
	}
	return n
}

// waitCampaign polls a campaign until ok holds for it (bounded).
func waitCampaign(t *testing.T, ctx context.Context, brand *client.Client, handle, id, what string, ok func(*client.Campaign) bool) *client.Campaign {
	t.Helper()
	// Generous: under the race detector on a loaded machine a send can
	// take most of a second.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		c, err := brand.Campaign(ctx, handle, id)
		must(t, err, "get campaign")
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: campaign is %s with %+v", what, c.Status, c.Progress)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func oneMessage(text string) []client.CampaignStep {
	return []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: text, Weight: 100}}}}
}

// TestCampaignThousandFollowers sends a campaign to 1,000 people of whom
// some said STOP, some had two promotional messages this week already,
// some blocked the brand and some live where it is night: the progress
// counts each reason exactly, nobody held back gets anything, and the
// people in quiet hours get the message when their morning comes (on the
// server's clock, moved on by the test), each exactly once.
func TestCampaignThousandFollowers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short is set and this test needs 1,000 sign-ups and a campaign to all of them: run it without -short")
	}
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "acme", Password: password("acme"), DisplayName: "Acme", Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	acme := e.anon()
	_, _, err := acme.Login(ctx, "acme", password("acme"))
	must(t, err, "login acme")
	_, err = acme.PutBrandSettings(ctx, "acme", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")

	const n = 1000
	ps := e.people("p", n, "acme")
	type group struct {
		name     string
		from, to int
	}
	stop, capped, blocked, night := group{"stop", 0, 50}, group{"capped", 50, 100}, group{"blocked", 100, 150}, group{"night", 150, 250}
	convs := make([]string, n)
	conv := func(i int) string {
		if convs[i] == "" {
			c, _, err := ps[i].CreateConversation(ctx, []string{"acme"}, "")
			must(t, err, "open conversation with acme")
			convs[i] = c.ID
		}
		return convs[i]
	}
	for i := stop.from; i < stop.to; i++ {
		e.send(ps[i], conv(i), "STOP")
	}
	for i := capped.from; i < blocked.to; i++ {
		e.send(ps[i], conv(i), "hello")
	}
	for i := blocked.from; i < blocked.to; i++ {
		must(t, ps[i].Block(ctx, "acme"), "block acme")
	}
	tokyo := "Asia/Tokyo" // 21:00 there at 12:00 UTC: quiet until 09:00, 00:00 UTC
	for i := night.from; i < night.to; i++ {
		_, _, err := ps[i].UpdateMe(ctx, client.MeUpdate{TimeZone: &tokyo})
		must(t, err, "set time zone")
	}

	// Two earlier campaigns to those who wrote this month: the capped
	// group gets both (and has had its 2 promotional messages this week).
	wrote := client.Audience{WroteWithinDays: 30}
	for k := range 2 {
		c, err := acme.CreateCampaign(ctx, "acme", client.CampaignInput{Name: fmt.Sprintf("warm-up %d", k), Audience: &wrote,
			Steps: oneMessage("Hi {{first_name|there}}, news from Acme"), RatePerMinute: 600000})
		must(t, err, "create warm-up")
		_, err = acme.CampaignAction(ctx, "acme", c.ID, "start")
		must(t, err, "start warm-up")
		done := waitCampaign(t, ctx, acme, "acme", c.ID, "the warm-up to finish", func(c *client.Campaign) bool { return c.Status == "done" })
		want := client.CampaignProgress{CampaignID: c.ID, Status: "done", Targeted: 150, Sent: 50,
			Skipped: map[string]int{"opted_out": 50, "blocked": 50}}
		if !progressEqual(done.Progress, want) {
			t.Fatalf("warm-up %d: progress %+v, want %+v", k, done.Progress, want)
		}
	}

	// Preview, then the campaign to followers and everyone who wrote.
	aud := client.Audience{Or: []*client.Audience{{Followers: true}, {WroteWithinDays: 30}}}
	pv, err := acme.PreviewAudience(ctx, "acme", aud)
	must(t, err, "preview")
	if pv.Count != n || len(pv.Sample) != 10 {
		t.Errorf("preview: %d people, %d in the sample; want %d and 10", pv.Count, len(pv.Sample), n)
	}
	main, err := acme.CreateCampaign(ctx, "acme", client.CampaignInput{Name: "Summer sale", Audience: &aud,
		Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{
			{Name: "A", Text: "{{first_name|Hi}}, 20% off this week", Weight: 50},
			{Name: "B", Text: "Summer sale: 20% off for you", Weight: 50}}}},
		RatePerMinute: 600000})
	must(t, err, "create campaign")
	if main.Status != "draft" || main.Progress.Targeted != 0 {
		t.Errorf("new campaign: %s with %+v", main.Status, main.Progress)
	}
	_, err = acme.CampaignAction(ctx, "acme", main.ID, "start")
	must(t, err, "start")
	got := waitCampaign(t, ctx, acme, "acme", main.ID, "everyone but the night group", func(c *client.Campaign) bool {
		return c.Status == "running" && c.Progress.Pending == c.Progress.Deferred && c.Progress.Targeted > 0
	})
	want := client.CampaignProgress{CampaignID: main.ID, Status: "running", Targeted: n, Pending: 100, Deferred: 100, Sent: 750,
		Skipped: map[string]int{"opted_out": 50, "frequency_cap": 50, "blocked": 50}}
	if !progressEqual(got.Progress, want) {
		t.Fatalf("progress %+v, want %+v", got.Progress, want)
	}
	for _, g := range []group{stop, capped, blocked, night} {
		for i := g.from; i < g.to; i++ {
			if convs[i] == "" {
				continue
			}
			if k := campaignMessages(t, ctx, ps[i], convs[i], main.ID); k != 0 {
				t.Errorf("%s person p%d got %d campaign messages before morning", g.name, i, k)
			}
		}
	}
	// The ordinary people got it once each, in their inbox (they follow
	// the brand), marked as a campaign.
	for _, i := range []int{250, 500, 999} {
		convs := e.folder(ps[i], "inbox")
		if len(convs) != 1 {
			t.Fatalf("p%d has %d conversations in the inbox, want the one with acme", i, len(convs))
		}
		if k := campaignMessages(t, ctx, ps[i], convs[0], main.ID); k != 1 {
			t.Errorf("p%d got %d campaign messages, want 1", i, k)
		}
	}

	// Morning in Tokyo: the night group gets it, once.
	clk.Add(12*time.Hour + time.Second)
	done := waitCampaign(t, ctx, acme, "acme", main.ID, "the campaign to finish", func(c *client.Campaign) bool { return c.Status == "done" })
	want.Status, want.Pending, want.Deferred, want.Sent = "done", 0, 0, 850
	if !progressEqual(done.Progress, want) {
		t.Fatalf("after the morning: progress %+v, want %+v", done.Progress, want)
	}
	for i := night.from; i < night.to; i += 7 {
		convs := e.folder(ps[i], "inbox")
		if len(convs) != 1 || campaignMessages(t, ctx, ps[i], convs[0], main.ID) != 1 {
			t.Errorf("night person p%d: %d conversations, want one with one campaign message", i, len(convs))
		}
	}
	for i := capped.from; i < capped.to; i += 5 {
		if k := campaignMessages(t, ctx, ps[i], convs[i], ""); k != 2 {
			t.Errorf("capped person p%d has %d campaign messages, want the 2 warm-ups", i, k)
		}
	}
	// The team heard of it live: campaign.progress events with the final counts.
	final, progress, cursor := false, 0, "0"
	for {
		evs, next, err := acme.Events(ctx, cursor, 200)
		must(t, err, "brand events")
		for _, ev := range evs {
			if ev.Type == "campaign.progress" && ev.Campaign != nil && ev.Campaign.CampaignID == main.ID {
				progress++
				final = ev.Campaign.Status == "done" && progressEqual(*ev.Campaign, want)
			}
		}
		if len(evs) == 0 {
			break
		}
		cursor = next
	}
	if !final {
		t.Errorf("the last of %d campaign.progress events of the campaign does not have the final counts", progress)
	}
}

// afternoonZone names a fixed-offset zone where it is about 14:00 now.
func afternoonZone() string {
	off := 14 - time.Now().UTC().Hour() // -9 ... +14
	switch {
	case off == 0:
		return "UTC"
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off) // the POSIX sign is inverted
	default:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
}

func progressEqual(a, b client.CampaignProgress) bool {
	return a.CampaignID == b.CampaignID && a.Status == b.Status && a.Targeted == b.Targeted && a.Pending == b.Pending &&
		a.Deferred == b.Deferred && a.Sent == b.Sent && a.Failed == b.Failed && a.Cancelled == b.Cancelled && maps.Equal(a.Skipped, b.Skipped)
}

// TestCampaignStopMidway: a person who says STOP while a campaign is being
// sent gets nothing from it, at once, and is counted as opted out; pause
// holds the rest back and resume sends them.
func TestCampaignStopMidway(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "shop", Password: password("shop"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	shop := e.anon()
	_, _, err := shop.Login(ctx, "shop", password("shop"))
	must(t, err, "login")
	const n = 10
	ps := e.people("q", n, "shop")
	// 60 a minute: each of the two lanes sends one every 2 s of the clock.
	c, err := shop.CreateCampaign(ctx, "shop", client.CampaignInput{Name: "Slow", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("New arrivals"), RatePerMinute: 60})
	must(t, err, "create")
	_, err = shop.CampaignAction(ctx, "shop", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, shop, "shop", c.ID, "the first batch", func(c *client.Campaign) bool { return c.Progress.Sent == 2 })
	// Someone not sent to yet says STOP.
	stopper := -1
	for i := range n {
		if len(e.folder(ps[i], "inbox")) == 0 {
			stopper = i
			break
		}
	}
	if stopper < 0 {
		t.Fatal("everyone got it already")
	}
	conv := e.direct(ps[stopper], "shop")
	e.send(ps[stopper], conv.ID, "stop")
	// Pause: moving the clock on sends nothing.
	_, err = shop.CampaignAction(ctx, "shop", c.ID, "pause")
	must(t, err, "pause")
	clk.Add(10 * time.Second)
	time.Sleep(100 * time.Millisecond)
	if p, _ := shop.Campaign(ctx, "shop", c.ID); p.Progress.Sent != 2 || p.Status != "paused" {
		t.Fatalf("paused campaign: %s, %+v", p.Status, p.Progress)
	}
	_, err = shop.CampaignAction(ctx, "shop", c.ID, "resume")
	must(t, err, "resume")
	// The clock moves 2 s at a time (one batch per lane) until the end.
	done := waitCampaign(t, ctx, shop, "shop", c.ID, "the end", func(c *client.Campaign) bool {
		clk.Add(2 * time.Second)
		return c.Status == "done"
	})
	if done.Progress.Sent != n-1 || done.Progress.Skipped["opted_out"] != 1 || done.Progress.Targeted != n {
		t.Errorf("progress %+v, want %d sent and 1 opted out", done.Progress, n-1)
	}
	if k := campaignMessages(t, ctx, ps[stopper], conv.ID, c.ID); k != 0 {
		t.Errorf("the person who said STOP got %d campaign messages", k)
	}
	// Nobody outside the brand's team sees the campaign.
	_, err = ps[0].Campaign(ctx, "shop", c.ID)
	wantStatus(t, err, 404, "a follower reads the campaign")
	_, err = ps[0].CampaignAction(ctx, "shop", c.ID, "cancel")
	wantStatus(t, err, 404, "a follower cancels the campaign")
}

// TestCampaignSurvivesKill9 kills the server with SIGKILL while a campaign
// is being sent and restarts it: every follower gets the message exactly
// once (nobody twice, nobody missed).
func TestCampaignSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds cmd/parley and kills it; run without -short")
	}
	t.Parallel()
	tmp := t.TempDir()
	bin := buildParley(t, tmp)
	data := filepath.Join(tmp, "data")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	p := serve(t, bin, data, "--job-lease", "2s")
	if _, err := client.New(p.url).Signup(ctx, client.SignupParams{Handle: "shop", Password: password("shop"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, url: p.url}
	const n = 40
	e.people("k", n, "shop")
	shop := client.New(p.url)
	_, _, err := shop.Login(ctx, "shop", password("shop"))
	must(t, err, "login")
	// The real clock runs here: the brand's zone is one where it is 14:00
	// now, far from the quiet hours.
	_, err = shop.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: afternoonZone()})
	must(t, err, "brand settings")
	// 600 a minute: 5 per lane per second, 4 s for everyone.
	c, err := shop.CreateCampaign(ctx, "shop", client.CampaignInput{Name: "Crash", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("Flash sale"), RatePerMinute: 600})
	must(t, err, "create")
	_, err = shop.CampaignAction(ctx, "shop", c.ID, "start")
	must(t, err, "start")
	mid := waitCampaign(t, ctx, shop, "shop", c.ID, "some sent", func(c *client.Campaign) bool { return c.Progress.Sent >= 5 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if mid.Progress.Sent >= n {
		t.Fatalf("the campaign was over before the kill: %+v", mid.Progress)
	}
	<-p.exited
	p2 := serve(t, bin, data, "--job-lease", "2s")
	shop2 := client.New(p2.url)
	_, _, err = shop2.Login(ctx, "shop", password("shop"))
	must(t, err, "login after restart")
	done := waitCampaign(t, ctx, shop2, "shop", c.ID, "the campaign to finish after the restart", func(c *client.Campaign) bool { return c.Status == "done" })
	if done.Progress.Sent != n || done.Progress.Targeted != n {
		t.Errorf("progress %+v, want all %d sent", done.Progress, n)
	}
	// From the brand's side: one conversation per follower, each with
	// exactly one campaign message.
	convs, _, err := shop2.Conversations(ctx, "inbox", "", 200)
	must(t, err, "brand conversations")
	if len(convs) != n {
		t.Errorf("the brand has %d conversations, want %d", len(convs), n)
	}
	for _, cv := range convs {
		if k := campaignMessages(t, ctx, shop2, cv.ID, c.ID); k != 1 {
			t.Errorf("conversation %s has %d campaign messages, want 1", cv.ID, k)
		}
	}
}

// TestCampaignTwoNodes runs one campaign on two nodes over one PostgreSQL
// database, kills the node that started it while it sends, and checks that
// every follower got the message exactly once.
func TestCampaignTwoNodes(t *testing.T) {
	m := newMultiNodeEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	a := m.node(t, "--job-lease", "2s")
	b := m.node(t, "--job-lease", "2s")
	if _, err := client.New(a.url).Signup(ctx, client.SignupParams{Handle: "shop", Password: password("shop"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, url: a.url}
	const n = 40
	e.people("t", n, "shop")
	shopA, shopB := client.New(a.url), client.New(b.url)
	_, _, err := shopA.Login(ctx, "shop", password("shop"))
	must(t, err, "login on a")
	_, _, err = shopB.Login(ctx, "shop", password("shop"))
	must(t, err, "login on b")
	_, err = shopA.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: afternoonZone()})
	must(t, err, "brand settings")
	c, err := shopA.CreateCampaign(ctx, "shop", client.CampaignInput{Name: "Two nodes", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("Hello from both nodes"), RatePerMinute: 600})
	must(t, err, "create")
	_, err = shopA.CampaignAction(ctx, "shop", c.ID, "start")
	must(t, err, "start")
	mid := waitCampaign(t, ctx, shopB, "shop", c.ID, "some sent", func(c *client.Campaign) bool { return c.Progress.Sent >= 5 })
	a.kill()
	if mid.Progress.Sent >= n {
		t.Fatalf("the campaign was over before the kill: %+v", mid.Progress)
	}
	done := waitCampaign(t, ctx, shopB, "shop", c.ID, "node b to finish the campaign", func(c *client.Campaign) bool { return c.Status == "done" })
	if done.Progress.Sent != n {
		t.Errorf("progress %+v, want all %d sent", done.Progress, n)
	}
	convs, _, err := shopB.Conversations(ctx, "inbox", "", 200)
	must(t, err, "brand conversations")
	if len(convs) != n {
		t.Errorf("the brand has %d conversations, want %d", len(convs), n)
	}
	for _, cv := range convs {
		if k := campaignMessages(t, ctx, shopB, cv.ID, c.ID); k != 1 {
			t.Errorf("conversation %s has %d campaign messages, want 1", cv.ID, k)
		}
	}
}

// TestCampaignConsentSettings: a brand's own STOP word, the frequency cap
// lowered by the brand (never raised past the operator's), the operator's
// daily cap per brand, an explicit opt-in by a quick reply, and a person
// opting out from "Manage messages" rather than by a word.
func TestCampaignConsentSettings(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startWith(t, limitsOff, func(cfg *server.Config) {
		cfg.Now, cfg.JobPoll = clk.Now, 10*time.Millisecond
		cfg.ConsentLimits = brand.Limits{MaxFrequencyCap: 3, BrandDailyCap: 4}
	})
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "shop", Password: password("shop"), DisplayName: "Shop", Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	shop := e.anon()
	_, _, err := shop.Login(ctx, "shop", password("shop"))
	must(t, err, "login")
	_, err = shop.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	_, err = shop.PutConsentSettings(ctx, "shop", client.ConsentSettings{FrequencyCap: 4, StopWords: []string{}, StartWords: []string{}})
	wantStatus(t, err, 400, "a frequency cap above the operator's")
	set, err := shop.PutConsentSettings(ctx, "shop", client.ConsentSettings{FrequencyCap: 1, StopWords: []string{"basta"}, StartWords: []string{}})
	must(t, err, "consent settings")
	if set.FrequencyCap != 1 || len(set.StopWords) != 1 || set.StopWords[0] != "BASTA" {
		t.Errorf("consent settings %+v", set)
	}
	fs := e.people("f", 6, "shop")
	nf := e.people("n", 1, "")[0]
	// f000 says the brand's own stop word.
	c0 := e.direct(fs[0], "shop")
	e.send(fs[0], c0.ID, "Basta!")
	waitMessages(t, fs[0], c0.ID, "the STOP confirmation", func(ms []client.Message) bool { return countAutomated(ms) == 1 })
	// f001 opts out from "Manage messages from Shop".
	yes, no := true, false
	mc, err := fs[1].SetMessagesConsent(ctx, "shop", client.MessagesConsentUpdate{OptedOut: &yes})
	must(t, err, "opt out")
	if !mc.OptedOut || !mc.Follows || mc.Brand.Handle != "shop" {
		t.Errorf("messages consent %+v", mc)
	}
	if m, err := fs[0].MessagesConsent(ctx, "shop"); err != nil || !m.OptedOut {
		t.Errorf("f000's consent after Basta: %+v %v", m, err)
	}
	_, err = fs[2].MessagesConsent(ctx, "f003")
	wantStatus(t, err, 404, "the messages consent of a person")
	// n000 does not follow, and opts in by the quick reply.
	cn := e.direct(nf, "shop")
	_, _, err = nf.Send(ctx, cn.ID, client.SendParams{Text: "Yes, send me offers", Payload: "parley:opt_in"})
	must(t, err, "opt in")
	if m, err := nf.MessagesConsent(ctx, "shop"); err != nil || !m.OptedIn || m.Follows {
		t.Errorf("n000's consent after the opt-in: %+v %v", m, err)
	}

	aud := client.Audience{Or: []*client.Audience{{Followers: true}, {WroteWithinDays: 30}}}
	run := func(name string, want client.CampaignProgress) {
		t.Helper()
		c, err := shop.CreateCampaign(ctx, "shop", client.CampaignInput{Name: name, Audience: &aud, Steps: oneMessage("Offer"), RatePerMinute: 600000})
		must(t, err, "create")
		_, err = shop.CampaignAction(ctx, "shop", c.ID, "start")
		must(t, err, "start")
		done := waitCampaign(t, ctx, shop, "shop", c.ID, name, func(c *client.Campaign) bool { return c.Status == "done" })
		want.CampaignID, want.Status = c.ID, "done"
		if !progressEqual(done.Progress, want) {
			t.Errorf("%s: progress %+v, want %+v", name, done.Progress, want)
		}
	}
	// Five may get it; the operator's daily cap lets 4 through today.
	run("monday", client.CampaignProgress{Targeted: 7, Sent: 4, Skipped: map[string]int{"opted_out": 2, "daily_cap": 1}})
	// The next day: the brand's cap of 1 a week holds the 4 back; the fifth gets it.
	clk.Add(24 * time.Hour)
	run("tuesday", client.CampaignProgress{Targeted: 7, Sent: 1, Skipped: map[string]int{"opted_out": 2, "frequency_cap": 4}})
	if k := campaignMessages(t, ctx, nf, cn.ID, ""); k != 1 {
		t.Errorf("the opted-in non-follower got %d campaign messages, want 1", k)
	}
	// START from the settings page opts back in.
	mc, err = fs[1].SetMessagesConsent(ctx, "shop", client.MessagesConsentUpdate{OptedOut: &no})
	if err != nil || mc.OptedOut {
		t.Errorf("opt back in: %+v %v", mc, err)
	}
}

// TestCampaignEventRSVP: an event invitation with 20 places; 50 people tap
// Yes at once: exactly 20 are going and 30 wait, in order; 5 of the going
// change to No and the first 5 waiting get their places; a forged RSVP from
// someone not invited counts nothing; the .ics link is for the invited; the
// going get one reminder an hour before (on the server's clock).
func TestCampaignEventRSVP(t *testing.T) {
	onBothStores(t, testEventRSVP)
}

func testEventRSVP(t *testing.T, pgURL string) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startWith(t, limitsOff, func(cfg *server.Config) {
		cfg.Now, cfg.JobPoll, cfg.PostgresURL = clk.Now, 10*time.Millisecond, pgURL
	})
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "club", Password: password("club"), DisplayName: "Club", Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	club := e.anon()
	_, _, err := club.Login(ctx, "club", password("club"))
	must(t, err, "login")
	_, err = club.PutBrandSettings(ctx, "club", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	const n = 50
	ps := e.people("r", n, "club")
	outsider := e.people("x", 1, "")[0]
	starts := time.Date(2026, 6, 2, 18, 0, 0, 0, time.UTC)
	_, err = club.CreateCampaign(ctx, "club", client.CampaignInput{Name: "Launch party", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("You're invited, {{first_name|friend}}!"), RatePerMinute: 600000,
		Event: &client.CampaignEvent{Title: "Launch party", StartsAt: starts.Add(time.Hour * 24 * 400), TimeZone: "Nowhere/Town", Capacity: 20}})
	wantStatus(t, err, 400, "an event in an unknown time zone")
	c, err := club.CreateCampaign(ctx, "club", client.CampaignInput{Name: "Launch party", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("You're invited, {{first_name|friend}}!"), RatePerMinute: 600000,
		Event: &client.CampaignEvent{Title: "Launch party", StartsAt: starts, TimeZone: "Europe/Paris", Place: "12 rue de la Paix", Capacity: 20, ReminderMinutes: 60}})
	must(t, err, "create the invitation")
	if c.Type != "event" || c.Event == nil || c.Event.Capacity != 20 {
		t.Fatalf("invitation %+v", c)
	}
	_, err = club.CampaignAction(ctx, "club", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, club, "club", c.ID, "the invitations", func(c *client.Campaign) bool { return c.Status == "done" && c.Progress.Sent == n })

	// Each invitation carries the event and the three buttons.
	convs := make([]string, n)
	var yes string
	for i, p := range ps {
		cs := e.folder(p, "inbox")
		if len(cs) != 1 {
			t.Fatalf("r%03d has %d conversations", i, len(cs))
		}
		convs[i] = cs[0]
		if i == 0 {
			msgs, err := allMessages(ctx, p, cs[0])
			must(t, err, "messages")
			m := msgs[0]
			if m.CampaignID != c.ID || len(m.QuickReplies) != 3 || m.QuickReplies[0].Title != "Yes" || !strings.Contains(m.Text, "Launch party · Tue 2 Jun 2026, 20:00 CEST") {
				t.Fatalf("invitation message %+v", m)
			}
			yes = m.QuickReplies[0].Payload
		}
	}
	// A forged tap from someone not invited counts nothing.
	oc := e.direct(outsider, "club")
	_, _, err = outsider.Send(ctx, oc.ID, client.SendParams{Text: "Yes", Payload: yes})
	must(t, err, "the outsider's tap")
	// 50 taps at once.
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := ps[i].Send(ctx, convs[i], client.SendParams{Text: "Yes", Payload: yes}); err != nil {
				t.Errorf("r%03d taps Yes: %v", i, err)
			}
		}()
	}
	wg.Wait()
	got, err := club.Campaign(ctx, "club", c.ID)
	must(t, err, "campaign")
	if r := got.Progress.RSVP; r == nil || *r != (client.RSVPTally{Yes: 20, Waitlist: 30}) {
		t.Fatalf("tally after 50 taps: %+v, want 20 going and 30 waiting", r)
	}
	// Who is going? Those confirmed "You're in".
	going := func(i int) bool {
		msgs, err := allMessages(ctx, ps[i], convs[i])
		must(t, err, "messages")
		for _, m := range msgs {
			if m.Automated && (strings.HasPrefix(m.Text, "You're in:") || strings.HasPrefix(m.Text, "A place opened up")) {
				return true
			}
		}
		return false
	}
	var in []int
	deadline := time.Now().Add(10 * time.Second)
	for {
		in = in[:0]
		for i := range n {
			if going(i) {
				in = append(in, i)
			}
		}
		if len(in) == 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(in) != 20 {
		t.Fatalf("%d people were told they are in, want 20", len(in))
	}
	no := ""
	msgs, _ := allMessages(ctx, ps[0], convs[0])
	for _, m := range msgs {
		for _, q := range m.QuickReplies {
			if q.Title == "No" {
				no = q.Payload
			}
		}
	}
	for _, i := range in[:5] {
		_, _, err := ps[i].Send(ctx, convs[i], client.SendParams{Text: "No", Payload: no})
		must(t, err, "tap No")
	}
	got, err = club.Campaign(ctx, "club", c.ID)
	must(t, err, "campaign")
	if r := got.Progress.RSVP; r == nil || *r != (client.RSVPTally{Yes: 20, Waitlist: 25, No: 5}) {
		t.Fatalf("tally after 5 No: %+v, want 20 going, 25 waiting, 5 no", r)
	}

	// The calendar file: for the invited, not for others.
	ics, hdr, err := ps[0].Download(ctx, "/api/v1/campaigns/"+c.ID+"/event.ics")
	must(t, err, "ics")
	if !strings.HasPrefix(hdr.Get("Content-Type"), "text/calendar") || !strings.Contains(string(ics), "SUMMARY:Launch party") ||
		!strings.Contains(string(ics), "DTSTART:20260602T180000Z") {
		t.Errorf("ics %s %q", hdr.Get("Content-Type"), ics)
	}
	_, _, err = outsider.Download(ctx, "/api/v1/campaigns/"+c.ID+"/event.ics")
	wantStatus(t, err, 404, "the ics for someone not invited")
	// The invitation links to it with an absolute address (the server's
	// public URL), so that the app makes it a link.
	calendar := "Add to calendar: " + e.url + "/api/v1/campaigns/" + c.ID + "/event.ics"
	if !slices.ContainsFunc(msgs, func(m client.Message) bool { return m.CampaignID == c.ID && strings.Contains(m.Text, calendar) }) {
		t.Errorf("no invitation of %s says %q", c.ID, calendar)
	}

	// An hour before: the 20 going get one reminder each.
	clk.Add(starts.Add(-time.Hour + time.Second).Sub(clk.Now()))
	reminded := func(i int) int {
		msgs, err := allMessages(ctx, ps[i], convs[i])
		must(t, err, "messages")
		k := 0
		for _, m := range msgs {
			if strings.HasPrefix(m.Text, "Reminder: Launch party") {
				k++
			}
		}
		return k
	}
	total := 0
	for deadline = time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		total = 0
		for i := range n {
			total += reminded(i)
		}
		if total >= 20 || time.Now().After(deadline) {
			break
		}
	}
	if total != 20 || reminded(in[5]) != 1 || reminded(in[0]) != 0 {
		t.Errorf("%d reminders (going r%03d: %d, withdrawn r%03d: %d), want 20, one each to the going", total, in[5], reminded(in[5]), in[0], reminded(in[0]))
	}
}

// TestCampaignOffer: an exclusive offer from an uploaded pool of 3 codes to
// 5 followers: 3 get a code each (all different), 2 are counted as no_code;
// a code redeems once; a generated offer gives everyone a code of its own.
func TestCampaignOffer(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "deli", Password: password("deli"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	deli := e.anon()
	_, _, err := deli.Login(ctx, "deli", password("deli"))
	must(t, err, "login")
	_, err = deli.PutBrandSettings(ctx, "deli", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	// Each campaign is allowed through the weekly cap of 2: one a day is fine.
	const n = 5
	ps := e.people("o", n, "deli")
	codeOf := func(i int, campaign string) string {
		cs := e.folder(ps[i], "inbox")
		if len(cs) == 0 {
			return ""
		}
		msgs, err := allMessages(ctx, ps[i], cs[0])
		must(t, err, "messages")
		for _, m := range msgs {
			if m.CampaignID == campaign {
				if _, code, ok := strings.Cut(m.Text, "Your code: "); ok {
					return code
				}
			}
		}
		return ""
	}
	c, err := deli.CreateCampaign(ctx, "deli", client.CampaignInput{Name: "Pool", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("A treat for you"), RatePerMinute: 600000, Offer: &client.CampaignOffer{}})
	must(t, err, "create the offer")
	_, _, err = deli.AddOfferCodes(ctx, "deli", c.ID, "code\nBAGEL-1\nBAGEL-2\n\nBAGEL-3\nBAGEL-1\n")
	must(t, err, "upload codes")
	_, _, err = deli.AddOfferCodes(ctx, "deli", c.ID, "BAD CODE\n")
	wantStatus(t, err, 400, "a code with a space")
	_, err = deli.CampaignAction(ctx, "deli", c.ID, "start")
	must(t, err, "start")
	done := waitCampaign(t, ctx, deli, "deli", c.ID, "the offer", func(c *client.Campaign) bool { return c.Status == "done" })
	if done.Progress.Sent != 3 || done.Progress.Skipped["no_code"] != 2 || done.Progress.Offer == nil ||
		*done.Progress.Offer != (client.OfferTally{Pool: 3, Assigned: 3}) {
		t.Fatalf("offer progress %+v (codes %+v)", done.Progress, done.Progress.Offer)
	}
	seen := map[string]bool{}
	for i := range n {
		if code := codeOf(i, c.ID); code != "" {
			if seen[code] || !strings.HasPrefix(code, "BAGEL-") {
				t.Errorf("o%03d got code %q (seen: %v)", i, code, seen)
			}
			seen[code] = true
		}
	}
	if len(seen) != 3 {
		t.Fatalf("%d distinct codes given, want 3", len(seen))
	}
	red, err := deli.RedeemCode(ctx, "deli", c.ID, "BAGEL-2")
	must(t, err, "redeem")
	if red.Code != "BAGEL-2" || red.Customer.Handle == "" {
		t.Errorf("redemption %+v", red)
	}
	_, err = deli.RedeemCode(ctx, "deli", c.ID, "BAGEL-2")
	wantStatus(t, err, 409, "redeem twice")
	// The shop's till redeems with the brand's bot token; another brand's
	// token finds no such offer.
	_, token, err := deli.CreateBotToken(ctx, "deli", "Till")
	must(t, err, "bot token")
	till := e.client(e.url, client.WithToken(token))
	var third string
	for code := range seen {
		if code != "BAGEL-2" {
			third = code
		}
	}
	if red, err := till.RedeemCode(ctx, "deli", c.ID, third); ok(t, err, "the till redeems") && red.Code != third {
		t.Errorf("the till's redemption %+v, want %s", red, third)
	}
	_, err = till.RedeemCode(ctx, "deli", c.ID, third)
	wantStatus(t, err, 409, "the till redeems twice")
	_, _, err = till.AddOfferCodes(ctx, "deli", c.ID, "BAGEL-7\n")
	wantStatus(t, err, 404, "the till uploads codes (the team's)")
	_, err = e.anon().Signup(ctx, client.SignupParams{Handle: "bakery", Password: password("bakery"), Kind: "brand"})
	must(t, err, "another brand")
	bakery := e.anon()
	_, _, err = bakery.Login(ctx, "bakery", password("bakery"))
	must(t, err, "login")
	_, other, err := bakery.CreateBotToken(ctx, "bakery", "Till")
	must(t, err, "the other brand's token")
	_, err = e.client(e.url, client.WithToken(other)).RedeemCode(ctx, "deli", c.ID, "BAGEL-1")
	wantStatus(t, err, 404, "another brand's token redeems")
	_, err = deli.RedeemCode(ctx, "deli", c.ID, "BAGEL-9")
	wantStatus(t, err, 404, "redeem an unknown code")
	_, err = ps[0].RedeemCode(ctx, "deli", c.ID, "BAGEL-1")
	wantStatus(t, err, 404, "a customer redeems")

	clk.Add(24 * time.Hour)
	g, err := deli.CreateCampaign(ctx, "deli", client.CampaignInput{Name: "Generated", Audience: &client.Audience{Followers: true},
		Steps: oneMessage("Another treat"), RatePerMinute: 600000, Offer: &client.CampaignOffer{Generate: true, Prefix: "DELI-"}})
	must(t, err, "create the generated offer")
	_, err = deli.CampaignAction(ctx, "deli", g.ID, "start")
	must(t, err, "start")
	done = waitCampaign(t, ctx, deli, "deli", g.ID, "the generated offer", func(c *client.Campaign) bool { return c.Status == "done" })
	if done.Progress.Sent != n || done.Progress.Offer == nil || done.Progress.Offer.Assigned != n {
		t.Fatalf("generated offer progress %+v", done.Progress)
	}
	gen := map[string]bool{}
	for i := range n {
		code := codeOf(i, g.ID)
		if !strings.HasPrefix(code, "DELI-") || len(code) != 15 || gen[code] {
			t.Errorf("o%03d got generated code %q", i, code)
		}
		gen[code] = true
	}
}

// TestCampaignFollowUp: a follow-up step an hour later goes to those who
// did not answer the first message, and not to those who did.
func TestCampaignFollowUp(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "gym", Password: password("gym"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	gym := e.anon()
	_, _, err := gym.Login(ctx, "gym", password("gym"))
	must(t, err, "login")
	_, err = gym.PutBrandSettings(ctx, "gym", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	const n = 8
	ps := e.people("u", n, "gym")
	steps := []client.CampaignStep{
		{Variants: []client.CampaignVariant{{Name: "A", Text: "New classes this month", Weight: 100}}},
		{Variants: []client.CampaignVariant{{Name: "A", Text: "Did you see our new classes?", Weight: 100}}, DelayMinutes: 60},
	}
	_, err = gym.CreateCampaign(ctx, "gym", client.CampaignInput{Name: "bad", Audience: &client.Audience{Followers: true},
		Steps: []client.CampaignStep{steps[0], {Variants: steps[1].Variants}}})
	wantStatus(t, err, 400, "a follow-up without a delay")
	c, err := gym.CreateCampaign(ctx, "gym", client.CampaignInput{Name: "Classes", Audience: &client.Audience{Followers: true}, Steps: steps, RatePerMinute: 600000})
	must(t, err, "create")
	_, err = gym.CampaignAction(ctx, "gym", c.ID, "start")
	must(t, err, "start")
	first := waitCampaign(t, ctx, gym, "gym", c.ID, "the first step", func(c *client.Campaign) bool { return c.Progress.Sent == n })
	if first.Status != "running" {
		t.Errorf("with a follow-up to come the campaign is %s, want running", first.Status)
	}
	convs := make([]string, n)
	for i := range n {
		convs[i] = e.folder(ps[i], "inbox")[0]
	}
	for i := range 3 {
		clk.Add(time.Minute)
		e.send(ps[i], convs[i], "Which days?")
	}
	clk.Add(time.Hour)
	// Time goes on while the follow-up is sent (a lane that found the other's
	// deliveries in flight looks again when their lease ends).
	done := waitCampaign(t, ctx, gym, "gym", c.ID, "the follow-up", func(c *client.Campaign) bool {
		clk.Add(10 * time.Second)
		return c.Status == "done"
	})
	if done.Progress.Targeted != 2*n || done.Progress.Sent != n+n-3 || done.Progress.Skipped["answered"] != 3 {
		t.Errorf("progress %+v, want %d sent and 3 answered", done.Progress, 2*n-3)
	}
	for i := range n {
		k := campaignMessages(t, ctx, ps[i], convs[i], c.ID)
		want := 2
		if i < 3 {
			want = 1
		}
		if k != want {
			t.Errorf("u%03d got %d campaign messages, want %d", i, k, want)
		}
	}
}
