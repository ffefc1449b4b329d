package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/blobs"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

// photo5MB is a JPEG of about 5 MB of noise with an EXIF segment, as
// parley bench media uploads (plus metadata to strip).
func photo5MB(b *testing.B) []byte {
	b.Helper()
	w, h := 1872, 1404
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.UintN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		b.Fatal(err)
	}
	jpg := buf.Bytes()
	exif := append([]byte{0xff, 0xe1, 0, 0}, "Exif\x00\x00GPS-SECRET-GPS-SECRET-GPS-SECRET"...)
	exif[2], exif[3] = byte((len(exif)-2)>>8), byte(len(exif)-2)
	return append(append(append([]byte{}, jpg[:2]...), exif...), jpg[2:]...)
}

// BenchmarkUpload is the work of POST /api/v1/uploads after the body is
// read: a new 5 MB photo each time (one byte of its image data changed,
// so each is a new blob), into a SQLite store and a disk blob store.
func BenchmarkUpload(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "parley.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	disk, err := blobs.NewDisk(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	step := NewStep()
	c := chat.New(store, inmem.New(), chat.Config{RateLimitOff: true, Steps: []chat.Step{step}})
	s := New(c, step, Config{Blobs: disk})
	ids := identity.New(store, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	ann, err := ids.Signup(ctx, identity.SignupParams{Handle: "ann", Password: "a long password"})
	if err != nil {
		b.Fatal(err)
	}
	photo := photo5MB(b)
	b.SetBytes(int64(len(photo)))
	c0 := cpuNow()
	for i := 0; b.Loop(); i++ {
		photo[len(photo)-100] = byte(i)
		photo[len(photo)-101] = byte(i >> 8)
		if _, _, err := s.Upload(ctx, ann, photo, UploadParams{Name: "p.jpg"}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0)
}

// cpuNow is the process's CPU time (user and system), the figure to
// compare on a shared machine, where wall time is mostly waiting.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64((cpuNow()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkUploadCPU is the CPU part of an upload alone: sniff, size,
// orientation, metadata strip and the content hash.
func BenchmarkUploadCPU(b *testing.B) {
	photo := photo5MB(b)
	b.SetBytes(int64(len(photo)))
	c0 := cpuNow()
	for b.Loop() {
		sn := sniff(photo)
		if _, _, _, err := imageInfo(photo, sn.contentType); err != nil {
			b.Fatal(err)
		}
		parts, err := stripParts(photo, sn.contentType, jpegOrientation(photo))
		if err != nil || bytes.Contains(parts[0], []byte("GPS")) {
			b.Fatal(err)
		}
		h := sha256.New()
		for _, p := range parts {
			h.Write(p)
		}
		_ = h.Sum(nil)
	}
	reportCPU(b, c0)
}

// BenchmarkSendAttachment is what one small attachment adds to a send:
// "text" sends a text message, "attachment" the same text with one photo
// uploaded beforehand (its row only: a send never reads the blob), into a
// file SQLite store (synchronous=FULL, one commit per send). Compare
// cpu-µs/op of the two, run alternately (-count 1, A B A B).
func BenchmarkSendAttachment(b *testing.B) {
	for _, att := range []bool{false, true} {
		name := "text"
		if att {
			name = "attachment"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "parley.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			step := NewStep()
			c := chat.New(store, inmem.New(), chat.Config{RateLimitOff: true, Steps: []chat.Step{step}})
			ids := identity.New(store, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
			ann, err := ids.Signup(ctx, identity.SignupParams{Handle: "ann", Password: "a long password"})
			if err != nil {
				b.Fatal(err)
			}
			bob, err := ids.Signup(ctx, identity.SignupParams{Handle: "bob", Password: "a long password"})
			if err != nil {
				b.Fatal(err)
			}
			conv, _, err := c.CreateConversation(ctx, ann, []string{"bob"}, "")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Accept(ctx, bob, conv.ID); err != nil {
				b.Fatal(err)
			}
			// The uploads, as Upload stores a small photo's row (no
			// thumbnail), in batches.
			var uploads []string
			if att {
				for len(uploads) < b.N {
					err := store.Update(ctx, func(tx dm.Tx) error {
						for k := 0; k < 1000 && len(uploads) < b.N; k++ {
							key := sha256.Sum256([]byte(dm.NewID()))
							u := &dm.Upload{OwnerID: ann.ID, CreatedAt: time.Now(), BlobKey: hex.EncodeToString(key[:])}
							u.ID, u.Kind, u.ContentType, u.Name, u.Size, u.Width, u.Height = dm.NewID(), dm.AttachmentImage, "image/jpeg", "s.jpg", 20480, 120, 90
							if err := tx.InsertUpload(ctx, u); err != nil {
								return err
							}
							uploads = append(uploads, u.ID)
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			// Two sends apart, so that the checkpointer (at most one run
			// per 100 ms, kicked by a commit) has copied the uploads' pages
			// before the timing starts, in both cases.
			for range 2 {
				time.Sleep(150 * time.Millisecond)
				if _, _, err := c.Send(ctx, ann, conv.ID, chat.SendParams{Text: "warm up"}); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(150 * time.Millisecond)
			runtime.GC()
			b.ResetTimer()
			c0 := cpuNow()
			for i := 0; i < b.N; i++ {
				p := chat.SendParams{Text: "with a photo"}
				if att {
					p.Attachments = []string{uploads[i]}
				}
				if _, _, err := c.Send(ctx, ann, conv.ID, p); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, c0)
		})
	}
}
