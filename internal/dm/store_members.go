package dm

import "context"

// MemberTx is the part of a transaction that keeps who is in a conversation
// and each member's own state (status, muted, archived, read and cleared seqs).
// Errors and times follow the rules of Tx.
type MemberTx interface {
	// Memberships returns every current member's state, in join order.
	Memberships(ctx context.Context, conversationID string) ([]Membership, error)
	// LockMemberships is Memberships for a write that decides from the
	// member list and then changes it (the cap of a group, the hand-over
	// of its owner when the owner leaves): it first takes the lock that
	// every change of the conversation's members takes, and holds it until
	// the transaction ends, so that the list it returns stays true for
	// the rest of the transaction. Call it before reading anything else
	// of the conversation. In a read transaction it is Memberships.
	LockMemberships(ctx context.Context, conversationID string) ([]Membership, error)
	// Membership returns one member's state (ENOTFOUND if not a member).
	Membership(ctx context.Context, conversationID, userID string) (*Membership, error)
	// AddMembership adds a member (ECONFLICT if already one).
	AddMembership(ctx context.Context, m *Membership) error
	// UpdateMembership writes Role, Status, Muted, Archived, LastReadSeq and
	// ClearedSeq; the join order stays.
	UpdateMembership(ctx context.Context, m *Membership) error
	RemoveMembership(ctx context.Context, conversationID, userID string) error
}
