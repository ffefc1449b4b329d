package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/blobs"
	"github.com/parleyhq/parley/internal/chat"
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
		if _, _, err := imageInfo(photo, sn.contentType); err != nil {
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
