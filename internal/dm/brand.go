package dm

import (
	"context"
	"slices"
	"time"
)

// This file holds the brand layer's types: a brand's team, its shared inbox,
// notes, canned replies, business hours, message attribution and the
// response threads that analytics read. The rules live in internal/brand;
// BrandTx is what a store keeps for it.

// Team roles. The brand account itself always acts as an owner.
const (
	TeamOwner = "owner"
	TeamAdmin = "admin"
	TeamAgent = "agent"
)

// Inbox statuses of a brand conversation.
const (
	InboxOpen     = "open"
	InboxPending  = "pending"
	InboxSnoozed  = "snoozed" // until InboxItem.SnoozedUntil, then open again
	InboxResolved = "resolved"
)

// Priorities of a brand conversation.
const (
	PriorityNone   = "none"
	PriorityLow    = "low"
	PriorityMedium = "medium"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Event types of the brand layer. They go only to the logs of the brand's
// team members, so a customer never receives one, and a member who leaves
// the team stops receiving them at once.
const (
	// EventInboxMessage: a message in one of the brand's conversations
	// (Message; Actor is the agent who wrote an outbound one; Inbox).
	EventInboxMessage = "inbox.message"
	// EventInboxMessageUpdated: a message of a brand conversation was
	// edited, deleted or reacted to (Message; State is the spine's event
	// type, such as message.edited; Actor and Emoji as on that event).
	EventInboxMessageUpdated = "inbox.message_updated"
	// EventInboxUpdated: status, assignee, labels or priority changed (Inbox).
	EventInboxUpdated = "inbox.updated"
	// EventInboxNote: a private note was added (Note, Inbox).
	EventInboxNote = "inbox.note"
	// EventInboxPresence is ephemeral (no Seq): Actor is viewing or typing
	// in a brand conversation (State).
	EventInboxPresence = "inbox.presence"
	// EventTeamUpdated: the team changed; sent to the member concerned too,
	// so that a removed member's console learns it lost access.
	EventTeamUpdated = "team.updated"
)

// TeamMember is one account's place in a brand's team.
type TeamMember struct {
	BrandID   string
	UserID    string
	Role      string
	Available bool
	AddedAt   time.Time
	// Permissions are extra rights of an agent (PermPartnerships); owners
	// and admins have them all.
	Permissions []string
}

// InboxItem is the team's state of one brand conversation. A thread is one
// stretch of a conversation from a customer message that (re)opened it to
// its resolution; FirstResponseAt and WaitingSince are the current thread's.
type InboxItem struct {
	ConversationID string
	BrandID        string
	CustomerID     string
	Status         string
	SnoozedUntil   *time.Time
	AssigneeID     string // "" when unassigned
	Labels         []string
	Priority       string
	// WaitingSince is the time of the oldest customer message that no
	// brand message has answered yet (nil when nobody waits).
	WaitingSince    *time.Time
	FirstResponseAt *time.Time
	LastAgentID     string
	// AwaySentAt is when the away message was last sent here.
	AwaySentAt    *time.Time
	ThreadID      string
	LastMessageAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// InboxFilter selects inbox items. Empty fields do not filter.
type InboxFilter struct {
	// Status filters by status; InboxOpen also matches expired snoozes (Now).
	Status string
	// Assignee filters by assignee id; Unassigned selects items without one.
	Assignee   string
	Unassigned bool
	Label      string
	// Query is a prefix of the customer's handle or display name.
	Query string
	// Sort is InboxSortLatest (""), InboxSortWaiting (longest wait first)
	// or InboxSortPriority (most urgent first, then longest wait); the
	// last two page by offset.
	Sort   string
	Now    time.Time
	Cursor string
	Limit  int
}

// Inbox orders.
const (
	InboxSortLatest   = "latest"
	InboxSortWaiting  = "waiting"
	InboxSortPriority = "priority"
)

// Thread is one response episode of a brand conversation, for analytics.
type Thread struct {
	ID             string
	BrandID        string
	ConversationID string
	// OpenedAt is the time of the customer message that opened the thread.
	OpenedAt         time.Time
	FirstResponseAt  *time.Time
	FirstResponderID string
	// AssigneeID is the assignee while the thread was open (the latest).
	AssigneeID string
	ResolvedAt *time.Time
	ResolverID string
}

// Note is a private note of the team on a brand conversation. It is never
// shown to the customer.
type Note struct {
	ID             string  `json:"id"`
	BrandID        string  `json:"-"`
	ConversationID string  `json:"conversation_id"`
	Author         Profile `json:"author"`
	Text           string  `json:"text"`
	// AfterSeq is the seq of the conversation's newest message when the
	// note was written (set by the store): the note's place in the thread.
	AfterSeq  int64     `json:"after_seq"`
	CreatedAt time.Time `json:"created_at"`
}

// CannedReply is a saved reply with placeholders (see internal/brand).
type CannedReply struct {
	ID      string
	BrandID string
	// OwnerID is the agent who keeps it for themself; "" is shared.
	OwnerID   string
	Title     string
	Text      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OpenSpan is one stretch of business hours: Day 0 is Sunday; Open and
// Close are minutes after midnight in the brand's time zone (Close > Open).
type OpenSpan struct {
	Day   int `json:"day"`
	Open  int `json:"open"`
	Close int `json:"close"`
}

// BrandSettings are a brand's inbox settings.
type BrandSettings struct {
	BrandID string
	// TimeZone is an IANA name ("Europe/Paris").
	TimeZone     string
	HoursEnabled bool
	Hours        []OpenSpan
	// AwayMessage is sent (at most once per conversation per day) to a
	// customer who writes outside business hours; "" sends nothing.
	AwayMessage string
	// ShowAgentName shows customers the first name of the agent who wrote.
	ShowAgentName bool
	// AutoAssign assigns new conversations round-robin among available agents.
	AutoAssign bool
	// RoundRobinLast is the agent who got the last automatic assignment.
	RoundRobinLast string
	UpdatedAt      time.Time
}

// Directions of a brand message.
const (
	DirectionIn  = "in"  // from the customer
	DirectionOut = "out" // from the brand
)

// BrandMessage records who wrote a message of a brand conversation.
type BrandMessage struct {
	MessageID      string
	BrandID        string
	ConversationID string
	Direction      string
	// AgentID is the team member who wrote an outbound message ("" when
	// the brand account itself or a bot wrote it).
	AgentID   string
	Automated bool
	// AgentName is what the customer was shown of the agent ("" for none).
	AgentName string
	At        time.Time
}

// InboxView is a brand conversation as the team sees it (in events, and in
// the brand endpoints' answers as a wire.InboxView).
type InboxView struct {
	ConversationID  string     `json:"conversation_id"`
	Brand           string     `json:"brand"`
	Customer        Profile    `json:"customer"`
	Status          string     `json:"status"`
	SnoozedUntil    *time.Time `json:"snoozed_until"`
	Assignee        *Profile   `json:"assignee"`
	Labels          []string   `json:"labels"`
	Priority        string     `json:"priority"`
	WaitingSince    *time.Time `json:"waiting_since"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	LastMessage     *Message   `json:"last_message"`
	LastMessageAt   time.Time  `json:"last_message_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// SLA is the running response target while a customer waits on an
	// unresolved conversation (nil otherwise, or with no target set).
	SLA *SLAState `json:"sla,omitempty"`
}

// SLAState is where a waiting conversation stands against its target.
type SLAState struct {
	// Kind is "first_response" or "next_response".
	Kind          string `json:"kind"`
	TargetSeconds int64  `json:"target_seconds"`
	// RemainingSeconds is business time left (negative once breached).
	RemainingSeconds int64 `json:"remaining_seconds"`
	Breached         bool  `json:"breached"`
}

// BrandTx is the part of a transaction that keeps the brand layer. Like Tx,
// methods return ENOTFOUND for a missing row and ECONFLICT for a broken
// unique rule; times are kept to the millisecond and returned in UTC.
type BrandTx interface {
	// PutTeamMember adds a member or updates their role and availability.
	PutTeamMember(ctx context.Context, m *TeamMember) error
	TeamMember(ctx context.Context, brandID, userID string) (*TeamMember, error)
	// TeamMembers lists a brand's team in the order members were added.
	TeamMembers(ctx context.Context, brandID string) ([]TeamMember, error)
	// DeleteTeamMember removes a member (ENOTFOUND if not one).
	DeleteTeamMember(ctx context.Context, brandID, userID string) error
	// MemberBrands lists the teams a user belongs to.
	MemberBrands(ctx context.Context, userID string) ([]TeamMember, error)

	// BrandSettings returns a brand's settings (ENOTFOUND if never saved).
	BrandSettings(ctx context.Context, brandID string) (*BrandSettings, error)
	PutBrandSettings(ctx context.Context, s *BrandSettings) error
	// LockBrand serialises, until the end of the write transaction, the
	// read-modify-write of a brand's settings (the round-robin cursor).
	LockBrand(ctx context.Context, brandID string) error
	// BrandStateVersion returns the version of a brand's slowly changing
	// state (its account, settings but the round-robin cursor, team, bot
	// settings, webhook endpoints and consent settings): any change to one
	// of them gives it a version it never had before (0 before the first).
	BrandStateVersion(ctx context.Context, brandID string) (int64, error)

	// InboxItem returns a conversation's inbox state; in a write
	// transaction the row stays locked until commit.
	InboxItem(ctx context.Context, conversationID string) (*InboxItem, error)
	// BrandConversation reads, in one statement, what a message in a
	// brand conversation weighs of it: the inbox item (locked as
	// InboxItem locks it), the bot's state, the customer's consent row
	// and the newest unanswered text survey sent to the conversation at
	// or after surveySince. What does not exist is nil.
	BrandConversation(ctx context.Context, conversationID, brandID, customerID string, surveySince time.Time) (*BrandConversation, error)
	// PutInboxItem inserts or replaces an inbox item and its labels.
	PutInboxItem(ctx context.Context, it *InboxItem) error
	// UpdateInboxItem writes the columns of an existing item that differ
	// between before (as read in this transaction) and after, and its
	// labels only when they differ: a message that moves last_message_at
	// alone rewrites only the row and the indexes that hold it.
	UpdateInboxItem(ctx context.Context, before, after *InboxItem) error
	// Inbox lists a brand's items, most recent message first; next is ""
	// on the last page.
	Inbox(ctx context.Context, brandID string, f InboxFilter) (items []InboxItem, next string, err error)

	// PutThread inserts or replaces a thread.
	PutThread(ctx context.Context, th *Thread) error
	Thread(ctx context.Context, id string) (*Thread, error)
	// Threads returns the threads of a brand opened or resolved in [from, to).
	Threads(ctx context.Context, brandID string, from, to time.Time) ([]Thread, error)

	AddNote(ctx context.Context, n *Note) error
	// Notes lists a conversation's notes, oldest first.
	Notes(ctx context.Context, brandID, conversationID string) ([]Note, error)

	// PutCannedReply inserts or updates a reply (ECONFLICT: title taken).
	PutCannedReply(ctx context.Context, c *CannedReply) error
	CannedReply(ctx context.Context, brandID, id string) (*CannedReply, error)
	// CannedReplies lists a brand's replies by title.
	CannedReplies(ctx context.Context, brandID string) ([]CannedReply, error)
	DeleteCannedReply(ctx context.Context, brandID, id string) error

	// PutBrandMessage records the attribution of a message.
	PutBrandMessage(ctx context.Context, m *BrandMessage) error
	// BrandMessagesByID returns the records of those ids that have one.
	BrandMessagesByID(ctx context.Context, ids []string) ([]BrandMessage, error)
	// BrandMessages returns a brand's records with At in [from, to), oldest first.
	BrandMessages(ctx context.Context, brandID string, from, to time.Time) ([]BrandMessage, error)
}

// InboxDiff lists the columns of an inbox item that differ between before
// and after, with after's values (strings, *time.Time or time.Time), for
// UpdateInboxItem; labels tells whether the labels differ (they are not
// in cols).
func InboxDiff(before, after *InboxItem) (cols []string, vals []any, labels bool) {
	add := func(col string, v any) { cols, vals = append(cols, col), append(vals, v) }
	str := func(col, a, b string) {
		if a != b {
			add(col, b)
		}
	}
	tm := func(col string, a, b *time.Time) {
		if (a == nil) != (b == nil) || a != nil && !a.Equal(*b) {
			add(col, b)
		}
	}
	str("status", before.Status, after.Status)
	tm("snoozed_until", before.SnoozedUntil, after.SnoozedUntil)
	str("assignee_id", before.AssigneeID, after.AssigneeID)
	str("priority", before.Priority, after.Priority)
	tm("waiting_since", before.WaitingSince, after.WaitingSince)
	tm("first_response_at", before.FirstResponseAt, after.FirstResponseAt)
	str("last_agent_id", before.LastAgentID, after.LastAgentID)
	tm("away_sent_at", before.AwaySentAt, after.AwaySentAt)
	str("thread_id", before.ThreadID, after.ThreadID)
	if !before.LastMessageAt.Equal(after.LastMessageAt) {
		add("last_message_at", after.LastMessageAt)
	}
	if !before.UpdatedAt.Equal(after.UpdatedAt) {
		add("updated_at", after.UpdatedAt)
	}
	labels = !slices.Equal(before.Labels, after.Labels)
	return cols, vals, labels
}

// BrandConversation is a brand conversation's state as a message in it
// reads it (BrandTx.BrandConversation). A nil field is a row that does not
// exist.
type BrandConversation struct {
	Item       *InboxItem
	Bot        *BotState
	Consent    *Consent
	TextSurvey *SurveySend
	// StateVersion is the brand's BrandStateVersion, read in the same
	// statement (a customer's message needs both).
	StateVersion int64
	// FunnelOpen tells whether the customer has a campaign delivery from
	// the brand that is sent and not yet marked both read and replied:
	// when there is none, a customer's message has no funnel mark to make
	// and skips the UPDATE that would find nothing (most messages).
	FunnelOpen bool
}
