package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

var funnelTests = []test{
	{"CampaignFunnel", testCampaignFunnel},
}

// testCampaignFunnel marks deliveries as their recipients act and counts
// the marks by step and variant; a mark is set once, only on sent rows,
// only on the rows it names.
func testCampaignFunnel(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme, ann, bob, cid := newAccount(t, s, "acme"), newAccount(t, s, "ann"), newAccount(t, s, "bob"), newAccount(t, s, "cid")
	c := newCampaign(t, s, acme.ID, at(1))
	other := newCampaign(t, s, acme.ID, at(2))
	convA := newConversation(t, s, dm.ConversationDirect, at(1), owner(acme), accepted(ann))
	convB := newConversation(t, s, dm.ConversationDirect, at(1), owner(acme), accepted(bob))
	row := func(cp *dm.Campaign, step int, u *dm.Account, variant string) dm.CampaignSend {
		return dm.CampaignSend{ID: dm.NewID(), CampaignID: cp.ID, BrandID: acme.ID, Step: step, UserID: u.ID, Variant: variant,
			State: dm.SendPending, RunAt: at(3), UpdatedAt: at(3)}
	}
	update(t, s, func(tx dm.Tx) error {
		_, err := tx.InsertDeliveries(ctx, []dm.CampaignSend{row(c, 0, ann, "A"), row(c, 0, bob, "B"), row(c, 0, cid, "B"),
			row(c, 1, ann, "A"), row(other, 0, ann, "A")})
		return err
	})
	m1 := send(t, s, convA.ID, acme, "offer", at(4))
	m2 := send(t, s, convA.ID, acme, "follow-up", at(6))
	m3 := send(t, s, convA.ID, acme, "other offer", at(7))
	mb := send(t, s, convB.ID, acme, "offer", at(4))
	update(t, s, func(tx dm.Tx) error {
		for _, d := range []struct {
			cp   *dm.Campaign
			step int
			u    *dm.Account
			m    *dm.Message
		}{{c, 0, ann, m1}, {c, 1, ann, m2}, {other, 0, ann, m3}, {c, 0, bob, mb}} {
			if err := tx.MarkDeliverySent(ctx, d.cp.ID, d.step, d.u.ID, d.m.ID, d.m.ConversationID, at(5)); err != nil {
				return err
			}
		}
		return nil // cid's stays pending
	})
	marked := func(what string, n int, err error, want int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != want {
			t.Errorf("%s marked %d rows, want %d", what, n, want)
		}
	}
	update(t, s, func(tx dm.Tx) error {
		// Ann read up to the follow-up: both steps of c, not the other campaign's later message.
		n, err := tx.MarkFunnelRead(ctx, acme.ID, ann.ID, convA.ID, m2.Seq, at(8))
		marked("read", n, err, 2)
		n, err = tx.MarkFunnelRead(ctx, acme.ID, ann.ID, convA.ID, m2.Seq, at(9))
		marked("read again", n, err, 0)
		// Ann clicked the follow-up's link: the follow-up and the first step.
		n, err = tx.MarkFunnel(ctx, c.ID, 1, ann.ID, dm.FunnelClicked, at(9))
		marked("clicked", n, err, 2)
		// Ann wrote: every sent delivery of the brand's to her.
		n, err = tx.MarkBrandFunnel(ctx, acme.ID, ann.ID, dm.FunnelReplied, at(10))
		marked("replied", n, err, 3)
		// Bob redeemed; cid (pending) marks nothing.
		n, err = tx.MarkFunnel(ctx, c.ID, -1, bob.ID, dm.FunnelActed, at(10))
		marked("acted", n, err, 1)
		n, err = tx.MarkBrandFunnel(ctx, acme.ID, cid.ID, dm.FunnelOptedOut, at(10))
		marked("opted out while pending", n, err, 0)
		n, err = tx.MarkBrandFunnel(ctx, acme.ID, bob.ID, dm.FunnelOptedOut, at(11))
		marked("opted out", n, err, 1)
		// Bob wrote: read and replied at once; again, nothing; cid's pending row, nothing.
		n, err = tx.MarkBrandReplied(ctx, acme.ID, bob.ID, at(12))
		marked("bob read and replied", n, err, 1)
		n, err = tx.MarkBrandReplied(ctx, acme.ID, bob.ID, at(13))
		marked("bob read and replied again", n, err, 0)
		n, err = tx.MarkBrandReplied(ctx, acme.ID, cid.ID, at(12))
		marked("read and replied while pending", n, err, 0)
		// Ann wrote again: only the other campaign's row lacked a mark (read).
		n, err = tx.MarkBrandReplied(ctx, acme.ID, ann.ID, at(12))
		marked("ann read and replied", n, err, 1)
		_, err = tx.MarkBrandFunnel(ctx, acme.ID, bob.ID, "bogus", at(11))
		if err == nil {
			t.Error("an unknown mark was accepted")
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.FunnelCounts(ctx, c.ID)
		if err != nil {
			return err
		}
		want := []dm.FunnelCount{
			{Step: 0, Variant: "A", State: dm.SendSent, Count: 1, Read: 1, Replied: 1, Clicked: 1},
			{Step: 0, Variant: "B", State: dm.SendPending, Count: 1},
			{Step: 0, Variant: "B", State: dm.SendSent, Count: 1, Read: 1, Replied: 1, Acted: 1, OptedOut: 1},
			{Step: 1, Variant: "A", State: dm.SendSent, Count: 1, Read: 1, Replied: 1, Clicked: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("funnel counts:\n got %+v\nwant %+v", got, want)
		}
		got, err = tx.FunnelCounts(ctx, other.ID)
		if err == nil && !reflect.DeepEqual(got, []dm.FunnelCount{{Step: 0, Variant: "A", State: dm.SendSent, Count: 1, Read: 1, Replied: 1}}) {
			t.Errorf("the other campaign's counts: %+v", got)
		}
		return err
	})
}
