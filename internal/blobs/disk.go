// Package blobs keeps attachment bytes (dm.Blobs): on local disk under the
// data folder (Disk, the default) or in S3-compatible object storage (S3,
// for several nodes). Both pass the same conformance suite (Test).
package blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/parleyhq/parley/internal/dm"
)

// ValidKey reports whether key is a content address: 64 lower-case hex
// digits. Keys become file names and object names, so nothing else passes.
func ValidKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Disk keeps blobs as files under a folder, two levels of fan-out deep
// (ab/cd/abcd...), so no folder grows past 65,536 entries per level.
type Disk struct {
	dir string
}

var _ dm.Blobs = (*Disk)(nil)

// NewDisk returns the blobs kept under dir (created if missing).
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("blobs: %w", err)
	}
	return &Disk{dir: dir}, nil
}

// Dir is the folder the blobs are kept in (for backups).
func (d *Disk) Dir() string { return d.dir }

func (d *Disk) path(key string) string {
	return filepath.Join(d.dir, key[:2], key[2:4], key)
}

// Put writes the bytes to a temporary file, fsyncs it, renames it into
// place and fsyncs the folder: after a crash a blob is whole or absent,
// never half written, and once Put returns it survives a power cut.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	defer func() {
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			err = dm.ErrStorageFull(err)
		}
	}()
	if !ValidKey(key) {
		return dm.Errorf(dm.EINVALID, "invalid blob key")
	}
	final := d.path(key)
	if _, err := os.Stat(final); err == nil {
		// Content-addressed: the same key holds the same bytes.
		_, err := io.Copy(io.Discard, r)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(d.dir, "tmp"), key+"-*")
	if err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, io.LimitReader(r, size+1))
	if err != nil {
		return fmt.Errorf("blobs: write %s: %w", key, err)
	}
	if n != size {
		return fmt.Errorf("blobs: %s: got %d bytes, want %d", key, n, size)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blobs: sync %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	ok = true
	return syncDir(filepath.Dir(final))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blobs: sync folder: %w", err)
	}
	return nil
}

func (d *Disk) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	if !ValidKey(key) {
		return nil, 0, dm.Errorf(dm.ENOTFOUND, "blob not found")
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, dm.Errorf(dm.ENOTFOUND, "blob not found")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blobs: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blobs: %w", err)
	}
	return f, st.Size(), nil
}

func (d *Disk) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	err := os.Remove(d.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobs: %w", err)
	}
	return nil
}
