package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ dm.Tx = (*tx)(nil)

// tx is one transaction: a batch savepoint on the writer's connection, or a
// read transaction on a pooled one.
type tx struct {
	c     *conn
	write bool
	// db and peekGen are set on a View's tx: LastEventSeq teaches db.peek
	// what it read, if db.peek was still at peekGen when the View began.
	db      *DB
	peekGen uint64
}

// scanner is a *sql.Row, a *sql.Rows or a row wrapper such as row.
type scanner interface{ Scan(dest ...any) error }

// ctx returns the context for the statements of a method. Writes ignore
// cancellation: they run inside a transaction shared by a whole batch, which
// an interrupted statement could roll back for everyone (see DB.commit).
func (t *tx) ctx(ctx context.Context) context.Context {
	if t.write {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	s, err := t.c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// affected runs a statement and returns how many rows it changed.
func (t *tx) affected(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	s, err := t.c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// row is sql.Row that can also carry a prepare error.
type row struct {
	r   *sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) row {
	ctx = t.ctx(ctx)
	s, err := t.c.stmt(ctx, query)
	if err != nil {
		return row{err: err}
	}
	return row{r: s.QueryRowContext(ctx, args...)}
}

// wrap turns a driver error into the error the dm.Tx contract promises:
// ENOTFOUND for a missing row (what) or a missing referenced row, ECONFLICT
// for a broken unique rule, and an internal error otherwise.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return dm.Errorf(dm.ENOTFOUND, "%s not found", what)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return dm.Errorf(dm.ECONFLICT, "%s already exists", what)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return dm.Errorf(dm.ENOTFOUND, "%s refers to something that does not exist", what)
		}
		if isFull(err) {
			return dm.ErrStorageFull(err)
		}
	}
	var de *dm.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// isFull reports whether err is SQLite's "database or disk is full"
// (SQLITE_FULL), which a write meets when the file system has no room for the
// WAL or the database file.
func isFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}

// ms and utc convert between time.Time and the stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func utc(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func nullUTC(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := utc(v.Int64)
	return &t
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// limitOr returns limit, or def when limit is not positive.
func limitOr(limit, def int) int {
	if limit <= 0 {
		return def
	}
	return limit
}

// ids runs a query of one text column (ids, token hashes) and returns its
// values, in the query's order.
func (t *tx) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, q, args...)
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
