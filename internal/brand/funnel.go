package brand

import (
	"context"
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The campaign funnel: targeted, skipped by reason, sent, then what the
// recipients did after a campaign message (read it, wrote to the brand,
// clicked one of its tracked links, answered the invitation or redeemed the
// offer's code, opted out). Each of those is marked on the delivery row at
// the event, once (the Mark* calls of dm.FunnelTx, from the send pipeline,
// the read marker, the click, the RSVP and the redemption), so the funnel
// of a campaign of 100,000 is one grouped read of its 100,000 rows (their
// primary key's range), never a read of messages.

// FunnelCounts are the funnel's numbers for a set of deliveries.
type FunnelCounts struct {
	Targeted, Pending, Sent, Failed, Cancelled int
	Skipped                                    map[string]int
	Read, Replied, Clicked, Acted, OptedOut    int
}

func (f *FunnelCounts) add(c dm.FunnelCount) {
	if f.Skipped == nil {
		f.Skipped = map[string]int{}
	}
	f.Targeted += c.Count
	switch c.State {
	case dm.SendPending, dm.SendSending:
		f.Pending += c.Count
	case dm.SendSent:
		f.Sent += c.Count
	case dm.SendFailed:
		f.Failed += c.Count
	case dm.SendCancelled:
		f.Cancelled += c.Count
	case dm.SendSkipped:
		f.Skipped[c.Reason] += c.Count
	}
	f.Read += c.Read
	f.Replied += c.Replied
	f.Clicked += c.Clicked
	f.Acted += c.Acted
	f.OptedOut += c.OptedOut
}

// FunnelVariant is the funnel of one variant of one step.
type FunnelVariant struct {
	Step    int
	Variant string
	FunnelCounts
}

// Funnel is a campaign's funnel. Total is its recipients (the first step's
// rows, which carry what the person did after any of the campaign's
// messages); Variants each step's variants, in step and name order.
type Funnel struct {
	Campaign *dm.Campaign
	Total    FunnelCounts
	Variants []FunnelVariant
	// Clicks counts every click of the campaign's links, repeats included.
	Clicks int
}

// CampaignFunnel returns a campaign's funnel (the team).
func (s *Service) CampaignFunnel(ctx context.Context, me *dm.Account, handle, id string) (*Funnel, error) {
	var out *Funnel
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		// The counts from the cache while nothing changed them
		// (funnelcache.go); the campaign's row is read above each time.
		now := s.now()
		if cached, ok := funnels.get(c.ID, c.BrandID, now); ok {
			out = &Funnel{Campaign: c, Total: cached.Total, Variants: cached.Variants, Clicks: cached.Clicks}
			return nil
		}
		cg, bg := funnels.gens(c.ID, c.BrandID)
		counts, err := tx.FunnelCounts(ctx, c.ID)
		if err != nil {
			return err
		}
		links, err := tx.LinkStats(ctx, c.BrandID, dm.LinkFilter{CampaignID: c.ID})
		if err != nil {
			return err
		}
		out = funnelOf(c, counts)
		out.Clicks = links.Clicks
		funnels.put(c.ID, cg, bg, FunnelCountsSet{Total: out.Total, Variants: out.Variants, Clicks: out.Clicks}, now)
		return nil
	})
	if err == nil {
		out = out.clone()
	}
	return out, err
}

// clone copies a funnel's maps and slices, so that a caller may change
// what the cache holds.
func (f *Funnel) clone() *Funnel {
	g := *f
	g.Total.Skipped = maps.Clone(f.Total.Skipped)
	g.Variants = slices.Clone(f.Variants)
	for i := range g.Variants {
		g.Variants[i].Skipped = maps.Clone(g.Variants[i].Skipped)
	}
	return &g
}

func funnelOf(c *dm.Campaign, counts []dm.FunnelCount) *Funnel {
	f := &Funnel{Campaign: c, Total: FunnelCounts{Skipped: map[string]int{}}, Variants: []FunnelVariant{}}
	for _, k := range counts {
		if k.Step == 0 {
			f.Total.add(k)
		}
		i := slices.IndexFunc(f.Variants, func(v FunnelVariant) bool { return v.Step == k.Step && v.Variant == k.Variant })
		if i < 0 {
			f.Variants = append(f.Variants, FunnelVariant{Step: k.Step, Variant: k.Variant, FunnelCounts: FunnelCounts{Skipped: map[string]int{}}})
			i = len(f.Variants) - 1
		}
		f.Variants[i].add(k)
	}
	slices.SortFunc(f.Variants, func(a, b FunnelVariant) int {
		if a.Step != b.Step {
			return a.Step - b.Step
		}
		return strings.Compare(a.Variant, b.Variant)
	})
	return f
}

// csvCell keeps a cell from being read as a formula by a spreadsheet: a
// cell starting with = + - @ (or a tab or carriage return) gets a leading
// apostrophe (OWASP's advice for CSV injection).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteFunnelCSV writes a funnel as CSV: a header, the total, then one row
// per step (0 is the first) and variant; skipped deliveries have one column
// per reason.
func WriteFunnelCSV(w io.Writer, f *Funnel) error {
	var reasons []string
	for r := range f.Total.Skipped {
		reasons = append(reasons, r)
	}
	for _, v := range f.Variants {
		for r := range v.Skipped {
			if !slices.Contains(reasons, r) {
				reasons = append(reasons, r)
			}
		}
	}
	slices.Sort(reasons)
	cw := csv.NewWriter(w)
	head := []string{"campaign", "step", "variant", "targeted", "sent", "pending", "failed", "cancelled", "skipped"}
	for _, r := range reasons {
		head = append(head, "skipped_"+r)
	}
	head = append(head, "read", "replied", "clicked", "acted", "opted_out")
	cw.Write(head)
	row := func(step, variant string, c FunnelCounts) {
		skipped := 0
		for _, n := range c.Skipped {
			skipped += n
		}
		it := strconv.Itoa
		rec := []string{csvCell(f.Campaign.Name), step, csvCell(variant), it(c.Targeted), it(c.Sent), it(c.Pending), it(c.Failed), it(c.Cancelled), it(skipped)}
		for _, r := range reasons {
			rec = append(rec, it(c.Skipped[r]))
		}
		rec = append(rec, it(c.Read), it(c.Replied), it(c.Clicked), it(c.Acted), it(c.OptedOut))
		cw.Write(rec)
	}
	row("all", "", f.Total)
	for _, v := range f.Variants {
		row(strconv.Itoa(v.Step), v.Variant, v.FunnelCounts)
	}
	cw.Flush()
	return cw.Error()
}

// customerFunnel marks, inside a customer's send to brand b, the campaign
// messages they had from b: read (writing, they saw them), and replied
// unless the message was a STOP or START.
func (s *Step) customerFunnel(ctx context.Context, tx dm.Tx, b, customer *dm.Account, replied bool, t time.Time) error {
	var n int
	var err error
	if replied {
		n, err = tx.MarkBrandReplied(ctx, b.ID, customer.ID, t) // read and replied, one statement
	} else {
		n, err = tx.MarkBrandFunnel(ctx, b.ID, customer.ID, dm.FunnelRead, t)
	}
	if n > 0 {
		funnels.markedBrand(b.ID)
	}
	return err
}

// ReadMoved marks read, when a person's read marker moves in their direct
// conversation with a brand, the campaign messages of the brand it passed.
// A person who turned read receipts off is not counted: the brand learns
// no more from the funnel than from the conversation.
func (s *Step) ReadMoved(ctx context.Context, tx dm.Tx, reader *dm.Account, m *dm.Membership) error {
	if reader.Kind == dm.KindBrand {
		return nil
	}
	ms, err := tx.Memberships(ctx, m.ConversationID)
	if err != nil || len(ms) != 2 {
		return err
	}
	other := ms[0].UserID
	if other == reader.ID {
		other = ms[1].UserID
	}
	kind, err := s.kinds.of(ctx, tx, other)
	if err != nil || kind != dm.KindBrand {
		return err
	}
	set, err := tx.Settings(ctx, reader.ID)
	if err != nil || !set.ReadReceipts {
		return err
	}
	if n, err := tx.MarkFunnelRead(ctx, other, reader.ID, m.ConversationID, m.LastReadSeq, s.now()); err != nil || n == 0 {
		return err
	}
	funnels.markedBrand(other)
	return nil
}
