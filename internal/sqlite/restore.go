package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// ErrInUse is returned when another process (a running server) has the
// database open as its store.
var ErrInUse = errors.New("sqlite: the database is in use by a running server; stop it first")

// Restore puts the backup file (from BackupFile or Backup) in place of the
// database at path, which no server may have open. It checks the backup
// first (a Parley database, intact, with no migration newer than this
// binary knows), moves an existing database and its WAL aside to
// path.before-restore-TIME (a stale WAL beside a restored file would be
// replayed into it), and writes the copy atomically: after a crash the old
// database or the restored one is in place, never half of one. It returns
// where the old database went ("" when there was none).
func Restore(ctx context.Context, backup, path string) (aside string, err error) {
	if err := checkBackup(ctx, backup); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	lock, err := lockFile(path)
	if err != nil {
		return "", err
	}
	if lock != nil {
		defer lock.Close()
	}
	tmp := path + ".restoring"
	if err := copySynced(backup, tmp); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		aside = path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				os.Remove(tmp)
				return "", fmt.Errorf("sqlite: moving the old database aside: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return aside, err
	}
	return aside, syncDir(filepath.Dir(path))
}

// checkBackup opens the file read-only and checks it is an intact Parley
// database that this binary can open.
func checkBackup(ctx context.Context, backup string) error {
	if _, err := os.Stat(backup); err != nil {
		return fmt.Errorf("sqlite: no backup at %s", backup)
	}
	d, err := openDB("file:" + (&url.URL{Path: backup}).EscapedPath() + "?mode=ro")
	if err != nil {
		return err
	}
	defer d.Close()
	var check string
	if err := d.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return fmt.Errorf("sqlite: %s is not a database: %w", backup, err)
	}
	if check != "ok" {
		return fmt.Errorf("sqlite: %s is damaged: %s", backup, check)
	}
	var newest int
	if err := d.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("sqlite: %s is not a Parley database: %w", backup, err)
	}
	known, err := newestMigration()
	if err != nil {
		return err
	}
	if newest > known {
		return fmt.Errorf("sqlite: %s comes from a newer Parley (schema %d; this binary knows up to %d): restore it with that version", backup, newest, known)
	}
	return nil
}

// copySynced copies from to the new file to and fsyncs it.
func copySynced(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("sqlite: copying %s: %w", from, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
