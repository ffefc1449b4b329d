package dm

import "context"

// MessageTx is the part of a transaction that keeps messages, their
// reactions and the messages a member deleted for themself.
// Errors and times follow the rules of Tx.
type MessageTx interface {
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
	// everyone loses its reactions, and stays deleted: an update that would
	// bring it back is ErrMessageDeleted (ECONFLICT).
	UpdateMessage(ctx context.Context, m *Message) error
	// GoneMessages returns which of ids viewerID can no longer see: deleted
	// for everyone, deleted or cleared by viewerID for themself, or no
	// longer kept. One statement for all of them (an events page's
	// messages read back).
	GoneMessages(ctx context.Context, viewerID string, ids []string) (map[string]bool, error)
	// HideMessage deletes a message for one member only.
	HideMessage(ctx context.Context, messageID, userID string) error
	// SetReaction adds or removes one user's emoji; changed is false when
	// nothing changed (idempotent calls). Adding one to a message deleted
	// for everyone is ErrMessageDeleted (ECONFLICT).
	SetReaction(ctx context.Context, messageID, userID, emoji string, on bool) (changed bool, err error)
}

// SendPreparer is implemented by a transaction that can read, at once and
// before the send's first statement, what a send of senderID to
// conversationID will ask for (the client_id lookup when clientID is not
// "", the members, the relationship of a direct conversation's two members)
// and take the locks its insert will take. The calls that follow then
// answer from what it read: a store whose every statement is a network
// round trip (internal/postgres) saves one per read. It changes no answer:
// a store that does not implement it is asked each thing in turn.
type SendPreparer interface {
	PrepareSend(ctx context.Context, senderID, conversationID, clientID string) error
}
