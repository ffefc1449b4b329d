// Package dm holds Parley's domain: its types, the error codes, input
// validation, the stored form of events (eventlog.go), and the two seams that
// have more than one implementation (Store and Bus). It imports nothing of the
// project.
//
// These are not the API's types: those are package wire's, which the API and
// the stream fill through internal/towire. The JSON tags that remain here are
// stored forms: on Event and the types an event carries, that of the event
// log (see EncodeEvent) and of the bus's notifications between nodes; on the
// automation types, that of the settings, rules and flows the stores keep as
// JSON. Change them only with a new stored format.
package dm

import "time"

// Account kinds.
const (
	KindPerson = "person"
	KindBrand  = "brand"
)

// Who may open a conversation with an account (Settings.AllowIncoming).
const (
	AllowEveryone  = "everyone"  // strangers land in Requests
	AllowFollowing = "following" // only accounts the recipient follows
	AllowNobody    = "nobody"
)

// Conversation kinds.
const (
	ConversationDirect = "direct"
	ConversationGroup  = "group"
)

// Member statuses: a member's own view of a conversation.
const (
	StatusRequest  = "request"  // in the Requests folder until accepted or replied to
	StatusAccepted = "accepted" // in the inbox
)

// Member roles.
const (
	RoleOwner  = "owner"
	RoleMember = "member"
)

// Folders of the conversation list.
const (
	FolderInbox    = "inbox"
	FolderRequests = "requests"
	FolderArchived = "archived"
)

// Limits shared by every entry point (HTTP, WebSocket, bots, campaigns).
const (
	MaxTextRunes     = 4000
	MaxGroupMembers  = 100
	MaxTitleRunes    = 100
	MaxDisplayName   = 64
	MaxBioRunes      = 300
	MaxClientIDBytes = 64
	EditWindow       = 15 * time.Minute
)

// Account is a person or a brand. Handles are lower case.
type Account struct {
	ID          string
	Handle      string
	DisplayName string
	Bio         string
	Kind        string
	CreatedAt   time.Time
	// Role is "" or RoleOperator (a moderator, set from the command line).
	Role string
	// Suspended accounts cannot log in or send; their messages show as from a
	// suspended account.
	Suspended bool
	// Verified is set by an operator on a brand whose identity was checked.
	Verified bool
}

// RoleOperator is the account role of the people who moderate a server.
const RoleOperator = "operator"

// Profile returns the short form of the account used inside messages and member lists.
func (a *Account) Profile() Profile {
	return Profile{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, Suspended: a.Suspended, Verified: a.Verified}
}

// Settings are an account's private preferences.
type Settings struct {
	AllowIncoming string
	ReadReceipts  bool
	// TimeZone is an IANA zone name, "" when the person set none; brands'
	// automated messages keep quiet hours in it.
	TimeZone string
}

// DefaultSettings are those of a new account.
func DefaultSettings() Settings {
	return Settings{AllowIncoming: AllowEveryone, ReadReceipts: true}
}

// Profile is the short form of an account.
type Profile struct {
	ID          string `json:"id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	// Suspended and Verified are set where the store reads them with the
	// profile (a message's sender): the account is suspended, or a verified brand.
	Suspended bool `json:"suspended,omitempty"`
	Verified  bool `json:"verified,omitempty"`
}

// Member is a conversation member as other members see them.
type Member struct {
	Profile
	Role string `json:"role"`
}

// Membership is one member's own state in a conversation. Only the member
// themself sees it (folded into their Conversation view).
type Membership struct {
	ConversationID string
	UserID         string
	Role           string
	Status         string // StatusRequest or StatusAccepted
	Muted          bool
	Archived       bool
	LastReadSeq    int64
	// ClearedSeq hides messages with seq <= ClearedSeq from this member
	// ("delete conversation for me"); the conversation also leaves their
	// folders until a newer message arrives.
	ClearedSeq int64
	JoinedAt   time.Time
}

// ReadMarker is how far another member has read a conversation: the seq
// of the last message they read.
type ReadMarker struct {
	UserID  string
	ReadSeq int64
}

// Conversation is a conversation as one member sees it: Status, Muted,
// Archived, UnreadCount and LastReadSeq are the viewer's own.
type Conversation struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Members     []Member  `json:"members"`
	Status      string    `json:"status"`
	Muted       bool      `json:"muted"`
	Archived    bool      `json:"archived"`
	UnreadCount int       `json:"unread_count"`
	LastReadSeq int64     `json:"last_read_seq"`
	LastMessage *Message  `json:"last_message"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Message is one message of a conversation. Seq numbers a conversation's
// messages 1, 2, 3 ... without gaps.
type Message struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Seq            int64      `json:"seq"`
	Sender         Profile    `json:"sender"`
	Text           string     `json:"text"`
	ReplyTo        string     `json:"reply_to"`
	Reactions      []Reaction `json:"reactions"`
	CreatedAt      time.Time  `json:"created_at"`
	EditedAt       *time.Time `json:"edited_at"`
	Deleted        bool       `json:"deleted"`
	// Automated marks a message a bot wrote for a brand (the away message).
	Automated bool `json:"automated,omitempty"`
	// AgentName is the first name of the brand agent who wrote the message,
	// when the brand chose to show it.
	AgentName string `json:"agent_name,omitempty"`
	// CampaignID marks a message a brand's campaign sent (a business
	// campaign, as the app shows it).
	CampaignID string `json:"campaign_id,omitempty"`
	// Collaboration marks a brand's proposal of a collaboration to a
	// creator (internal/brand/creators.go).
	Collaboration bool `json:"collaboration,omitempty"`
	// QuickReplies are buttons under a brand's (bot's) message; tapping one
	// sends its title as the customer's reply, with its payload.
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	// Attachments are the message's files (media.go), in the order sent.
	Attachments []Attachment `json:"attachments,omitempty"`
	// LinkPreview is the card of the message's first link, once fetched.
	LinkPreview *LinkPreview `json:"link_preview,omitempty"`
	// Product is the product card a brand's message carries (catalog.go).
	Product *ProductCard `json:"product,omitempty"`
}

// Gone returns a copy of m as a message deleted for everyone shows: no
// text, reactions, files, preview, buttons or product card.
func (m *Message) Gone() *Message {
	g := *m
	g.Text, g.Deleted, g.Reactions = "", true, []Reaction{}
	g.Attachments, g.LinkPreview, g.QuickReplies, g.Product = nil, nil, nil, nil
	return &g
}

// Reaction summarises one emoji on a message for one viewer.
type Reaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}

// Event types of the per-user event log.
const (
	EventConversationCreated  = "conversation.created"
	EventConversationUpdated  = "conversation.updated"
	EventConversationAccepted = "conversation.accepted"
	// EventConversationDeleted tells the caller's own devices that they
	// deleted a conversation for themself (an extension of the API's list).
	EventConversationDeleted = "conversation.deleted"
	EventMessageCreated      = "message.created"
	EventMessageEdited       = "message.edited"
	EventMessageDeleted      = "message.deleted"
	EventReactionAdded       = "reaction.added"
	EventReactionRemoved     = "reaction.removed"
	EventReadUpdated         = "read.updated"
	EventMemberAdded         = "member.added"
	EventMemberRemoved       = "member.removed"
	EventTyping              = "typing" // ephemeral: never stored, no Seq
)

// Event is one entry of a user's event log. Seq is per user, monotonic and
// gap-free; it is the sync cursor. Ephemeral events (typing) have Seq 0.
// Stores keep it in the form of EncodeEvent; the API and the stream send it
// as a wire.Event (internal/towire).
type Event struct {
	Seq            int64         `json:"seq,omitempty"`
	Type           string        `json:"type"`
	ConversationID string        `json:"conversation_id"`
	At             time.Time     `json:"at"`
	Message        *Message      `json:"message,omitempty"`
	Conversation   *Conversation `json:"conversation,omitempty"`
	// Actor is who did it: the reactor, the reader, the member added or
	// removed, the typist.
	Actor *Profile `json:"actor,omitempty"`
	// Emoji is set on reaction events.
	Emoji string `json:"emoji,omitempty"`
	// ReadSeq is set on read.updated: the actor has read up to this message seq.
	ReadSeq int64 `json:"read_seq,omitempty"`
	// The brand layer's events (inbox.*, team.updated; see brand.go) name
	// the brand's handle and carry the team's view of the conversation, a
	// note, or a presence state ("viewing", "typing", "left").
	Brand string     `json:"brand,omitempty"`
	Inbox *InboxView `json:"inbox,omitempty"`
	Note  *Note      `json:"note,omitempty"`
	State string     `json:"state,omitempty"`
	// Audit is set on inbox.audit: one change of the inbox state.
	Audit *AuditEntry `json:"audit,omitempty"`
	// Campaign is the progress of a brand's campaign (campaign.progress).
	Campaign *CampaignProgress `json:"campaign,omitempty"`
}

// Relationship is what one account is to another, seen from A.
type Relationship struct {
	AFollowsB bool
	BFollowsA bool
	ABlocksB  bool
	BBlocksA  bool
}

// Blocked reports whether either side blocks the other.
func (r Relationship) Blocked() bool { return r.ABlocksB || r.BBlocksA }

// DirectStaysOpen reports whether a direct conversation stays open to a new
// message whatever the recipient's allow_incoming setting says: once the
// recipient has accepted it, only a block (either way) closes it. r is seen
// from the sender; recipient is the other member's membership.
func DirectStaysOpen(r Relationship, recipient Membership) bool {
	return !r.Blocked() && recipient.Status == StatusAccepted
}
