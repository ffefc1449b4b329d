package dm

import (
	"context"
	"time"
)

// Bulk is a store's bulk path: `parley import` and `bench seed` load through
// LoadBatch, `parley export` reads through Dump (internal/transfer holds the
// file format, docs/import.md describes it). Both stores implement it; it is
// not part of Store because a server never needs it.
type Bulk interface {
	// LoadBatch writes b in one transaction with multi-row statements,
	// skipping every row whose key exists already (so loading the same
	// batch twice changes nothing). Seqs and the denormalised columns come
	// from b, not from counters. On error nothing of b is written. What
	// b's rows reference (accounts, conversations, messages) exists in the
	// store or in b: the caller checks it (Import does, line by line), and
	// a store may skip its own foreign-key checks for the load.
	LoadBatch(ctx context.Context, b *BulkBatch) (BulkCounts, error)
	// FinishLoad runs once after the last batch: statistics for the planner.
	FinishLoad(ctx context.Context) error
	// Dump reads everything the export holds, in the export's stable order
	// (see BulkSink), from one snapshot.
	Dump(ctx context.Context, sink BulkSink) error
}

// BulkStore is a Store with the bulk path.
type BulkStore interface {
	Store
	Bulk
}

// BulkSink receives a Dump: accounts by id, follows in the order they were
// made, blocks by (blocker, blocked), conversations by id, messages by
// (conversation id, seq), event logs by user id. Ids compare as bytes.
type BulkSink interface {
	Account(*BulkAccount) error
	Follow(*BulkFollow) error
	Block(*BulkBlock) error
	Conversation(*BulkConversation) error
	Message(*BulkMessage) error
	EventLog(*BulkEventLog) error
}

// BulkAccount is an account with what a lossless copy needs beyond its
// profile: settings, password hash, suspension time.
type BulkAccount struct {
	Account
	Settings     Settings
	PasswordHash string
	SuspendedAt  *time.Time // Account.Suspended is SuspendedAt != nil
}

// BulkFollow is Follower following Followee.
type BulkFollow struct{ Follower, Followee string }

// BulkBlock is Blocker blocking Blocked.
type BulkBlock struct{ Blocker, Blocked string }

// BulkConversation is a conversation with its members in join order.
// LastSeq is the seq of its newest message and UpdatedAt the time the
// folders sort it by; the members' folder keys are derived from them.
type BulkConversation struct {
	ID        string
	Kind      string
	Title     string
	CreatedAt time.Time
	UpdatedAt time.Time
	LastSeq   int64
	Members   []Membership
}

// BulkMessage is a stored message with its reactions (in first-use order)
// and the members who hid it for themselves (sorted).
type BulkMessage struct {
	ID             string
	ConversationID string
	Seq            int64
	SenderID       string
	Text           string
	ReplyTo        string
	ClientID       string
	CreatedAt      time.Time
	EditedAt       *time.Time
	Deleted        bool
	Reactions      []BulkReaction
	HiddenFor      []string
}

// BulkReaction is one person's emoji on a message.
type BulkReaction struct{ Emoji, UserID string }

// BulkEventLog is the head of a user's event log: the seq of the newest
// event. Events are not copied; a loaded log starts after Seq (as if pruned
// up to it), so clients' cursors stay valid and new events never reuse a seq.
type BulkEventLog struct {
	UserID string
	Seq    int64
}

// BulkBatch is what one LoadBatch writes; the store inserts its parts in
// this order, so a batch may hold a conversation and its messages.
type BulkBatch struct {
	Accounts      []BulkAccount
	Follows       []BulkFollow
	Blocks        []BulkBlock
	Conversations []BulkConversation
	Messages      []BulkMessage
	EventLogs     []BulkEventLog
}

// Len is the number of records in b.
func (b *BulkBatch) Len() int {
	return len(b.Accounts) + len(b.Follows) + len(b.Blocks) + len(b.Conversations) + len(b.Messages) + len(b.EventLogs)
}

// Reset empties b, keeping its capacity.
func (b *BulkBatch) Reset() {
	b.Accounts, b.Follows, b.Blocks = b.Accounts[:0], b.Follows[:0], b.Blocks[:0]
	b.Conversations, b.Messages, b.EventLogs = b.Conversations[:0], b.Messages[:0], b.EventLogs[:0]
}

// BulkCounts counts the rows a LoadBatch inserted (rows that existed are
// not counted).
type BulkCounts struct {
	Accounts, Follows, Blocks, Conversations, Members, Messages, Reactions, Hidden, EventLogs int64
}

// Add adds o to c.
func (c *BulkCounts) Add(o BulkCounts) {
	c.Accounts += o.Accounts
	c.Follows += o.Follows
	c.Blocks += o.Blocks
	c.Conversations += o.Conversations
	c.Members += o.Members
	c.Messages += o.Messages
	c.Reactions += o.Reactions
	c.Hidden += o.Hidden
	c.EventLogs += o.EventLogs
}
