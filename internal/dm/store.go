package dm

import (
	"context"
	"time"
)

// Store is the durable state of Parley. It has two implementations: SQLite
// (internal/sqlite, the default) and PostgreSQL (internal/postgres); both pass
// the conformance suite in internal/storetest.
//
// Business rules (who may message whom, limits, which events to log) live in
// internal/chat; a Store only keeps data and answers queries, each of them
// served by an index so that a user with 100,000 conversations or a
// conversation with 1,000,000 messages stays fast.
type Store interface {
	// Update runs fn in a read-write transaction. If fn returns an error, fn's
	// writes are rolled back and Update returns that error. Update returns nil
	// only once fn's writes are durably committed.
	//
	// The SQLite store runs every Update on one writer goroutine and batches
	// concurrent calls into one transaction (group commit), each fn inside its
	// own savepoint, so one failing fn never undoes another. fn must therefore
	// be short, must not block on anything but the Tx, and must not call
	// Update or View itself.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction. Methods return *Error with ENOTFOUND when a looked-up
// row does not exist and ECONFLICT when a unique rule is broken; anything else
// is an internal error. Times are stored with at least millisecond precision
// and returned in UTC.
type Tx interface {
	// Accounts.

	// CreateAccount inserts a, with its settings and password hash
	// (ECONFLICT if the handle is taken).
	CreateAccount(ctx context.Context, a *Account, s Settings, passwordHash string) error
	Account(ctx context.Context, id string) (*Account, error)
	AccountByHandle(ctx context.Context, handle string) (*Account, error)
	// Credentials returns the account with a handle and its password hash.
	Credentials(ctx context.Context, handle string) (*Account, string, error)
	Settings(ctx context.Context, userID string) (Settings, error)
	// UpdateAccount writes display_name, bio and the settings of a.
	UpdateAccount(ctx context.Context, a *Account, s Settings) error
	// SearchAccounts finds accounts whose handle or display name starts with
	// query (case-insensitive), handles first, at most limit.
	SearchAccounts(ctx context.Context, query string, limit int) ([]Account, error)

	// Sessions. Only a hash of a session token is ever stored.

	CreateSession(ctx context.Context, tokenHash, userID string, expires time.Time) error
	// SessionAccount returns the account of an unexpired session (ENOTFOUND otherwise).
	SessionAccount(ctx context.Context, tokenHash string, now time.Time) (*Account, error)
	DeleteSession(ctx context.Context, tokenHash string) error

	// The social graph. SetFollow and SetBlock are idempotent.

	SetFollow(ctx context.Context, followerID, followeeID string, on bool) error
	SetBlock(ctx context.Context, blockerID, blockedID string, on bool) error
	Relationship(ctx context.Context, aID, bID string) (Relationship, error)
	FollowCounts(ctx context.Context, userID string) (followers, following int, err error)
	// Followers and Following page by an opaque cursor ("" for the first page);
	// next is "" on the last page.
	Followers(ctx context.Context, userID, cursor string, limit int) (accounts []Account, next string, err error)
	Following(ctx context.Context, userID, cursor string, limit int) (accounts []Account, next string, err error)

	// Conversations.

	// CreateConversation inserts c (ID, Kind, Title, CreatedAt, UpdatedAt) and
	// its first members. A second direct conversation for the same pair is
	// ECONFLICT, so that concurrent creates cannot make two.
	CreateConversation(ctx context.Context, c *Conversation, members []Membership) error
	// DirectConversationID returns the direct conversation of a pair (ENOTFOUND if none).
	DirectConversationID(ctx context.Context, aID, bID string) (string, error)
	// Conversation returns conversation id as member userID sees it
	// (ENOTFOUND if userID is not a member).
	Conversation(ctx context.Context, id, userID string) (*Conversation, error)
	// Conversations lists userID's conversations in a folder, most recently
	// active first. Folders: inbox (accepted, not archived), requests
	// (status request), archived. Conversations cleared by the member and
	// without a newer message are in no folder.
	Conversations(ctx context.Context, userID, folder, cursor string, limit int) (convs []Conversation, next string, err error)
	// SetTitle renames a conversation; at becomes its UpdatedAt.
	SetTitle(ctx context.Context, conversationID, title string, at time.Time) error

	// Members.

	// Memberships returns every current member's state, in join order.
	Memberships(ctx context.Context, conversationID string) ([]Membership, error)
	// Membership returns one member's state (ENOTFOUND if not a member).
	Membership(ctx context.Context, conversationID, userID string) (*Membership, error)
	// AddMembership adds a member (ECONFLICT if already one).
	AddMembership(ctx context.Context, m *Membership) error
	// UpdateMembership writes Role, Status, Muted, Archived, LastReadSeq and
	// ClearedSeq; the join order stays.
	UpdateMembership(ctx context.Context, m *Membership) error
	RemoveMembership(ctx context.Context, conversationID, userID string) error

	// Messages.

	// InsertMessage appends m to its conversation: it sets m.Seq to the next
	// seq of the conversation, records clientID (if not "") so that
	// MessageByClientID finds it, makes m the conversation's last message and
	// moves the conversation to the top of every member's folders.
	InsertMessage(ctx context.Context, m *Message, clientID string) error
	// MessageByClientID finds a sender's message by the client_id it was sent with.
	MessageByClientID(ctx context.Context, senderID, clientID string) (*Message, error)
	// Message returns a message with its reactions as viewerID sees them.
	Message(ctx context.Context, id, viewerID string) (*Message, error)
	// Messages pages a conversation's messages newest first: those with
	// seq < beforeSeq (0: from the newest), leaving out messages viewerID
	// deleted for themself or cleared (seq <= their ClearedSeq).
	Messages(ctx context.Context, conversationID, viewerID string, beforeSeq int64, limit int) ([]Message, error)
	// UpdateMessage writes Text, EditedAt and Deleted. A message deleted for
	// everyone loses its reactions.
	UpdateMessage(ctx context.Context, m *Message) error
	// HideMessage deletes a message for one member only.
	HideMessage(ctx context.Context, messageID, userID string) error
	// SetReaction adds or removes one user's emoji; changed is false when
	// nothing changed (idempotent calls).
	SetReaction(ctx context.Context, messageID, userID, emoji string, on bool) (changed bool, err error)

	// The event log.

	// AppendEvent appends e to userID's log and sets e.Seq to the next seq of
	// that log. Concurrent appends to one log are serialised; seqs have no gaps.
	AppendEvent(ctx context.Context, userID string, e *Event) error
	// Events returns userID's events with seq > after, oldest first, at most
	// limit. EGONE when events after `after` were already pruned.
	Events(ctx context.Context, userID string, after int64, limit int) ([]Event, error)
	// LastEventSeq is the seq of userID's newest event (0 if none).
	LastEventSeq(ctx context.Context, userID string) (int64, error)
	// PruneEvents deletes at most limit events older than before, the oldest
	// first (ties by user, then seq), and remembers, per user, the newest
	// seq pruned, so that Events can answer EGONE. The limit keeps each
	// transaction short: callers prune a backlog in slices.
	PruneEvents(ctx context.Context, before time.Time, limit int) (int64, error)

	// The brand layer (brand.go).
	BrandTx
	// The durable job queue (jobs.go).
	JobTx
	// Automation: rules, flows, the bot's state (automation.go).
	AutomationTx
	// External bots: webhooks and bot tokens (webhooks.go).
	WebhookTx
}
