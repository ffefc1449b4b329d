package dm

import "context"

// GraphTx is the part of a transaction that keeps the social graph: who
// follows and who blocks whom. SetFollow and SetBlock are idempotent.
// Errors and times follow the rules of Tx.
type GraphTx interface {
	SetFollow(ctx context.Context, followerID, followeeID string, on bool) error
	SetBlock(ctx context.Context, blockerID, blockedID string, on bool) error
	Relationship(ctx context.Context, aID, bID string) (Relationship, error)
	FollowCounts(ctx context.Context, userID string) (followers, following int, err error)
	// Followers and Following page by an opaque cursor ("" for the first page);
	// next is "" on the last page. They leave out the accounts in a block
	// with viewerID, either way ("" for nobody): blocks hide both ways.
	Followers(ctx context.Context, userID, viewerID, cursor string, limit int) (accounts []Account, next string, err error)
	Following(ctx context.Context, userID, viewerID, cursor string, limit int) (accounts []Account, next string, err error)
	// Blocked pages the accounts userID blocks, by handle; the cursor is
	// the last handle returned.
	Blocked(ctx context.Context, userID, cursor string, limit int) (accounts []Account, next string, err error)
}
