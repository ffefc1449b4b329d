package dm

import (
	"context"
	"time"
)

// EventTx is the part of a transaction that keeps the per-user event log,
// the one mechanism by which clients sync.
// Errors and times follow the rules of Tx.
type EventTx interface {
	// AppendEvent appends e to userID's log and sets e.Seq to the next seq of
	// that log. Concurrent appends to one log are serialised; seqs have no gaps.
	AppendEvent(ctx context.Context, userID string, e *Event) error
	// AppendEncodedEvent is AppendEvent with e's stored form given: data
	// is EncodeEvent(e), and e.At is set. One event for many users (a
	// message's members, a brand's team) is so encoded once, not once per
	// user.
	AppendEncodedEvent(ctx context.Context, userID string, e *Event, data string) error
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
}

// EventSeqPeeker is implemented by a store that can tell a user's newest
// event seq without a transaction, because it alone writes the event log
// (the SQLite store, whose writer goroutine assigns every seq). ok is false
// when it does not know the user's seq: then read LastEventSeq in a View.
// A seq it returns was committed, and is never older than the newest seq
// of an Update that has returned, so a reader that compares it with what it
// saw in an earlier View misses no change that was acknowledged first.
type EventSeqPeeker interface {
	PeekLastEventSeq(userID string) (seq int64, ok bool)
}
