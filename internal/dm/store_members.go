package dm

import "context"

// MemberTx is the part of a transaction that keeps who is in a conversation
// and each member's own state (status, muted, archived, read and cleared seqs).
// Errors and times follow the rules of Tx.
type MemberTx interface {
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
}
