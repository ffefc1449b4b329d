// Package towire turns Parley's domain values (internal/dm) into the API's
// wire types (package wire). The JSON API (internal/api) and the WebSocket
// stream (internal/ws) both call it, so each surface converts in one place
// and neither imports the other. It sits apart from package wire because
// wire is public and depends on nothing of Parley, while these functions
// need the internal domain types.
//
// The conversions keep what the JSON tells apart: a nil slice stays nil
// (null) and an empty one empty ([]); a nil pointer stays nil. Values are
// shared, not deep-copied, where the wire type holds the same Go type (a
// time pointer, a slice of strings): answers are encoded, never mutated.
package towire

import (
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/wire"
)

// Where a wire type has exactly the fields of its domain type, the
// conversion is a Go type conversion: adding a field to the domain type then
// stops the build here, so that someone decides whether the API shows it.

// Account converts an account (nil stays nil).
func Account(a *dm.Account) *wire.Account {
	if a == nil {
		return nil
	}
	w := wire.Account(*a)
	w.Role = "" // only the account itself sees its role (Me)
	return &w
}

// Me converts the caller's own account: with its role.
func Me(a *dm.Account) *wire.Account {
	if a == nil {
		return nil
	}
	w := wire.Account(*a)
	return &w
}

// Accounts converts a list of accounts.
func Accounts(as []dm.Account) []wire.Account {
	if as == nil {
		return nil
	}
	out := make([]wire.Account, len(as))
	for i := range as {
		out[i] = wire.Account(as[i])
		out[i].Role = ""
	}
	return out
}

// Settings converts an account's settings.
func Settings(s dm.Settings) wire.Settings { return wire.Settings(s) }

// Profile converts the short form of an account.
func Profile(p dm.Profile) wire.Profile { return wire.Profile(p) }

func profilePtr(p *dm.Profile) *wire.Profile {
	if p == nil {
		return nil
	}
	w := wire.Profile(*p)
	return &w
}

// Conversation converts a conversation as its viewer sees it.
func Conversation(c *dm.Conversation) *wire.Conversation {
	if c == nil {
		return nil
	}
	w := conversation(c)
	return &w
}

// Conversations converts a list of conversations.
// ReadMarkers are rs on the wire.
func ReadMarkers(rs []dm.ReadMarker) []wire.ReadMarker {
	out := make([]wire.ReadMarker, len(rs))
	for i, r := range rs {
		out[i] = wire.ReadMarker{UserID: r.UserID, ReadSeq: r.ReadSeq}
	}
	return out
}

// FolderCounts is c on the wire.
func FolderCounts(c *dm.FolderCounts) wire.FolderCounts {
	return wire.FolderCounts{InboxUnread: len(c.InboxUnread), Requests: len(c.Requests), RequestsUnread: len(c.RequestsUnread),
		InboxUnreadIDs: c.InboxUnread, RequestIDs: c.Requests}
}

func Conversations(cs []dm.Conversation) []wire.Conversation {
	if cs == nil {
		return nil
	}
	out := make([]wire.Conversation, len(cs))
	for i := range cs {
		out[i] = conversation(&cs[i])
	}
	return out
}

func conversation(c *dm.Conversation) wire.Conversation {
	w := wire.Conversation{ID: c.ID, Kind: c.Kind, Title: c.Title, Status: c.Status, Muted: c.Muted, Archived: c.Archived,
		UnreadCount: c.UnreadCount, LastReadSeq: c.LastReadSeq, LastMessage: Message(c.LastMessage),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.Members != nil {
		w.Members = make([]wire.Member, len(c.Members))
		for i, m := range c.Members {
			w.Members[i] = wire.Member{Profile: wire.Profile(m.Profile), Role: m.Role}
		}
	}
	return w
}

// Message converts a message as its viewer sees it (nil stays nil).
func Message(m *dm.Message) *wire.Message {
	if m == nil {
		return nil
	}
	w := message(m)
	return &w
}

// Messages converts a list of messages.
func Messages(ms []dm.Message) []wire.Message {
	if ms == nil {
		return nil
	}
	out := make([]wire.Message, len(ms))
	for i := range ms {
		out[i] = message(&ms[i])
	}
	return out
}

func message(m *dm.Message) wire.Message {
	var w wire.Message
	messageInto(&w, m)
	return w
}

// messageInto fills *w from m, reusing the capacity of w.Reactions.
func messageInto(w *wire.Message, m *dm.Message) {
	var reactions []wire.Reaction
	if m.Reactions != nil {
		// An empty list must stay empty, not nil: [] and null differ on the wire.
		reactions = w.Reactions[:0:cap(w.Reactions)]
		if reactions == nil {
			reactions = make([]wire.Reaction, 0, len(m.Reactions))
		}
		for _, r := range m.Reactions {
			reactions = append(reactions, wire.Reaction(r))
		}
	}
	*w = wire.Message{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Sender: wire.Profile(m.Sender), Text: m.Text,
		ReplyTo: m.ReplyTo, Reactions: reactions, CreatedAt: m.CreatedAt, EditedAt: m.EditedAt, Deleted: m.Deleted,
		Automated: m.Automated, AgentName: m.AgentName, CampaignID: m.CampaignID, Collaboration: m.Collaboration, QuickReplies: QuickReplies(m.QuickReplies),
		Attachments: attachments(m.Attachments), LinkPreview: (*wire.LinkPreview)(m.LinkPreview), Product: ProductCard(m.Product)}
}

// ProductCard converts a message's product card (nil stays nil).
func ProductCard(c *dm.ProductCard) *wire.ProductCard {
	if c == nil {
		return nil
	}
	return &wire.ProductCard{ProductID: c.ProductID, Title: c.Title, PriceMinor: c.PriceMinor, Currency: c.Currency,
		Price: dm.FormatPrice(c.PriceMinor, c.Currency), ImageURL: c.ImageURL, URL: c.URL}
}

// Product converts a catalog item.
func Product(p *dm.Product) wire.Product {
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return wire.Product{ID: p.ID, Title: p.Title, PriceMinor: p.PriceMinor, Currency: p.Currency, Price: dm.FormatPrice(p.PriceMinor, p.Currency),
		ImageURL: p.ImageURL, URL: p.URL, Tags: tags, InStock: p.InStock, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// attachments converts a message's files (nil stays nil).
func attachments(as []dm.Attachment) []wire.Attachment {
	if as == nil {
		return nil
	}
	out := make([]wire.Attachment, len(as))
	for i, a := range as {
		out[i] = wire.Attachment(a)
	}
	return out
}

// Event converts one event of a user's log, or an ephemeral one, into the
// frame the stream sends and GET /api/v1/events lists.
func Event(e *dm.Event) wire.Event {
	var w wire.Event
	EventInto(&w, nil, e)
	return w
}

// EventInto is Event for the stream's hot path: it fills *w and, when the
// event carries a message (most do), converts it into *m instead of a new
// allocation, reusing the capacity of m.Reactions. m may be nil. *w points
// into *m until the next call.
func EventInto(w *wire.Event, m *wire.Message, e *dm.Event) {
	*w = wire.Event{Seq: e.Seq, Type: e.Type, ConversationID: e.ConversationID, At: e.At,
		Conversation: Conversation(e.Conversation), Actor: profilePtr(e.Actor),
		Emoji: e.Emoji, ReadSeq: e.ReadSeq, Brand: e.Brand, Inbox: InboxView(e.Inbox), Note: Note(e.Note), State: e.State, Audit: AuditEntry(e.Audit), Campaign: CampaignProgress(e.Campaign)}
	if e.Message != nil {
		if m == nil {
			m = new(wire.Message)
		}
		messageInto(m, e.Message)
		w.Message = m
	}
}

// Events converts a page of a user's log.
func Events(es []dm.Event) []wire.Event {
	if es == nil {
		return nil
	}
	out := make([]wire.Event, len(es))
	for i := range es {
		out[i] = Event(&es[i])
	}
	return out
}
