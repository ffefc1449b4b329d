package dm

import (
	"context"
	"time"
)

// ConversationTx is the part of a transaction that keeps conversations and
// each member's view of them (folders, unread counts, last message).
// Errors and times follow the rules of Tx.
type ConversationTx interface {
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
}

// DirectKey names the pair of a direct conversation independently of order.
// Both stores keep it in a unique column, which is what makes a second direct
// conversation for the same pair impossible, even when two nodes race.
func DirectKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + ":" + b
}
