package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// tx is one transaction; it implements dm.Tx.
type tx struct {
	tx pgx.Tx
	// write is true in Update, false in View.
	write bool
	// locked remembers the conversations whose write locks this transaction
	// already holds (see lockConversation).
	locked map[string]bool
	// pipe is tx (see pipeTx); in an Update, seqs holds the newest event
	// seq of each user whose counter row this transaction has locked, so
	// that AppendEvent numbers their events without asking and queues them
	// on pipe.
	pipe *pipeTx
	seqs map[string]int64

	// prep is what PrepareSend read (send.go); convSeq holds the last_seq
	// of each conversation whose row this transaction has locked and read,
	// so that InsertMessage numbers the message itself; noClientID is
	// "sender\x00client_id" of the client_id PrepareSend found unused,
	// under its advisory lock.
	prep         *prepared
	convSeq      map[string]int64
	noClientID   string
	queuedInsert queuedInsert
}

var _ dm.Tx = (*tx)(nil)

// lockConversation takes, once per transaction, the locks that every write to
// a conversation takes, always in the same order: first the conversation row,
// then the event-log counter rows of its members in user-id order.
//
// Why: a change to a conversation appends events to several members' logs,
// and AppendEvent locks each log's counter row until commit. Two transactions
// that lock two users' counters in opposite orders (alice then bob in a direct
// conversation, bob then alice in a group) would deadlock, and PostgreSQL
// would abort one of them after deadlock_timeout. Taking the conversation row
// first serialises the writers of one conversation, and taking all member
// counters at once, sorted, gives writers of different conversations one
// global order; later AppendEvent calls find their locks already held.
//
// It returns ENOTFOUND if the conversation does not exist.
func (t *tx) lockConversation(ctx context.Context, conversationID string) error {
	if t.locked[conversationID] {
		return nil
	}
	// One round trip: a batch runs its statements in order.
	b := &pgx.Batch{}
	b.Queue(`SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, conversationID)
	b.Queue(lockLogsSQL, conversationID)
	br := t.tx.SendBatch(ctx, b)
	var n int
	err := br.QueryRow().Scan(&n)
	if err == nil {
		err = t.lockedLogs(br.Query())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap(err, "conversation")
	}
	t.markLocked(conversationID)
	return nil
}

func (t *tx) markLocked(conversationID string) {
	if t.locked == nil {
		t.locked = make(map[string]bool)
	}
	t.locked[conversationID] = true
}

// lockLogs locks the event-log counters of a conversation's members in
// user-id order (FOR NO KEY UPDATE is applied to the rows as the sort emits
// them), and remembers their seqs for AppendEvent. The members come as an
// array (= ANY (ARRAY(...))), so that the counters are found through their
// primary key whatever the planner knows: as `IN (SELECT ...)` the plan
// was a hash join over a sequential scan of every counter while the table
// was small or had no statistics (autovacuum off).
func (t *tx) lockLogs(ctx context.Context, conversationID string) error {
	return wrap(t.lockedLogs(t.tx.Query(ctx, lockLogsSQL, conversationID)), "event logs")
}

const lockLogsSQL = `
	SELECT user_id, last_seq FROM event_logs
	WHERE user_id = ANY (ARRAY(SELECT user_id FROM members WHERE conversation_id = $1))
	ORDER BY user_id FOR NO KEY UPDATE`

// lockedLogs reads the rows of lockLogsSQL: counters this transaction now
// holds, so that nobody else moves them until it ends.
func (t *tx) lockedLogs(rows pgx.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var user string
		var seq int64
		if err := rows.Scan(&user, &seq); err != nil {
			return err
		}
		t.knowSeq(user, seq)
	}
	return rows.Err()
}

// knowSeq records the newest seq of a log whose counter this transaction
// holds. The queue's own newer seqs win: the row read may predate them
// only if they were not flushed, which every statement does first.
func (t *tx) knowSeq(user string, seq int64) {
	if !t.write {
		return
	}
	if t.seqs == nil {
		t.seqs = make(map[string]int64)
	}
	if cur, ok := t.seqs[user]; !ok || seq > cur {
		t.seqs[user] = seq
	}
}

// lockMessageConversation is lockConversation for the conversation of a
// message; it returns that conversation's id, or ENOTFOUND.
func (t *tx) lockMessageConversation(ctx context.Context, messageID string) (string, error) {
	var cid string
	err := t.tx.QueryRow(ctx, `SELECT conversation_id FROM messages WHERE id = $1`, messageID).Scan(&cid)
	if err != nil {
		return "", wrap(err, "message")
	}
	return cid, t.lockConversation(ctx, cid)
}

const advisoryLockSQL = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

// advisoryLock takes a transaction-scoped advisory lock named by kind and key
// in write transactions; read-only ones need no lock.
func (t *tx) advisoryLock(ctx context.Context, kind, key string) error {
	if !t.write {
		return nil
	}
	_, err := t.tx.Exec(ctx, advisoryLockSQL, "parley."+kind+"."+key)
	return wrap(err, "lock")
}

// ids runs a query of one text column (ids, token hashes) and returns its
// values, in the query's order.
func (t *tx) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "ids")
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err, "ids")
		}
		out = append(out, id)
	}
	return out, wrap(rows.Err(), "ids")
}
