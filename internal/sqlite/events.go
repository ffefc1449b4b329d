package sqlite

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the per-user event log (dm.EventTx).
var _ dm.EventTx = (*tx)(nil)

const (
	qAppendEvent = `INSERT INTO events (user_id, seq, at, data) VALUES (?1, ` + qLastSeq + ` + 1, ?2, ?3)
		RETURNING seq`
	// qLastSeq is the newest seq of user ?1, kept or pruned: pruning goes by
	// time, and after a clock step back a pruned event may be newer than
	// every kept one.
	qLastSeq = `max(
			coalesce((SELECT max(seq) FROM events WHERE user_id = ?1), 0),
			coalesce((SELECT pruned_seq FROM event_logs WHERE user_id = ?1), 0))`
	// An event's data is in event_data (data_id), or inline in an event
	// written before migration 0930 or outside the writer.
	qEventsAfter = `SELECT e.seq, e.at, coalesce(d.data, e.data) FROM events e LEFT JOIN event_data d ON d.id = e.data_id
		WHERE e.user_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`
	// The prune statements name their index: without statistics the planner
	// would rather walk the primary key for the GROUP BY.
	// Both statements pick the same slice: the index on at also holds the
	// primary key, so "ORDER BY at, user_id, seq" is its order and total.
	qPruneSlice = `SELECT user_id, seq FROM events INDEXED BY events_at WHERE at < ?1 ORDER BY at, user_id, seq LIMIT ?2`
	qPruneMark  = `INSERT INTO event_logs (user_id, pruned_seq)
		SELECT user_id, max(seq) FROM (` + qPruneSlice + `) GROUP BY user_id
		ON CONFLICT (user_id) DO UPDATE SET pruned_seq = max(pruned_seq, excluded.pruned_seq)`
	qPruneData   = `DELETE FROM event_data WHERE id IN (SELECT data_id FROM events WHERE (user_id, seq) IN (` + qPruneSlice + `))`
	qPruneDelete = `DELETE FROM events WHERE (user_id, seq) IN (` + qPruneSlice + `)`
)

// AppendEvent is one statement: the next seq is one more than the newest of
// the user's range of the events primary key and the user's pruned seq. The
// single writer serialises appends, so on the writer the newest seq comes
// from its cache (seqCache) after the first append of a user, the event is
// encoded once for the members that get the same one (encodeEvent), and the
// row waits in the writer's queue (eventQueue) to be inserted with the
// batch's others in multi-row statements after the batch's savepoints
// (DB.commit), in the same transaction: a send's two appends cost no
// statement of their own.
func (t *tx) AppendEvent(ctx context.Context, userID string, e *dm.Event) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	data, err := t.encodeEvent(e)
	if err != nil {
		return fmt.Errorf("sqlite: event: %w", err)
	}
	return t.AppendEncodedEvent(ctx, userID, e, data)
}

// AppendEncodedEvent is AppendEvent with the event's stored form given.
func (t *tx) AppendEncodedEvent(ctx context.Context, userID string, e *dm.Event, data string) error {
	if !t.write {
		err := t.queryRow(ctx, qAppendEvent, userID, ms(e.At), data).Scan(&e.Seq)
		return wrap(err, "event")
	}
	seqs := &t.c.seqs
	last, ok := seqs.get(userID)
	if !ok {
		// The table must hold what is queued before it is read.
		if err := t.flushEvents(ctx); err != nil {
			return err
		}
		if err := t.queryRow(ctx, `SELECT `+qLastSeq, userID).Scan(&last); err != nil {
			return wrap(err, "event")
		}
	}
	t.c.events.rows = append(t.c.events.rows, queuedEvent{userID, last + 1, ms(e.At), data})
	seqs.set(userID, last+1)
	e.Seq = last + 1
	return nil
}

// queuedEvent is an event row the writer has yet to insert.
type queuedEvent struct {
	user    string
	seq, at int64
	data    string
}

// eventQueue holds the writer's appended events until they are inserted:
// at the end of the batch, or earlier when the events table is read on the
// writer (flushEvents). rows[:mark] belong to released savepoints. An early
// insert inside a savepoint writes those too, and if that savepoint rolls
// back they must be queued again: prior keeps them until it ends.
type eventQueue struct {
	rows  []queuedEvent
	mark  int
	prior []queuedEvent
}

func (q *eventQueue) savepoint() {
	q.mark = len(q.rows)
	q.prior = q.prior[:0]
}

func (q *eventQueue) rollback() {
	kept := make([]queuedEvent, 0, len(q.prior)+q.mark)
	q.rows = append(append(kept, q.prior...), q.rows[:q.mark]...)
	q.prior = q.prior[:0]
}

func (q *eventQueue) reset() {
	q.rows, q.mark, q.prior = q.rows[:0], 0, q.prior[:0]
}

// eventChunks are the sizes of the multi-row inserts (4 parameters a row;
// each size is one prepared statement).
var eventChunks = []int{64, 16, 4, 1}

// flushEvents inserts the queued events (writer only).
func (t *tx) flushEvents(ctx context.Context) error {
	q := &t.c.events
	if !t.write || len(q.rows) == 0 {
		return nil
	}
	// Data ids come from the writer's counter: only the writer inserts
	// into event_data, and a rolled-back insert leaves a gap, which is
	// harmless (ids need only be new and rising).
	if t.c.dataID == 0 {
		if err := t.queryRow(ctx, `SELECT coalesce(max(id), 0) FROM event_data`).Scan(&t.c.dataID); err != nil {
			return wrap(err, "event")
		}
	}
	rows := q.rows
	args := make([]any, 0, 4*eventChunks[0])
	for _, n := range eventChunks {
		for len(rows) >= n {
			first := t.c.dataID + 1
			args = args[:0]
			for i, r := range rows[:n] {
				args = append(args, first+int64(i), r.data)
			}
			if _, err := t.exec(ctx, insertEventData(n), args...); err != nil {
				return wrap(err, "event")
			}
			t.c.dataID += int64(n)
			args = args[:0]
			for i, r := range rows[:n] {
				args = append(args, r.user, r.seq, r.at, first+int64(i))
			}
			if _, err := t.exec(ctx, insertEvents(n), args...); err != nil {
				return wrap(err, "event")
			}
			rows = rows[n:]
		}
	}
	q.prior = append(q.prior, q.rows[:q.mark]...)
	q.rows, q.mark = q.rows[:0], 0
	return nil
}

var insertEventsSQL, insertEventDataSQL = map[int]string{}, map[int]string{}

func init() {
	for _, n := range eventChunks {
		q, d := qInsertEvent, qInsertEventData
		for range n - 1 {
			q += ", (?, ?, ?, '', ?)"
			d += ", (?, ?)"
		}
		insertEventsSQL[n], insertEventDataSQL[n] = q, d
	}
}

func insertEvents(n int) string    { return insertEventsSQL[n] }
func insertEventData(n int) string { return insertEventDataSQL[n] }

const (
	qInsertEvent     = `INSERT INTO events (user_id, seq, at, data, data_id) VALUES (?, ?, ?, '', ?)`
	qInsertEventData = `INSERT INTO event_data (id, data) VALUES (?, ?)`
)

// encodeEvent returns the stored form of e (dm.EncodeEvent). A message
// sent to n members is n identical events: the writer's conn keeps the last
// encoding with a copy of what it encoded, and reuses it when the next event
// has equal values (not merely the same pointers, which a caller may have
// mutated in between).
func (t *tx) encodeEvent(e *dm.Event) (string, error) {
	stored := *e
	stored.Seq = 0
	enc := &t.c.enc
	if enc.valid && enc.same(&stored) {
		return enc.data, nil
	}
	b, err := dm.EncodeEvent(&stored)
	if err != nil {
		return "", err
	}
	data := string(b)
	enc.remember(&stored, data)
	return data, nil
}

// lastEncoding is the last event a conn encoded, for encodeEvent. Only
// events whose pointers lead to a message or an actor are remembered: the
// others (conversations, brand views, notes) are rarer and deeper.
type lastEncoding struct {
	valid bool
	ev    dm.Event // a deep copy: its Message and Actor are its own
	data  string
}

func (l *lastEncoding) remember(e *dm.Event, data string) {
	l.valid = e.Conversation == nil && e.Inbox == nil && e.Note == nil
	if !l.valid {
		return
	}
	l.ev, l.data = *e, data
	if e.Message != nil {
		l.ev.Message = cloneMessage(e.Message)
	}
	if e.Actor != nil {
		a := *e.Actor
		l.ev.Actor = &a
	}
}

// cloneMessage copies m and everything it leads to (its slices and
// pointers), so that a change made later through m's own slices or pointers
// cannot change the copy. A field added to dm.Message that holds a slice or
// a pointer must be copied here too (TestEventEncodingReuseDeep).
func cloneMessage(m *dm.Message) *dm.Message {
	c := *m
	c.Reactions = slices.Clone(m.Reactions)
	if m.EditedAt != nil {
		at := *m.EditedAt
		c.EditedAt = &at
	}
	c.QuickReplies = slices.Clone(m.QuickReplies)
	if m.Attachments != nil {
		c.Attachments = make([]dm.Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			a.Waveform = slices.Clone(a.Waveform)
			c.Attachments[i] = a
		}
	}
	if m.LinkPreview != nil {
		p := *m.LinkPreview
		c.LinkPreview = &p
	}
	if m.Product != nil {
		p := *m.Product
		c.Product = &p
	}
	return &c
}

// same reports whether e encodes exactly as the remembered event.
// reflect.DeepEqual compares every field, those added to dm.Event or
// dm.Message later included, and follows pointers to their values, so a new
// field can never let two different events share one encoding. (It tells a
// nil slice from an empty one, as the encoding does: null versus [].)
func (l *lastEncoding) same(e *dm.Event) bool {
	return reflect.DeepEqual(*e, l.ev)
}

// seqCache is the writer's copy of each user's newest event seq. It is
// right because only the writer appends and pruning never lowers it; what
// a savepoint changed is undone with the savepoint (DB.commit), and a batch
// that fails to commit drops the whole cache.
type seqCache struct {
	last map[string]int64
	undo []seqUndo
	// touched are the users appended to in this batch (with repeats), whose
	// seqs the writer publishes after the commit (peekSeqs).
	touched []string
}

type seqUndo struct {
	user string
	prev int64
	had  bool
}

// maxCachedSeqs bounds the cache (about 100 bytes an entry); past it the
// cache starts over, and the next append of each user reads the table.
const maxCachedSeqs = 1 << 17

func (c *seqCache) get(user string) (int64, bool) {
	v, ok := c.last[user]
	return v, ok
}

func (c *seqCache) set(user string, seq int64) {
	if c.last == nil {
		c.last = make(map[string]int64)
	}
	prev, had := c.last[user]
	c.undo = append(c.undo, seqUndo{user, prev, had})
	c.touched = append(c.touched, user)
	c.last[user] = seq
}

// begin starts a batch. The cache starts over only here, between batches,
// so that every user a batch touched is still in it at the commit.
func (c *seqCache) begin() {
	c.touched = c.touched[:0]
	if len(c.last) > maxCachedSeqs {
		clear(c.last)
	}
}

// savepoint starts recording for a new savepoint; release keeps its
// changes, rollback undoes them.
func (c *seqCache) savepoint() {
	c.undo = c.undo[:0]
}

func (c *seqCache) rollback() {
	for i := len(c.undo) - 1; i >= 0; i-- {
		u := c.undo[i]
		if u.had {
			c.last[u.user] = u.prev
		} else {
			delete(c.last, u.user)
		}
	}
	c.undo = c.undo[:0]
}

// reset forgets everything: the transaction it described is gone.
func (c *seqCache) reset() {
	clear(c.last)
	c.undo = c.undo[:0]
	c.touched = c.touched[:0]
}

func (t *tx) Events(ctx context.Context, userID string, after int64, limit int) ([]dm.Event, error) {
	if err := t.flushEvents(ctx); err != nil {
		return nil, err
	}
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
		e, err := dm.DecodeEvent(data)
		if err != nil {
			return nil, fmt.Errorf("sqlite: event %d of %s: %w", seq, userID, err)
		}
		e.Seq, e.At = seq, utc(at)
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "events")
}

func (t *tx) LastEventSeq(ctx context.Context, userID string) (int64, error) {
	if err := t.flushEvents(ctx); err != nil {
		return 0, err
	}
	var seq int64
	err := t.queryRow(ctx, `SELECT `+qLastSeq, userID).Scan(&seq)
	if err == nil && t.db != nil {
		t.db.peek.learn(userID, seq, t.peekGen)
	}
	return seq, wrap(err, "events")
}

// PruneEvents first remembers each affected user's newest pruned seq, then
// deletes; both walk the events_at index.
func (t *tx) PruneEvents(ctx context.Context, before time.Time, limit int) (int64, error) {
	if err := t.flushEvents(ctx); err != nil {
		return 0, err
	}
	_, err := t.exec(ctx, qPruneMark, ms(before), limit)
	if err != nil {
		return 0, wrap(err, "events")
	}
	if _, err := t.exec(ctx, qPruneData, ms(before), limit); err != nil {
		return 0, wrap(err, "events")
	}
	n, err := t.affected(ctx, qPruneDelete, ms(before), limit)
	return n, wrap(err, "events")
}
