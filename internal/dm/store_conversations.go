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
	// FolderCounts counts what userID's badges show (see FolderCounts),
	// each up to MaxFolderCount, looking at no more than
	// FolderCountScan of a folder's most recently active conversations;
	// directOnly leaves groups out.
	FolderCounts(ctx context.Context, userID string, directOnly bool) (*FolderCounts, error)
	// SetTitle renames a conversation; at becomes its UpdatedAt.
	SetTitle(ctx context.Context, conversationID, title string, at time.Time) error
}

// FolderCounts is what a person's badges show, counted on the server so
// that they are right however few of the lists a client has loaded: the
// inbox's conversations with an unread message, muted ones left out (as
// Bluesky's getUnreadCounts and Instagram do: a muted conversation is one
// the person asked not to be nagged by; a request is not counted there
// either, since a stranger could light the badge at will), the requests,
// and the requests with an unread message (not muted). Each lists ids in
// the order of the folders (most recently active first) up to
// MaxFolderCount, so that a client counts the conversations it has loaded
// from its own state and the others from these ids.
type FolderCounts struct {
	InboxUnread    []string
	Requests       []string
	RequestsUnread []string
}

const (
	// MaxFolderCount bounds each list of FolderCounts: a badge shows
	// "99+" above 99.
	MaxFolderCount = 100
	// FolderCountScan bounds the conversations of a folder a count looks
	// at (the most recently active): a count costs at most that many
	// reads of a member's row, however many conversations an account has.
	FolderCountScan = 2000
)

// DirectKey names the pair of a direct conversation independently of order.
// Both stores keep it in a unique column, which is what makes a second direct
// conversation for the same pair impossible, even when two nodes race.
func DirectKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + ":" + b
}
