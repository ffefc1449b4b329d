package towire

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/wire"
)

// InboxView converts the team's view of a brand conversation (nil stays nil).
func InboxView(v *dm.InboxView) *wire.InboxView {
	if v == nil {
		return nil
	}
	w := inboxView(v)
	return &w
}

// InboxViews converts a page of a brand's inbox.
func InboxViews(vs []dm.InboxView) []wire.InboxView {
	if vs == nil {
		return nil
	}
	out := make([]wire.InboxView, len(vs))
	for i := range vs {
		out[i] = inboxView(&vs[i])
	}
	return out
}

func inboxView(v *dm.InboxView) wire.InboxView {
	return wire.InboxView{ConversationID: v.ConversationID, Brand: v.Brand, Customer: wire.Profile(v.Customer), Status: v.Status,
		SnoozedUntil: v.SnoozedUntil, Assignee: profilePtr(v.Assignee), Labels: v.Labels, Priority: v.Priority,
		WaitingSince: v.WaitingSince, FirstResponseAt: v.FirstResponseAt, LastMessage: Message(v.LastMessage),
		LastMessageAt: v.LastMessageAt, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, SLA: slaState(v.SLA)}
}

// Note converts a private note (nil stays nil). The brand's id stays inside.
func Note(n *dm.Note) *wire.Note {
	if n == nil {
		return nil
	}
	w := note(n)
	return &w
}

// Notes converts a conversation's notes.
func Notes(ns []dm.Note) []wire.Note {
	if ns == nil {
		return nil
	}
	out := make([]wire.Note, len(ns))
	for i := range ns {
		out[i] = note(&ns[i])
	}
	return out
}

func note(n *dm.Note) wire.Note {
	return wire.Note{ID: n.ID, ConversationID: n.ConversationID, Author: wire.Profile(n.Author), Text: n.Text, AfterSeq: n.AfterSeq, CreatedAt: n.CreatedAt}
}

// CannedReply converts a canned reply (nil stays nil).
func CannedReply(c *dm.CannedReply) *wire.CannedReply {
	if c == nil {
		return nil
	}
	w := cannedReply(c)
	return &w
}

// CannedReplies converts a brand's canned replies.
func CannedReplies(cs []dm.CannedReply) []wire.CannedReply {
	if cs == nil {
		return nil
	}
	out := make([]wire.CannedReply, len(cs))
	for i := range cs {
		out[i] = cannedReply(&cs[i])
	}
	return out
}

func cannedReply(c *dm.CannedReply) wire.CannedReply {
	return wire.CannedReply{ID: c.ID, Title: c.Title, Text: c.Text, Personal: c.OwnerID != "", CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// AnalyticsReport converts a brand's analytics (nil stays nil).
func AnalyticsReport(r *dm.AnalyticsReport) *wire.AnalyticsReport {
	if r == nil {
		return nil
	}
	w := &wire.AnalyticsReport{Brand: r.Brand, From: r.From, To: r.To, TimeZone: r.TimeZone, Summary: analyticsStats(r.Summary),
		Bot: wire.BotAnalytics(r.Bot)}
	if r.Agents != nil {
		w.Agents = make([]wire.AgentAnalytics, len(r.Agents))
		for i, a := range r.Agents {
			w.Agents[i] = wire.AgentAnalytics{Agent: wire.Profile(a.Agent), AnalyticsStats: analyticsStats(a.AnalyticsStats)}
		}
	}
	if r.Days != nil {
		w.Days = make([]wire.AnalyticsDay, len(r.Days))
		for i, d := range r.Days {
			w.Days[i] = wire.AnalyticsDay(d)
		}
	}
	return w
}

func analyticsStats(s dm.AnalyticsStats) wire.AnalyticsStats {
	return wire.AnalyticsStats{Conversations: s.Conversations, Responded: s.Responded, ResponseRate: s.ResponseRate,
		FirstResponse: wire.Durations(s.FirstResponse), FirstResponseBusiness: wire.Durations(s.FirstResponseBusiness),
		Resolved: s.Resolved, MessagesIn: s.MessagesIn, MessagesOut: s.MessagesOut, MessagesAutomated: s.MessagesAutomated}
}

// CampaignProgress converts a campaign's counts (nil stays nil).
func CampaignProgress(p *dm.CampaignProgress) *wire.CampaignProgress {
	if p == nil {
		return nil
	}
	w := wire.CampaignProgress{CampaignID: p.CampaignID, Status: p.Status, Targeted: p.Targeted, Pending: p.Pending, Deferred: p.Deferred,
		Sent: p.Sent, Failed: p.Failed, Cancelled: p.Cancelled, Skipped: p.Skipped}
	if p.RSVP != nil {
		w.RSVP = &wire.RSVPTally{Yes: p.RSVP.Yes, No: p.RSVP.No, Maybe: p.RSVP.Maybe, Waitlist: p.RSVP.Waitlist}
	}
	if p.Offer != nil {
		w.Offer = &wire.OfferTally{Pool: p.Offer.Pool, Assigned: p.Offer.Assigned, Redeemed: p.Offer.Redeemed}
	}
	if w.Skipped == nil {
		w.Skipped = map[string]int{}
	}
	return &w
}

// Campaign converts a campaign and its progress. Its audience and steps
// are stored as the JSON the API reads and writes.
func Campaign(c *dm.Campaign, p *dm.CampaignProgress) wire.Campaign {
	w := wire.Campaign{ID: c.ID, Name: c.Name, Type: c.Type, Status: c.Status, RatePerMinute: c.RatePerMinute,
		StartAt: c.StartAt, PlannedAt: c.PlannedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Steps: []wire.CampaignStep{}}
	_ = json.Unmarshal(c.Audience, &w.Audience)
	_ = json.Unmarshal(c.Steps, &w.Steps)
	if len(c.Event) > 0 {
		_ = json.Unmarshal(c.Event, &w.Event)
	}
	if len(c.Offer) > 0 {
		_ = json.Unmarshal(c.Offer, &w.Offer)
	}
	w.SurveyID = c.SurveyID
	if p != nil {
		w.Progress = *CampaignProgress(p)
	}
	return w
}
