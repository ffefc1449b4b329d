package dm

import (
	"context"
	"time"
)

// Strike kinds: what another person did that lowers an account's standing
// (internal/chat's reputation, which makes its abuse limits stricter).
const (
	// StrikeBlocked: the person blocked the account.
	StrikeBlocked = "blocked"
	// StrikeDeclined: the person deleted a request from the account
	// without accepting it.
	StrikeDeclined = "declined"
	// StrikeReported: the person reported the account or one of its
	// messages (the moderation layer records these).
	StrikeReported = "reported"
)

// AbuseTx keeps the strikes against accounts. One person counts once per
// kind against one account (a second strike of the same kind only moves
// its time), so a block, unblock, block loop does not pile strikes up.
// Errors and times follow the rules of Tx.
type AbuseTx interface {
	// AddStrike records that byID struck accountID (kind: StrikeBlocked,
	// StrikeDeclined, StrikeReported) at a time.
	AddStrike(ctx context.Context, accountID, byID, kind string, at time.Time) error
	// Strikes counts the people who struck accountID at or after since,
	// in any way (a block and a report from one person count once).
	Strikes(ctx context.Context, accountID string, since time.Time) (int, error)
}
