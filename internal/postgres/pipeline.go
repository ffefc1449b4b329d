package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeTx is the pgx transaction of an Update or a View, begun with its first
// statement, with a queue of writes whose
// results nobody waits for: the appends of events whose seqs the
// transaction already knows (see AppendEvent). The queue goes to the
// server before any other statement of the transaction (so every read sees
// it), in the same round trip when that statement is an Exec or a QueryRow,
// and before COMMIT: a send's two appends travel with the membership update
// that follows them, and cost no round trip of their own.
type pipeTx struct {
	// Tx is nil until the transaction has begun: BEGIN travels with the
	// transaction's first statement (pgx.Batch.BeginTx), on conn, with
	// opts, saving its own round trip; a transaction that runs no
	// statement never begins.
	pgx.Tx
	conn *pgxpool.Conn
	opts pgx.TxOptions

	events []queuedEvent
	// last is the newest queued seq of each user, written to the user's
	// counter row when the queue goes.
	last map[string]int64
	// stmts are writes queued by the transaction's own code (see
	// InsertMessage and UpdateMembership in a prepared send): they go
	// before the events, in order, each failing as its label says.
	stmts []queuedStmt

	// sent counts the statements sent on the transaction's own behalf
	// (not the queue's), so that what PrepareSend read is known to be
	// still what the database holds: no statement of this transaction has
	// run since.
	sent int
	// committed: COMMIT went with the queue's last batch (see Commit).
	committed bool
	// flushes counts the batches the queue went in.
	flushes int
}

// queuedStmt is a write whose answer nobody waits for.
type queuedStmt struct {
	sql  string
	args []any
	what string
}

func (p *pipeTx) queueStmt(what, sql string, args ...any) {
	p.stmts = append(p.stmts, queuedStmt{sql: sql, args: args, what: what})
}

// queuedEvent is an event row waiting in a pipeTx.
type queuedEvent struct {
	user string
	seq  int64
	at   time.Time
	body string
}

func (p *pipeTx) queue(e queuedEvent) {
	p.events = append(p.events, e)
	if p.last == nil {
		p.last = make(map[string]int64)
	}
	p.last[e.user] = e.seq
}

// batch puts the queue in a new batch: the queued statements, then the
// events in one statement: a multi-row insert (unnest: a plan that needs no
// statistics) and the users' counter updates, by primary key. It returns
// nil when the queue is empty, and the label of each statement of b.
func (p *pipeTx) batch() (*pgx.Batch, []string) {
	if len(p.events) == 0 && len(p.stmts) == 0 {
		return nil, nil
	}
	b := &pgx.Batch{}
	var whats []string
	for _, st := range p.stmts {
		b.Queue(st.sql, st.args...)
		whats = append(whats, st.what)
	}
	clear(p.stmts)
	p.stmts = p.stmts[:0]
	p.flushes++
	if n := len(p.events); n > 0 {
		users, seqs, ats, bodies := make([]string, n), make([]int64, n), make([]time.Time, n), make([]string, n)
		for i, e := range p.events {
			users[i], seqs[i], ats[i], bodies[i] = e.user, e.seq, e.at, e.body
		}
		lusers, lseqs := make([]string, 0, len(p.last)), make([]int64, 0, len(p.last))
		for user, seq := range p.last {
			lusers, lseqs = append(lusers, user), append(lseqs, seq)
		}
		b.Queue(`WITH e AS (
				INSERT INTO events (user_id, seq, at, body)
				SELECT u, s, a, b::json FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[]) AS x(u, s, a, b)
			)
			UPDATE event_logs l SET last_seq = x.s FROM unnest($5::text[], $6::bigint[]) AS x(u, s) WHERE l.user_id = x.u`,
			users, seqs, ats, bodies, lusers, lseqs)
		whats = append(whats, "event")
		p.events = p.events[:0]
		clear(p.last)
	}
	return b, whats
}

// begin begins the transaction on its own, for the statements that cannot
// carry BEGIN (Query, CopyFrom).
func (p *pipeTx) begin(ctx context.Context) error {
	if p.Tx != nil {
		return nil
	}
	tx, err := p.conn.BeginTx(ctx, p.opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	p.Tx = tx
	return nil
}

// send sends b, after BEGIN in the same round trip if the transaction has
// not begun, and returns its results positioned at b's first statement.
func (p *pipeTx) send(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	if p.Tx != nil {
		return p.Tx.SendBatch(ctx, b), nil
	}
	nb := &pgx.Batch{}
	nb.BeginTx(p.opts)
	nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
	br := p.conn.SendBatch(ctx, nb)
	// Available before Close; closed (ErrTxClosed) if BEGIN failed.
	p.Tx = br.Tx()
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	return br, nil
}

// flush sends the queue on its own.
func (p *pipeTx) flush(ctx context.Context) error {
	b, whats := p.batch()
	if b == nil {
		return nil
	}
	br, err := p.send(ctx, b)
	if err != nil {
		return err
	}
	if err := execQueued(br, whats); err != nil {
		return err
	}
	return wrap(br.Close(), "event")
}

// execQueued reads the results of the queued statements at the head of
// br, labelled whats; on an error it closes br.
func execQueued(br pgx.BatchResults, whats []string) error {
	for _, what := range whats {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return wrap(err, what)
		}
	}
	return nil
}

// queued sends the queue (b, perhaps empty, labelled whats) with one more
// statement, in one round trip (with BEGIN if the transaction has not
// begun), and returns the batch's results positioned at that statement's.
func (p *pipeTx) queued(ctx context.Context, b *pgx.Batch, whats []string, sql string, args []any) (pgx.BatchResults, error) {
	b.Queue(sql, args...)
	br, err := p.send(ctx, b)
	if err != nil {
		return nil, err
	}
	if err := execQueued(br, whats); err != nil {
		return nil, err
	}
	return br, nil
}

func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	p.sent++
	b, whats := p.batch()
	if b == nil && p.Tx != nil {
		return p.Tx.Exec(ctx, sql, args...)
	}
	if b == nil {
		b = &pgx.Batch{}
	}
	br, err := p.queued(ctx, b, whats, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	p.sent++
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.Tx.Query(ctx, sql, args...)
}

func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	p.sent++
	b, whats := p.batch()
	if b == nil && p.Tx != nil {
		return p.Tx.QueryRow(ctx, sql, args...)
	}
	if b == nil {
		b = &pgx.Batch{}
	}
	br, err := p.queued(ctx, b, whats, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// batchRow is the last row of a batch, which it closes once scanned.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (p *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	p.sent++
	if p.Tx == nil {
		br, err := p.send(ctx, b)
		if err != nil {
			return errBatch{err}
		}
		return br
	}
	if err := p.flush(ctx); err != nil {
		return errBatch{err}
	}
	return p.Tx.SendBatch(ctx, b)
}

func (p *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	p.sent++
	if err := p.begin(ctx); err != nil {
		return 0, err
	}
	if err := p.flush(ctx); err != nil {
		return 0, err
	}
	return p.Tx.CopyFrom(ctx, table, columns, src)
}

func (p *pipeTx) Begin(ctx context.Context) (pgx.Tx, error) {
	p.sent++
	if err := p.begin(ctx); err != nil {
		return nil, err
	}
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.Tx.Begin(ctx)
}

// Commit sends COMMIT with the queue, in one round trip. pgx's Tx does
// not see that COMMIT (it would send its own): committed records it, and
// the pool takes the connection back idle, as after Tx.Commit.
func (p *pipeTx) Commit(ctx context.Context) error {
	if p.Tx == nil {
		return nil // no statement ran: nothing began
	}
	b, whats := p.batch()
	if b == nil {
		return p.Tx.Commit(ctx)
	}
	b.Queue("COMMIT")
	br, err := p.send(ctx, b)
	if err != nil {
		return err
	}
	if err := execQueued(br, whats); err != nil {
		return err // the transaction failed; Rollback ends it
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" {
		p.committed = true
		return pgx.ErrTxCommitRollback
	}
	p.committed = true
	return nil
}

func (p *pipeTx) Rollback(ctx context.Context) error {
	if p.Tx == nil || p.committed {
		return nil
	}
	return p.Tx.Rollback(ctx)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }
