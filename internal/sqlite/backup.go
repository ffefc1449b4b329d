package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"modernc.org/sqlite"
)

// Backups of a live database.
//
// What stalled sends. `parley backup` used to run VACUUM INTO: it rebuilds
// the whole database into the new file, which the kernel keeps as dirty
// pages (here the writeback threshold is 10 % of 23 GiB, so nothing is
// written back early), and ends with one fsync of the whole file. On ext4
// that fsync writes the copy out in one go (about 112 MB, 100-200 ms) and
// the server's next WAL fsync, which needs the same journal commit, waits
// behind it: the slowest send took 103-192 ms while the p99 barely moved.
//
// What it does now. The copy is SQLite's online backup API, stepped a few
// MiB at a time; after each step the copied part is fsynced, so no fsync
// ever has more than one step's worth of dirty pages to write, and the
// copy rests between steps as long as the step took (half the time busy
// at most), so the server's fsyncs find the disk free. The whole copy
// reads one snapshot: the source connection holds one read transaction
// from the first step to the last, so the server's commits in between
// never restart it (the backup API restarts only when its source
// connection sees a newer snapshot). Meanwhile the WAL grows, as it did
// under VACUUM INTO (see checkpoint).

// pace is how a backup is spread over time.
type pace struct {
	// pages is how many pages one step copies (-1: all at once).
	pages int32
	// minRest is the shortest rest after a step; a step that took
	// longer rests as long as it took.
	minRest time.Duration
}

// defaultPace copies 4 MiB (of 4 KiB pages) per step: its fsync takes
// milliseconds, and a 112 MB database takes about 28 steps.
var defaultPace = pace{pages: 1024, minRest: 10 * time.Millisecond}

// backuper is the method of modernc.org/sqlite's driver connection that
// starts an online backup into the database file at a path.
type backuper interface {
	NewBackup(dst string) (*sqlite.Backup, error)
}

// copyPaced copies the database that c reads into the new file dst (which
// must not exist), one consistent snapshot, at pace p. The copy is written
// to a temporary name beside dst and linked to dst only once it is
// complete and on disk, so dst is never a partial copy; a failed copy
// leaves nothing behind.
func copyPaced(ctx context.Context, c *sql.Conn, dst string, p pace) (err error) {
	fail := func(err error) error { return fmt.Errorf("sqlite: backup to %s: %w", dst, err) }
	if _, err := os.Lstat(dst); err == nil {
		return fail(errors.New("the file exists"))
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return fail(err)
	}
	tmp := filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".part-"+dm.NewID())
	defer func() {
		if err != nil {
			os.Remove(tmp)
			os.Remove(tmp + "-journal")
		}
	}()
	// One read transaction for the whole copy (see above). BEGIN alone
	// takes no snapshot: the first read does.
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		return fail(err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	var n int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return fail(err)
	}
	err = c.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the driver's connection %T has no backup API", dc)
		}
		bk, err := b.NewBackup(tmp)
		if err != nil {
			return err
		}
		var f *os.File
		defer func() {
			if f != nil {
				f.Close()
			}
		}()
		for {
			start := time.Now()
			more, err := bk.Step(p.pages)
			if err != nil {
				bk.Finish()
				return err
			}
			if !more {
				break
			}
			// The step's pages went to the file as the destination's
			// page cache spilled; write them out now, a step at a time.
			if f == nil {
				if f, err = os.Open(tmp); err != nil {
					bk.Finish()
					return err
				}
			}
			if err := f.Sync(); err != nil {
				bk.Finish()
				return err
			}
			rest := max(p.minRest, time.Since(start))
			select {
			case <-ctx.Done():
				bk.Finish()
				return ctx.Err()
			case <-time.After(rest):
			}
		}
		// Finish commits the destination (with an fsync: its
		// synchronous setting is SQLite's default, FULL).
		return bk.Finish()
	})
	if err != nil {
		return fail(err)
	}
	// The copy carries the source's WAL flag in its header; make it a
	// plain rollback-journal file so that it opens read-only anywhere
	// (restore checks it that way) and is one self-contained file.
	if err := toRollbackJournal(ctx, tmp); err != nil {
		return fail(err)
	}
	// Link, not rename: it fails if dst appeared meanwhile.
	if err := os.Link(tmp, abs); err != nil {
		return fail(err)
	}
	os.Remove(tmp)
	if d, err := os.Open(filepath.Dir(abs)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// toRollbackJournal switches the database file at path out of WAL mode.
func toRollbackJournal(ctx context.Context, path string) error {
	d, err := openDB("file:" + (&url.URL{Path: path}).EscapedPath())
	if err != nil {
		return err
	}
	defer d.Close()
	var mode string
	if err := d.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil {
		return err
	}
	if mode != "delete" {
		return fmt.Errorf("journal mode is %s, want delete", mode)
	}
	return nil
}
