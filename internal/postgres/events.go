package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the per-user event log (dm.EventTx).
var _ dm.EventTx = (*tx)(nil)

// AppendEvent appends e to userID's log.
//
// The seq comes from the user's counter row in event_logs, incremented with
// an upsert (`... ON CONFLICT DO UPDATE SET last_seq = last_seq + 1
// RETURNING`), in the same statement that inserts the event. As for message
// seqs (see InsertMessage), the row lock held until commit serialises the
// appends to one log across all nodes and makes them commit in seq order, so
// a client reading "events after my cursor" can never skip one that commits
// later; and a rollback undoes the increment, so there are no gaps.
func (t *tx) AppendEvent(ctx context.Context, userID string, e *dm.Event) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	b, err := dm.EncodeEvent(e)
	if err != nil {
		return fmt.Errorf("postgres: encode event: %w", err)
	}
	return t.AppendEncodedEvent(ctx, userID, e, string(b))
}

// AppendEncodedEvent is AppendEvent with the event's stored form given.
func (t *tx) AppendEncodedEvent(ctx context.Context, userID string, e *dm.Event, body string) error {
	if last, ok := t.seqs[userID]; ok {
		// The counter row is ours until commit: number the event here
		// and let it go with the next round trip.
		t.seqs[userID] = last + 1
		t.pipe.queue(queuedEvent{user: userID, seq: last + 1, at: e.At, body: body})
		e.Seq = last + 1
		return nil
	}
	var seq int64
	err := t.tx.QueryRow(ctx, `
		WITH s AS (
			INSERT INTO event_logs AS l (user_id, last_seq) VALUES ($1, 1)
			ON CONFLICT (user_id) DO UPDATE SET last_seq = l.last_seq + 1
			RETURNING last_seq
		)
		INSERT INTO events (user_id, seq, at, body) SELECT $1, s.last_seq, $2, $3 FROM s
		RETURNING seq`, userID, e.At, body).Scan(&seq)
	if err != nil {
		return wrap(err, "event")
	}
	e.Seq = seq
	// The upsert locked the counter row: later appends need not ask.
	t.knowSeq(userID, seq)
	return nil
}

// Events reads the pruned mark and the events in one statement, hence one
// snapshot even at READ COMMITTED: a prune committing in between cannot make
// events vanish without EGONE.
func (t *tx) Events(ctx context.Context, userID string, after int64, limit int) ([]dm.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := t.tx.Query(ctx, `
		SELECT p.pruned, e.seq, e.body
		FROM (SELECT coalesce((SELECT pruned_seq FROM event_prunes WHERE user_id = $1), 0) AS pruned) p
		LEFT JOIN LATERAL (
			SELECT seq, body FROM events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
		) e ON true
		ORDER BY e.seq`, userID, after, limit)
	if err != nil {
		return nil, wrap(err, "events")
	}
	defer rows.Close()
	out := []dm.Event{}
	for rows.Next() {
		var pruned int64
		var seq *int64
		var body []byte
		if err := rows.Scan(&pruned, &seq, &body); err != nil {
			return nil, wrap(err, "events")
		}
		if after < pruned {
			return nil, dm.Errorf(dm.EGONE, "Events after %d were pruned; resync.", after)
		}
		if seq == nil {
			break // no events: the LEFT JOIN's one empty row
		}
		e, err := dm.DecodeEvent(body)
		if err != nil {
			return nil, fmt.Errorf("postgres: decode event %s/%d: %w", userID, *seq, err)
		}
		e.Seq = *seq
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "events")
}

func (t *tx) LastEventSeq(ctx context.Context, userID string) (int64, error) {
	var seq int64
	err := t.tx.QueryRow(ctx, `SELECT coalesce((SELECT last_seq FROM event_logs WHERE user_id = $1), 0)`, userID).Scan(&seq)
	return seq, wrap(err, "events")
}

// PruneEvents deletes old events and raises each affected user's pruned
// mark in one statement. An advisory lock serialises pruners (every node may
// run the retention job), whose upserts could otherwise deadlock.
func (t *tx) PruneEvents(ctx context.Context, before time.Time, limit int) (int64, error) {
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('parley.prune.' || current_schema()))`); err != nil {
		return 0, wrap(err, "events")
	}
	var n int64
	err := t.tx.QueryRow(ctx, `
		WITH d AS (
			DELETE FROM events WHERE (user_id, seq) IN (
				SELECT user_id, seq FROM events WHERE at < $1 ORDER BY at, user_id, seq LIMIT $2
			) RETURNING user_id, seq
		), p AS (
			INSERT INTO event_prunes AS p (user_id, pruned_seq)
			SELECT user_id, max(seq) FROM d GROUP BY user_id
			ON CONFLICT (user_id) DO UPDATE SET pruned_seq = greatest(p.pruned_seq, excluded.pruned_seq)
		)
		SELECT count(*) FROM d`, before, limit).Scan(&n)
	return n, wrap(err, "events")
}
