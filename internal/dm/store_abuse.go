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

	// TakeAllowance spends cost of the allowance named key (a limit and an
	// account, such as "group_create/ID") under a, as of now, in the
	// transaction: it returns 0 when spent, else how long until cost is
	// there again, spending nothing. Kept in the store, so that one limit
	// holds across every node, and rolled back with the write it guards.
	// Concurrent transactions taking the same key are serialised.
	TakeAllowance(ctx context.Context, key string, a Allowance, cost float64, now time.Time) (time.Duration, error)
	// PruneAllowances deletes up to limit allowances that were full again
	// before the given time (a missing allowance is a full one).
	PruneAllowances(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Allowance is a token bucket kept in the store: Burst actions at once,
// refilled at PerSecond. Its rule is internal/ratelimit's.
type Allowance struct {
	Burst     float64
	PerSecond float64
}

// Spend applies the bucket's rule to a bucket that held tokens at the
// time at: it refills it up to now, and spends cost when at least
// max(cost, 1) is there (a cost above Burst counts as Burst, so that one
// maximal action fits a full bucket). It returns what the bucket holds
// after, as of the returned time (the later of at and now, so that a
// node whose clock is behind never refills a bucket twice), and 0, or
// the wait until cost is there (at least a second) with the bucket
// unspent.
func (a Allowance) Spend(tokens float64, at, now time.Time, cost float64) (left float64, asOf time.Time, wait time.Duration) {
	asOf = at
	if now.After(at) {
		tokens += now.Sub(at).Seconds() * a.PerSecond
		asOf = now
	}
	tokens = min(tokens, a.Burst)
	cost = min(cost, a.Burst)
	if need := max(cost, 1); tokens < need {
		wait = time.Duration((need - tokens) / a.PerSecond * float64(time.Second))
		return tokens, asOf, max(wait, time.Second)
	}
	return tokens - cost, asOf, 0
}

// FullAt is when a bucket holding tokens at the time at is full again.
func (a Allowance) FullAt(tokens float64, at time.Time) time.Time {
	if tokens >= a.Burst || a.PerSecond <= 0 {
		return at
	}
	return at.Add(time.Duration((a.Burst - tokens) / a.PerSecond * float64(time.Second)))
}
