package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

func openFile(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func account(handle string) *dm.Account {
	return &dm.Account{ID: dm.NewID(), Handle: handle, Kind: dm.KindPerson, CreatedAt: time.Now()}
}

func createAccount(t *testing.T, db *DB, a *dm.Account) {
	t.Helper()
	err := db.Update(context.Background(), func(tx dm.Tx) error {
		return tx.CreateAccount(context.Background(), a, dm.DefaultSettings(), "x")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func pragma(t *testing.T, d dm.Tx, name string) string {
	t.Helper()
	var v string
	if err := d.(*tx).queryRow(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestSettings(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	err := db.Update(ctx, func(tx dm.Tx) error {
		for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "query_only": "0"} {
			if got := pragma(t, tx, name); got != want {
				t.Errorf("writer: PRAGMA %s = %s, want %s", name, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(d dm.Tx) error {
		for name, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "query_only": "1"} {
			if got := pragma(t, d, name); got != want {
				t.Errorf("reader: PRAGMA %s = %s, want %s", name, got, want)
			}
		}
		_, err := d.(*tx).exec(ctx, `DELETE FROM accounts`)
		if err == nil {
			t.Errorf("a View could write")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsApplyOnce(t *testing.T) {
	db, path := openFile(t)
	createAccount(t, db, account("alice"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(d dm.Tx) error {
		var n, top int
		if err := d.(*tx).queryRow(context.Background(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &top); err != nil {
			return err
		}
		// One row per embedded migration file, up to the highest number.
		files, err := fs.Glob(migrations, "migrations/*.sql")
		if err != nil {
			return err
		}
		highest := 0
		for _, f := range files {
			num, _, _ := strings.Cut(strings.TrimPrefix(f, "migrations/"), "_")
			v, err := strconv.Atoi(num)
			if err != nil {
				return err
			}
			highest = max(highest, v)
		}
		if n != len(files) || top != highest {
			t.Errorf("schema_migrations has %d rows up to version %d, want %d rows up to version %d", n, top, len(files), highest)
		}
		_, err = d.AccountByHandle(context.Background(), "alice")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSnapshot: a View keeps seeing the state of its start while an Update
// commits (WAL: the writer never waits for readers).
func TestSnapshot(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	a := account("alice")
	createAccount(t, db, a)
	appendOne := func() error {
		return db.Update(ctx, func(tx dm.Tx) error {
			return tx.AppendEvent(ctx, a.ID, &dm.Event{Type: dm.EventReadUpdated})
		})
	}
	err := db.View(ctx, func(tx dm.Tx) error {
		before, err := tx.LastEventSeq(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := appendOne(); err != nil {
			return err
		}
		after, err := tx.LastEventSeq(ctx, a.ID)
		if err != nil {
			return err
		}
		if before != 0 || after != 0 {
			t.Errorf("inside one View: LastEventSeq %d then %d, want 0 and 0", before, after)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx dm.Tx) error {
		if n, _ := tx.LastEventSeq(ctx, a.ID); n != 1 {
			t.Errorf("a new View sees LastEventSeq %d, want 1", n)
		}
		return nil
	})
}

// TestGroupCommit holds the writer in one Update while others queue, then
// checks that the queue commits as one batch, that a request canceled while
// queued never runs, and that a failing fn does not undo its neighbours.
func TestGroupCommit(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Update(ctx, func(dm.Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	batchesBefore := db.batches.Load()

	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	accounts := make([]*dm.Account, n)
	for i := range n {
		accounts[i] = account("user" + string(rune('a'+i)))
		wg.Go(func() {
			errs[i] = db.Update(ctx, func(tx dm.Tx) error {
				if err := tx.CreateAccount(ctx, accounts[i], dm.DefaultSettings(), "x"); err != nil {
					return err
				}
				if i == 3 {
					return errors.New("boom")
				}
				return nil
			})
		})
	}
	canceledCtx, cancel := context.WithCancel(ctx)
	ran := false
	var canceledErr error
	wg.Go(func() {
		canceledErr = db.Update(canceledCtx, func(dm.Tx) error { ran = true; return nil })
	})
	for len(db.requests) < n+1 {
		time.Sleep(time.Millisecond) // wait until every request is queued
	}
	cancel()
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := db.batches.Load() - batchesBefore; got != 2 {
		t.Errorf("%d batches committed, want 2: the held one and the queued ones", got)
	}
	if ran || !errors.Is(canceledErr, context.Canceled) {
		t.Errorf("request canceled while queued: ran %v, err %v", ran, canceledErr)
	}
	for i, err := range errs {
		found := db.View(ctx, func(tx dm.Tx) error { _, err := tx.Account(ctx, accounts[i].ID); return err })
		if i == 3 {
			if err == nil || found == nil {
				t.Errorf("failing fn: err %v, account found %v", err, found == nil)
			}
			continue
		}
		if err != nil || found != nil {
			t.Errorf("fn %d: err %v, account lookup %v", i, err, found)
		}
	}
}

func TestPanicInUpdate(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	func() {
		defer func() {
			if v := recover(); v != "kaboom" {
				t.Errorf("recovered %v, want the fn's panic", v)
			}
		}()
		db.Update(ctx, func(tx dm.Tx) error {
			tx.CreateAccount(ctx, account("ghost"), dm.DefaultSettings(), "x")
			panic("kaboom")
		})
	}()
	createAccount(t, db, account("alice"))
	db.View(ctx, func(tx dm.Tx) error {
		if _, err := tx.AccountByHandle(ctx, "ghost"); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("the write of a panicking fn survived: %v", err)
		}
		return nil
	})
}

// TestCloseDrains: Updates racing with Close either commit durably or get
// an error, never a silent loss.
func TestCloseDrains(t *testing.T) {
	db, path := openFile(t)
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	committed := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			a := account("user" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
			err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") })
			if err == nil {
				committed <- a.ID
			}
		})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(committed)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id := range committed {
		if err := db.View(ctx, func(tx dm.Tx) error { _, err := tx.Account(ctx, id); return err }); err != nil {
			t.Errorf("acknowledged account %s lost: %v", id, err)
		}
	}
	if err := db.Update(ctx, func(dm.Tx) error { return nil }); err != nil {
		t.Errorf("Update after reopen: %v", err)
	}
}

func TestBackup(t *testing.T) {
	for _, path := range []string{":memory:", "file"} {
		t.Run(path, func(t *testing.T) {
			ctx := context.Background()
			var db *DB
			if path == "file" {
				db, _ = openFile(t)
			} else {
				var err error
				if db, err = Open(ctx, path); err != nil {
					t.Fatal(err)
				}
				defer db.Close()
			}
			createAccount(t, db, account("alice"))
			dst := filepath.Join(t.TempDir(), "backup.db")
			if err := db.Backup(ctx, dst); err != nil {
				t.Fatal(err)
			}
			if err := db.Backup(ctx, dst); err == nil {
				t.Errorf("a backup overwrote an existing file")
			}
			copy, err := Open(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			defer copy.Close()
			if err := copy.View(ctx, func(tx dm.Tx) error { _, err := tx.AccountByHandle(ctx, "alice"); return err }); err != nil {
				t.Errorf("backup lacks alice: %v", err)
			}
		})
	}
}

func TestOddPaths(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, ""); err == nil {
		t.Errorf("Open(\"\") succeeded")
	}
	dir := t.TempDir()
	for _, name := range []string{"a?b#c%d e.db", "x&_pragma=query_only(1).db"} {
		path := filepath.Join(dir, name)
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open(%q): %v", path, err)
		}
		createAccount(t, db, account("alice"))
		db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the database is not at %q: %v", path, err)
		}
	}
}
