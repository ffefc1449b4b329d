package e2e

import (
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestCampaignFunnel sends an A/B campaign with a link to 7 followers and
// checks the funnel exactly: one reads it, one replies, one clicks its link
// twice (one click counted as clicked, both in clicks), one says STOP, one
// reads it with read receipts off (not counted), one blocked the brand
// before (skipped), one does nothing; per variant the same, split by what
// each was sent; the CSV says the same, with a formula-looking name made
// harmless; outsiders get 404.
func TestCampaignFunnel(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "shop", Password: password("shop"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	shop := e.anon()
	_, _, err := shop.Login(ctx, "shop", password("shop"))
	must(t, err, "login")
	_, err = shop.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	const n = 7
	ps := e.people("f", n, "shop")
	const reader, replier, clicker, stopper, private, blocker = 0, 1, 2, 3, 4, 5
	// The blocker wrote to the brand once, then blocked it (a block ends
	// the follow): the audience has those who wrote.
	bc, _, err := ps[blocker].CreateConversation(ctx, []string{"shop"}, "")
	must(t, err, "open conversation")
	e.send(ps[blocker], bc.ID, "hello")
	must(t, ps[blocker].Block(ctx, "shop"), "block")
	_, _, err = ps[private].UpdateMe(ctx, client.MeUpdate{ReadReceipts: ptr(false)})
	must(t, err, "read receipts off")

	steps := []client.CampaignStep{{Variants: []client.CampaignVariant{
		{Name: "A", Text: "Variant A: https://shop.example/a", Weight: 50},
		{Name: "B", Text: "Variant B: https://shop.example/b", Weight: 50},
	}}}
	c, err := shop.CreateCampaign(ctx, "shop", client.CampaignInput{Name: "=HYPERLINK(\"x\")", Audience: &client.Audience{Or: []*client.Audience{{Followers: true}, {WroteWithinDays: 30}}},
		Steps: steps, RatePerMinute: 600000})
	must(t, err, "create")
	_, err = shop.CampaignAction(ctx, "shop", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, shop, "shop", c.ID, "the sends", func(c *client.Campaign) bool { return c.Progress.Sent == n-1 })

	variant := map[int]string{}
	conv := map[int]string{}
	link := map[int]string{}
	for i, p := range ps {
		if i == blocker {
			continue
		}
		convs := e.folder(p, "inbox")
		if len(convs) != 1 {
			t.Fatalf("f%03d has %d conversations", i, len(convs))
		}
		conv[i] = convs[0]
		msgs, err := allMessages(ctx, p, conv[i])
		must(t, err, "messages")
		variant[i] = strings.TrimPrefix(msgs[0].Text[:len("Variant A")], "Variant ")
		ls := trackedLinks(e.url, msgs[0].Text)
		if len(ls) != 1 {
			t.Fatalf("message %q: want one tracked link", msgs[0].Text)
		}
		link[i] = ls[0]
	}
	// The funnel is cached per campaign (internal/brand/funnelcache.go),
	// and the clock stands still, so that no entry expires: each read
	// after an action shows it at once only if the action invalidated it.
	stage := func(what string, read, replied, clicked, clicks, optedOut int) {
		t.Helper()
		f, err := shop.CampaignFunnel(ctx, "shop", c.ID)
		must(t, err, "funnel")
		if g := f.Total; g.Sent != n-1 || g.Read != read || g.Replied != replied || g.Clicked != clicked || g.OptedOut != optedOut || f.Clicks != clicks {
			t.Errorf("after %s: funnel %+v with %d clicks; want read %d, replied %d, clicked %d (%d clicks), opted out %d",
				what, g, f.Clicks, read, replied, clicked, clicks, optedOut)
		}
	}
	stage("the sends", 0, 0, 0, 0, 0)
	stage("the sends, again", 0, 0, 0, 0, 0)
	must(t, ps[reader].MarkRead(ctx, conv[reader], ""), "read")
	stage("a read", 1, 0, 0, 0, 0)
	must(t, ps[private].MarkRead(ctx, conv[private], ""), "read without receipts")
	stage("a read without receipts", 1, 0, 0, 0, 0)
	e.send(ps[replier], conv[replier], "Is it on sale in blue?")
	stage("a reply", 2, 1, 0, 0, 0)
	for i := range 2 {
		_, err := ps[clicker].FollowLink(ctx, link[clicker])
		must(t, err, "click")
		stage(fmt.Sprintf("click %d", i+1), 2, 1, 1, i+1, 0)
	}
	e.send(ps[stopper], conv[stopper], "STOP")
	stage("a STOP", 3, 1, 1, 2, 1)

	want := client.FunnelCounts{Targeted: n, Sent: n - 1, Skipped: map[string]int{"blocked": 1}, Read: 3, Replied: 1, Clicked: 1, OptedOut: 1}
	wantV := map[string]*client.FunnelCounts{"A": {Skipped: map[string]int{}}, "B": {Skipped: map[string]int{}}}
	for i := range n {
		if i == blocker {
			continue // skipped before a variant's message was sent: its row still has a variant
		}
		v := wantV[variant[i]]
		v.Targeted++
		v.Sent++
		switch i {
		case reader, replier, stopper:
			v.Read++
		}
		switch i {
		case replier:
			v.Replied++
		case clicker:
			v.Clicked++
		case stopper:
			v.OptedOut++
		}
	}
	f, err := shop.CampaignFunnel(ctx, "shop", c.ID)
	must(t, err, "funnel")
	if !equalCounts(f.Total, want) {
		t.Errorf("funnel total = %+v\nwant %+v", f.Total, want)
	}
	if f.Clicks != 2 {
		t.Errorf("clicks = %d, want 2 (one recipient, twice)", f.Clicks)
	}
	var sumTargeted int
	for _, v := range f.Variants {
		if v.Step != 0 {
			t.Errorf("a variant of step %d in a one-step campaign", v.Step)
			continue
		}
		w := wantV[v.Variant]
		if w == nil {
			t.Fatalf("unknown variant %q", v.Variant)
		}
		got := v.FunnelCounts
		// The blocked recipient's row has a variant too: take it out.
		if got.Skipped["blocked"] == 1 {
			got.Targeted--
			delete(got.Skipped, "blocked")
		}
		sumTargeted += v.Targeted
		if !equalCounts(got, *w) {
			t.Errorf("variant %s = %+v\nwant %+v", v.Variant, got, *w)
		}
	}
	if sumTargeted != n {
		t.Errorf("the variants target %d, want %d", sumTargeted, n)
	}

	// The CSV: the same numbers, and no formula.
	body, err := shop.CampaignFunnelCSV(ctx, "shop", c.ID)
	must(t, err, "csv")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	must(t, err, "parse csv")
	if len(recs) < 3 {
		t.Fatalf("csv %q", body)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	all := recs[1]
	for name, v := range map[string]string{"campaign": "'=HYPERLINK(\"x\")", "step": "all", "targeted": "7", "sent": "6", "skipped": "1",
		"skipped_blocked": "1", "read": "3", "replied": "1", "clicked": "1", "opted_out": "1", "acted": "0"} {
		if i, ok := col[name]; !ok || all[i] != v {
			t.Errorf("csv column %s of the total: %q, want %q (header %v)", name, all[col[name]], v, recs[0])
		}
	}

	// Outsiders: 404.
	out := e.people("outsider", 1, "")[0]
	_, err = out.CampaignFunnel(ctx, "shop", c.ID)
	wantStatus(t, err, 404, "an outsider's funnel")
	_, err = out.CampaignFunnelCSV(ctx, "shop", c.ID)
	wantStatus(t, err, 404, "an outsider's funnel CSV")
}

func equalCounts(a, b client.FunnelCounts) bool {
	if len(a.Skipped) != len(b.Skipped) {
		return false
	}
	for k, v := range a.Skipped {
		if b.Skipped[k] != v {
			return false
		}
	}
	a.Skipped, b.Skipped = nil, nil
	return reflect.DeepEqual(a, b)
}
