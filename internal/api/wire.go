package api

import (
	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The API's answers are package wire's types. Domain values of internal/dm
// become wire values through internal/towire (which the stream shares); the
// results that only this surface serves, those of chat's profile and of the
// brand service, are converted here.

// accountProfile is a profile with the brand badge (nil for people); chat
// always fills its Account.
func accountProfile(p *chat.Profile, veryResponsive *bool) wire.AccountProfile {
	return wire.AccountProfile{Account: *towire.Account(p.Account), FollowersCount: p.FollowersCount,
		FollowingCount: p.FollowingCount, FollowedByMe: p.FollowedByMe, FollowsMe: p.FollowsMe,
		BlockedByMe: p.BlockedByMe, CanMessage: p.CanMessage, CannotMessageReason: p.CannotMessageReason,
		VeryResponsive: veryResponsive}
}

func teamMember(m *brand.Member) *wire.TeamMember {
	if m == nil {
		return nil
	}
	return &wire.TeamMember{Account: towire.Profile(m.Account), Role: m.Role, Available: m.Available, AddedAt: m.AddedAt, Permissions: nonNil(m.Permissions)}
}

func teamMembers(ms []brand.Member) []wire.TeamMember {
	if ms == nil {
		return nil
	}
	out := make([]wire.TeamMember, len(ms))
	for i := range ms {
		out[i] = *teamMember(&ms[i])
	}
	return out
}

func myBrands(bs []brand.MyBrand) []wire.MyBrand {
	if bs == nil {
		return nil
	}
	out := make([]wire.MyBrand, len(bs))
	for i, b := range bs {
		out[i] = wire.MyBrand{Brand: towire.Profile(b.Brand), Role: b.Role, Available: b.Available, Permissions: nonNil(b.Permissions)}
	}
	return out
}

func teamMessage(m *brand.TeamMessage) *wire.TeamMessage {
	if m == nil {
		return nil
	}
	w := &wire.TeamMessage{Message: *towire.Message(&m.Message)}
	if m.Author != nil {
		a := towire.Profile(*m.Author)
		w.Author = &a
	}
	return w
}

func inboxDetail(d *brand.Detail) *wire.InboxDetail {
	// The brand service always fills Inbox.
	w := &wire.InboxDetail{Inbox: *towire.InboxView(d.Inbox), Notes: towire.Notes(d.Notes), Audit: towire.AuditEntries(d.Audit)}
	if d.Messages != nil {
		w.Messages = make([]wire.TeamMessage, len(d.Messages))
		for i := range d.Messages {
			w.Messages[i] = *teamMessage(&d.Messages[i])
		}
	}
	return w
}

func botEntry(b *brand.BotEntry) *wire.BotEntry {
	if b == nil {
		return nil
	}
	return &wire.BotEntry{IceBreakers: towire.QuickReplies(b.IceBreakers), Menu: towire.QuickReplies(b.Menu),
		Handoff: wire.QuickReply(b.Handoff)}
}

func dryRunResult(r *brand.DryRunResult) *wire.DryRunResult {
	w := &wire.DryRunResult{Handoff: r.Handoff, AddLabels: r.AddLabels, RemoveLabels: r.RemoveLabels, Assign: r.Assign,
		Status: r.Status, Priority: r.Priority}
	if r.Reply != nil {
		w.Reply = &wire.DryRunReply{Text: r.Reply.Text, QuickReplies: towire.QuickReplies(r.Reply.QuickReplies), RuleID: r.Reply.RuleID}
	}
	if r.Log != nil {
		w.Log = make([]wire.DryRunLogLine, len(r.Log))
		for i, l := range r.Log {
			w.Log[i] = wire.DryRunLogLine{RuleID: l.RuleID, Outcome: l.Outcome, Detail: l.Detail}
		}
	}
	return w
}

// each converts a list for the wire, element by element; an empty list
// is [] rather than null.
func each[T, W any](vs []T, f func(*T) W) []W {
	out := make([]W, len(vs))
	for i := range vs {
		out[i] = f(&vs[i])
	}
	return out
}

// nonNil is a list that is [] rather than null on the wire.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
