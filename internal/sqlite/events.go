package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

const (
	qAppendEvent = `INSERT INTO events (user_id, seq, at, data) VALUES (?1, ` + qLastSeq + ` + 1, ?2, ?3)
		RETURNING seq`
	// qLastSeq is the newest seq of user ?1, kept or pruned: pruning goes by
	// time, and after a clock step back a pruned event may be newer than
	// every kept one.
	qLastSeq = `max(
			coalesce((SELECT max(seq) FROM events WHERE user_id = ?1), 0),
			coalesce((SELECT pruned_seq FROM event_logs WHERE user_id = ?1), 0))`
	qEventsAfter = `SELECT seq, at, data FROM events WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?`
	// The prune statements name their index: without statistics the planner
	// would rather walk the primary key for the GROUP BY.
	qPruneMark = `INSERT INTO event_logs (user_id, pruned_seq)
		SELECT user_id, max(seq) FROM events INDEXED BY events_at WHERE at < ? GROUP BY user_id
		ON CONFLICT (user_id) DO UPDATE SET pruned_seq = max(pruned_seq, excluded.pruned_seq)`
	qPruneDelete = `DELETE FROM events INDEXED BY events_at WHERE at < ?`
)

// AppendEvent is one statement: the next seq is one more than the newest of
// the user's range of the events primary key and the user's pruned seq. The
// single writer serialises appends.
func (t *tx) AppendEvent(ctx context.Context, userID string, e *dm.Event) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	stored := *e
	stored.Seq = 0
	data, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("sqlite: event: %w", err)
	}
	err = t.queryRow(ctx, qAppendEvent, userID, ms(e.At), string(data)).Scan(&e.Seq)
	return wrap(err, "event")
}

func (t *tx) Events(ctx context.Context, userID string, after int64, limit int) ([]dm.Event, error) {
	var pruned int64
	err := t.queryRow(ctx, `SELECT coalesce((SELECT pruned_seq FROM event_logs WHERE user_id = ?), 0)`, userID).Scan(&pruned)
	if err != nil {
		return nil, wrap(err, "events")
	}
	if after < pruned {
		return nil, dm.Errorf(dm.EGONE, "Events after %d are no longer kept: resync.", after)
	}
	rows, err := t.query(ctx, qEventsAfter,
		userID, after, limitOr(limit, 100))
	if err != nil {
		return nil, wrap(err, "events")
	}
	defer rows.Close()
	out := []dm.Event{}
	for rows.Next() {
		var seq, at int64
		var data []byte
		if err := rows.Scan(&seq, &at, &data); err != nil {
			return nil, wrap(err, "events")
		}
		var e dm.Event
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("sqlite: event %d of %s: %w", seq, userID, err)
		}
		e.Seq, e.At = seq, utc(at)
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "events")
}

func (t *tx) LastEventSeq(ctx context.Context, userID string) (int64, error) {
	var seq int64
	err := t.queryRow(ctx, `SELECT `+qLastSeq, userID).Scan(&seq)
	return seq, wrap(err, "events")
}

// PruneEvents first remembers each affected user's newest pruned seq, then
// deletes; both walk the events_at index.
func (t *tx) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	_, err := t.exec(ctx, qPruneMark, ms(before))
	if err != nil {
		return 0, wrap(err, "events")
	}
	n, err := t.affected(ctx, qPruneDelete, ms(before))
	return n, wrap(err, "events")
}
