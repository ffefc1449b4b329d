package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// trackedLink finds the tracked links of a server in a text.
func trackedLinks(base, text string) []string {
	return regexp.MustCompile(regexp.QuoteMeta(base)+`/l/[A-Za-z0-9_-]{22}`).FindAllString(text, -1)
}

// TestTrackedLinks sends a campaign whose text has two URLs: each recipient
// gets tracked links of their own in place of them, absolute (the server's
// public URL), each redirecting to its destination and nowhere else; an
// unknown or malformed token is a 404; clicking too fast from one address
// is a 429.
func TestTrackedLinks(t *testing.T) {
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startWith(t, limitsOn, func(c *server.Config) { c.Now, c.JobPoll = clk.Now, 10*time.Millisecond })
	ctx := e.ctx
	if _, err := e.anon().Signup(ctx, client.SignupParams{Handle: "shop", Password: password("shop"), Kind: "brand"}); err != nil {
		t.Fatal(err)
	}
	shop := e.anon()
	_, _, err := shop.Login(ctx, "shop", password("shop"))
	must(t, err, "login")
	_, err = shop.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	ps := e.people("k", 2, "shop")
	text := "Sale: https://shop.example/sale?a=1&b=%C3%A9. More (http://two.example/x_(y)) and " + e.url + "/api/v1/me stays."
	c, err := shop.CreateCampaign(ctx, "shop", client.CampaignInput{Name: "Links", Audience: &client.Audience{Followers: true},
		Steps: oneMessage(text), RatePerMinute: 600000})
	must(t, err, "create")
	_, err = shop.CampaignAction(ctx, "shop", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, shop, "shop", c.ID, "the sends", func(c *client.Campaign) bool { return c.Progress.Sent+sum(c.Progress.Skipped) == 2 })

	seen := map[string]bool{}
	for i, p := range ps {
		conv := e.folder(p, "inbox")
		if len(conv) != 1 {
			t.Fatalf("k%03d has %d conversations in the inbox, want 1", i, len(conv))
		}
		msgs, err := allMessages(ctx, p, conv[0])
		must(t, err, "messages")
		if len(msgs) != 1 {
			t.Fatalf("k%03d has %d messages", i, len(msgs))
		}
		got := msgs[0].Text
		links := trackedLinks(e.url, got)
		if len(links) != 2 || strings.Contains(got, "shop.example") || strings.Contains(got, "two.example") {
			t.Fatalf("message %q: want both URLs replaced by tracked links", got)
		}
		if !strings.HasPrefix(got, "Sale: "+links[0]+". More ("+links[1]+") and "+e.url+"/api/v1/me stays.") {
			t.Errorf("message %q: the text around the links changed", got)
		}
		for k, want := range []string{"https://shop.example/sale?a=1&b=%C3%A9", "http://two.example/x_(y)"} {
			if seen[links[k]] {
				t.Errorf("link %s given twice", links[k])
			}
			seen[links[k]] = true
			// Anyone may follow it: the token is the link.
			for range 2 {
				loc, err := e.anon().FollowLink(ctx, links[k])
				must(t, err, "follow "+links[k])
				if loc != want {
					t.Errorf("%s redirects to %q, want %q", links[k], loc, want)
				}
			}
		}
	}
	for _, bad := range []string{"/l/AAAAAAAAAAAAAAAAAAAAAA", "/l/short", "/l/" + strings.Repeat("%2F", 22), "/l/https:%2F%2Fevil.example"} {
		_, err := e.anon().FollowLink(ctx, bad)
		wantStatus(t, err, 404, "link "+bad)
	}
	// One address clicking without pause is stopped (the burst is 120).
	var last error
	for range 130 {
		if _, last = e.anon().FollowLink(ctx, "/l/AAAAAAAAAAAAAAAAAAAAAA"); last != nil && strings.Contains(last.Error(), "429") {
			break
		}
	}
	wantStatus(t, last, 429, "the 130th click of one address")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
