// Package blobstest is the conformance suite of dm.Blobs.
package blobstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// Test is the blob conformance suite: every dm.Blobs implementation runs it
// against a real backend (a folder, an S3-compatible server).
func Test(t *testing.T, b dm.Blobs) {
	ctx := context.Background()
	blob := func(n int) ([]byte, string) {
		data := make([]byte, n)
		rand.Read(data)
		h := sha256.Sum256(data)
		return data, hex.EncodeToString(h[:])
	}
	t.Run("PutGetDelete", func(t *testing.T) {
		data, key := blob(300 << 10)
		if err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		r, size, err := b.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || size != int64(len(data)) || !bytes.Equal(got, data) {
			t.Fatalf("got %d bytes (size %d, err %v), want the %d put", len(got), size, err, len(data))
		}
		// Content-addressed: a second Put of the same key is harmless.
		if err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("second put: %v", err)
		}
		if err := b.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Get(ctx, key); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Fatalf("get after delete: %v, want ENOTFOUND", err)
		}
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("deleting a deleted blob: %v", err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		key := hex.EncodeToString(sha256.New().Sum(nil))
		if err := b.Put(ctx, key, bytes.NewReader(nil), 0); err != nil {
			t.Fatal(err)
		}
		r, size, err := b.Get(ctx, key)
		if err != nil || size != 0 {
			t.Fatalf("size %d, err %v", size, err)
		}
		r.Close()
		b.Delete(ctx, key)
	})
	t.Run("Missing", func(t *testing.T) {
		_, key := blob(10)
		if _, _, err := b.Get(ctx, key); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Fatalf("get of a missing blob: %v, want ENOTFOUND", err)
		}
	})
	t.Run("ShortBodyStoresNothing", func(t *testing.T) {
		data, key := blob(1000)
		if err := b.Put(ctx, key, bytes.NewReader(data[:500]), int64(len(data))); err == nil {
			t.Fatal("a put of fewer bytes than announced succeeded")
		}
		if _, _, err := b.Get(ctx, key); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Fatalf("after a failed put: %v, want ENOTFOUND (nothing half written)", err)
		}
	})
	t.Run("BadKeys", func(t *testing.T) {
		for _, key := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63) + "/"} {
			if err := b.Put(ctx, key, strings.NewReader("x"), 1); err == nil {
				t.Errorf("put with key %q succeeded", key)
			}
			if _, _, err := b.Get(ctx, key); !dm.IsCode(err, dm.ENOTFOUND) {
				t.Errorf("get with key %q: %v, want ENOTFOUND", key, err)
			}
		}
	})
}
