package brand_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// TestCustomerFunnelMarks: a customer's message skips the funnel's UPDATE
// when the conversation's read finds no delivery awaiting a mark
// (dm.BrandConversation.FunnelOpen), so the marks that do exist must still
// be made: a reply marks the campaign message read and replied, once; a
// STOP marks it read and opted out, not replied; a message from a customer
// the campaign never reached, or before it, marks nothing.
func TestCustomerFunnelMarks(t *testing.T) {
	ctx := context.Background()
	p, _ := daytimePipeline(t)
	c, bs := p.chat, p.brand
	acme := p.signup(t, "acme", dm.KindBrand)
	// A stranger writes first (no delivery: nothing to mark), then
	// never follows, so the campaign does not reach them.
	stranger := p.signup(t, "stranger", dm.KindPerson)
	write := func(from *dm.Account, text string) {
		t.Helper()
		conv, _, err := c.CreateConversation(ctx, from, []string{"acme"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Send(ctx, from, conv.ID, chat.SendParams{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	write(stranger, "hello before any campaign")
	fans := p.followers(t, 3)
	id := p.startCampaign(t, acme, "funnel", "Hi {{first_name|there}}")
	for limit := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := bs.Campaign(ctx, acme, "acme", id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Campaign.Status == dm.CampaignDone {
			break
		}
		if time.Now().After(limit) {
			t.Fatalf("campaign still %s after 30 s: %+v", got.Campaign.Status, got.Progress)
		}
	}
	write(fans[0], "thanks!")
	write(fans[0], "and again") // marked already: nothing more
	write(fans[1], "STOP")
	write(stranger, "hello after the campaign")
	f, err := bs.CampaignFunnel(ctx, acme, "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if g := f.Total; g.Sent != 3 || g.Read != 2 || g.Replied != 1 || g.OptedOut != 1 {
		t.Fatalf("funnel %+v, want 3 sent, 2 read, 1 replied, 1 opted out", g)
	}
}
