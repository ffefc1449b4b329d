package api

import (
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// The fixtures of TestWireGolden: domain values with every field set, and
// with the nil and empty slices and pointers the API must tell apart (null
// versus [], absent versus zero).

var (
	fxT0 = time.Date(2026, 11, 2, 9, 30, 15, 123000000, time.UTC)
	fxT1 = fxT0.Add(90 * time.Second)
	fxT2 = fxT0.Add(time.Hour)
)

func fxProfile(n string) dm.Profile {
	return dm.Profile{ID: "id-" + n, Handle: n, DisplayName: "The " + n + " <b>&"}
}

func fxAccount() dm.Account {
	return dm.Account{ID: "acc1", Handle: "ada", DisplayName: "Ada \"L\"", Bio: "maths\nand <i>engines</i>", Kind: dm.KindPerson, CreatedAt: fxT0}
}

func fxMessage() dm.Message {
	return dm.Message{ID: "m1", ConversationID: "c1", Seq: 7, Sender: fxProfile("ada"), Text: "héllo 👋 <script>", ReplyTo: "m0",
		Reactions: []dm.Reaction{{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🎉", Count: 1}},
		CreatedAt: fxT0, EditedAt: &fxT1, Deleted: false, Automated: true, AgentName: "Bob"}
}

func fxMessageBare() dm.Message {
	return dm.Message{ID: "m2", ConversationID: "c1", Seq: 8, Sender: fxProfile("bob"), Reactions: []dm.Reaction{}, CreatedAt: fxT1, Deleted: true}
}

func fxMessageNil() dm.Message {
	return dm.Message{ID: "m3", ConversationID: "c1", Seq: 9, Sender: fxProfile("bob"), Text: "x", CreatedAt: fxT1}
}

func fxConversation() dm.Conversation {
	m := fxMessage()
	return dm.Conversation{ID: "c1", Kind: dm.ConversationGroup, Title: "Team", Members: []dm.Member{{Profile: fxProfile("ada"), Role: dm.RoleOwner}, {Profile: fxProfile("bob"), Role: dm.RoleMember}},
		Status: dm.StatusRequest, Muted: true, Archived: true, UnreadCount: 3, LastReadSeq: 4, LastMessage: &m, CreatedAt: fxT0, UpdatedAt: fxT1}
}

func fxConversationBare() dm.Conversation {
	return dm.Conversation{ID: "c2", Kind: dm.ConversationDirect, Status: dm.StatusAccepted, CreatedAt: fxT0, UpdatedAt: fxT0}
}

func fxInbox() dm.InboxView {
	m := fxMessage()
	as := fxProfile("carol")
	return dm.InboxView{ConversationID: "c1", Brand: "acme", Customer: fxProfile("ada"), Status: dm.InboxSnoozed, SnoozedUntil: &fxT2, Assignee: &as,
		Labels: []string{"vip", "billing"}, Priority: dm.PriorityHigh, WaitingSince: &fxT0, FirstResponseAt: &fxT1, LastMessage: &m,
		LastMessageAt: fxT1, CreatedAt: fxT0, UpdatedAt: fxT2}
}

func fxInboxBare() dm.InboxView {
	return dm.InboxView{ConversationID: "c2", Brand: "acme", Customer: fxProfile("bob"), Status: dm.InboxOpen, Labels: []string{}, Priority: dm.PriorityNone,
		LastMessageAt: fxT1, CreatedAt: fxT0, UpdatedAt: fxT0}
}

func fxInboxNil() dm.InboxView {
	return dm.InboxView{ConversationID: "c3", Brand: "acme", Customer: fxProfile("bob"), Status: dm.InboxOpen, Priority: dm.PriorityNone}
}

func fxNote() dm.Note {
	return dm.Note{ID: "n1", BrandID: "secret-brand-id", ConversationID: "c1", Author: fxProfile("carol"), Text: "call back <tomorrow>", CreatedAt: fxT1}
}

func fxCanned() dm.CannedReply {
	return dm.CannedReply{ID: "r1", BrandID: "secret-brand-id", Title: "Hi", Text: "Hello {{first_name|there}}", CreatedAt: fxT0, UpdatedAt: fxT1}
}

func fxEvents() []dm.Event {
	m, bare, c, cb, in, n := fxMessage(), fxMessageBare(), fxConversation(), fxConversationBare(), fxInbox(), fxNote()
	ada, bob := fxProfile("ada"), fxProfile("bob")
	return []dm.Event{
		{Seq: 1, Type: dm.EventMessageCreated, ConversationID: "c1", At: fxT0, Message: &m},
		{Seq: 2, Type: dm.EventMessageDeleted, ConversationID: "c1", At: fxT0, Message: &bare},
		{Seq: 3, Type: dm.EventConversationCreated, ConversationID: "c1", At: fxT1, Conversation: &c, Actor: &ada},
		{Seq: 4, Type: dm.EventConversationUpdated, ConversationID: "c2", At: fxT1, Conversation: &cb},
		{Seq: 5, Type: dm.EventReactionAdded, ConversationID: "c1", At: fxT1, Actor: &bob, Emoji: "👍"},
		{Seq: 6, Type: dm.EventReadUpdated, ConversationID: "c1", At: fxT1, Actor: &bob, ReadSeq: 7},
		{Seq: 7, Type: dm.EventConversationDeleted, ConversationID: "c2", At: fxT2},
		{Seq: 8, Type: dm.EventInboxMessage, ConversationID: "c1", At: fxT2, Brand: "acme", Message: &m, Actor: &bob, Inbox: &in},
		{Seq: 9, Type: dm.EventInboxMessageUpdated, ConversationID: "c1", At: fxT2, Brand: "acme", Message: &m, Actor: &bob, Emoji: "🎉", State: dm.EventReactionAdded},
		{Seq: 10, Type: dm.EventInboxNote, ConversationID: "c1", At: fxT2, Brand: "acme", Note: &n, Inbox: &in},
		{Seq: 11, Type: dm.EventTeamUpdated, At: fxT2, Brand: "acme", Actor: &bob, State: "removed"},
		{Type: dm.EventTyping, ConversationID: "c1", At: fxT2, Actor: &ada},
		{Type: dm.EventInboxPresence, ConversationID: "c1", At: fxT2, Brand: "acme", Actor: &ada, State: "viewing"},
	}
}

func fxProfileAnswer() *chat.Profile {
	a := fxAccount()
	return &chat.Profile{Account: &a, FollowersCount: 3, FollowingCount: 4, FollowedByMe: true, FollowsMe: true, BlockedByMe: true, CanMessage: false, CannotMessageReason: "They accept messages only from people they follow."}
}

func fxTeam() []brand.Member {
	return []brand.Member{{Account: fxProfile("bob"), Role: dm.TeamAgent, Available: true, AddedAt: fxT0}, {Account: fxProfile("carol"), Role: dm.TeamAdmin, AddedAt: fxT1}}
}

func fxMyBrands() []brand.MyBrand {
	return []brand.MyBrand{{Brand: fxProfile("acme"), Role: dm.TeamOwner, Available: true}, {Brand: fxProfile("zed"), Role: dm.TeamAgent}}
}

func fxDetail() *brand.Detail {
	in := fxInbox()
	carol := fxProfile("carol")
	return &brand.Detail{Inbox: &in, Notes: []dm.Note{fxNote()}, Messages: []brand.TeamMessage{{Message: fxMessage(), Author: &carol}, {Message: fxMessageNil()}}}
}

func fxDetailEmpty() *brand.Detail {
	in := fxInboxBare()
	return &brand.Detail{Inbox: &in, Notes: []dm.Note{}, Messages: []brand.TeamMessage{}}
}

func fxReport() *brand.Report {
	f := func(v float64) *float64 { return &v }
	st := dm.AnalyticsStats{Conversations: 10, Responded: 9, ResponseRate: f(0.9), FirstResponse: dm.Durations{Median: f(61.5), P90: f(300)},
		FirstResponseBusiness: dm.Durations{Median: f(30)}, Resolved: 8, MessagesIn: 20, MessagesOut: 18, MessagesAutomated: 2}
	return &brand.Report{Brand: "acme", From: fxT0, To: fxT2, TimeZone: "Europe/Paris", Summary: st,
		Agents: []dm.AgentAnalytics{{Agent: fxProfile("bob"), AnalyticsStats: st}, {Agent: fxProfile("carol")}},
		Days:   []dm.AnalyticsDay{{Date: "2026-11-02", Opened: 3, Resolved: 2, MessagesIn: 5, MessagesOut: 4}}}
}

func fxReportEmpty() *brand.Report {
	return &brand.Report{Brand: "acme", From: fxT0, To: fxT2, TimeZone: "UTC", Agents: []dm.AgentAnalytics{}, Days: []dm.AnalyticsDay{}}
}

func fxSettings() dm.Settings {
	return dm.Settings{AllowIncoming: dm.AllowFollowing, ReadReceipts: true}
}
