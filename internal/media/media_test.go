package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/blobs"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

func TestSniff(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewRGBA(image.Rect(0, 0, 4, 3)))
	webm := append([]byte{0x1a, 0x45, 0xdf, 0xa3}, []byte("....webm....A_OPUS....")...)
	webmVideo := append([]byte{0x1a, 0x45, 0xdf, 0xa3}, []byte("....webm....V_VP8....A_OPUS")...)
	for _, tc := range []struct {
		name       string
		data       []byte
		kind, ctyp string
	}{
		{"png", pngBuf.Bytes(), dm.AttachmentImage, "image/png"},
		{"voice note", webm, dm.AttachmentAudio, "audio/webm"},
		{"webm video", webmVideo, dm.AttachmentVideo, "video/webm"},
		{"ogg opus", append([]byte("OggS\x00\x02"), []byte("....OpusHead")...), dm.AttachmentAudio, "audio/ogg"},
		{"html", []byte("<html><body>hi"), dm.AttachmentFile, "application/octet-stream"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), dm.AttachmentFile, "application/octet-stream"},
		{"text", []byte("just words"), dm.AttachmentFile, "text/plain; charset=utf-8"},
		{"pdf", []byte("%PDF-1.7\n"), dm.AttachmentFile, "application/pdf"},
	} {
		got := sniff(tc.data)
		if got.kind != tc.kind || got.contentType != tc.ctyp {
			t.Errorf("%s: got %+v, want %s %s", tc.name, got, tc.kind, tc.ctyp)
		}
	}
}

func TestStripPNGAndWebP(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 3)))
	b := buf.Bytes()
	// Put an eXIf and a tEXt chunk before IEND (CRCs are not checked by
	// the stripper, which copies or drops whole chunks).
	chunk := func(typ, data string) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return append(c, 0, 0, 0, 0)
	}
	iend := len(b) - 12
	withMeta := append(append(append([]byte{}, b[:iend]...), chunk("eXIf", "GPS-SECRET")...), chunk("tEXt", "Location\x00home")...)
	withMeta = append(withMeta, b[iend:]...)
	out, err := stripPNG(withMeta)
	if err != nil || bytes.Contains(out, []byte("GPS-SECRET")) || bytes.Contains(out, []byte("Location")) {
		t.Fatalf("stripPNG: %v, metadata left: %v", err, bytes.Contains(out, []byte("GPS")))
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(out)); err != nil || cfg.Width != 4 {
		t.Errorf("stripped PNG does not decode: %v", err)
	}
	// An extended WebP: VP8X (flags EXIF|XMP), a VP8L image, EXIF, XMP.
	vp8x := []byte{0x08 | 0x04, 0, 0, 0, 9, 0, 0, 19, 0, 0} // 10×20
	riff := func(chunks ...[]byte) []byte {
		var body []byte
		for _, c := range chunks {
			body = append(body, c...)
		}
		out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)+4))...)
		return append(append(out, "WEBP"...), body...)
	}
	wc := func(typ string, data []byte) []byte {
		c := append([]byte(typ), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	webp := riff(wc("VP8X", vp8x), wc("VP8L", []byte{0x2f, 0, 0, 0, 0}), wc("EXIF", []byte("GPS-SECRET")), wc("XMP ", []byte("<x:xmpmeta/>")))
	w, h, err := webpSize(webp)
	if err != nil || w != 10 || h != 20 {
		t.Errorf("webpSize: %d×%d, %v", w, h, err)
	}
	out, err = stripWebP(webp)
	if err != nil || bytes.Contains(out, []byte("GPS-SECRET")) || bytes.Contains(out, []byte("xmpmeta")) {
		t.Fatalf("stripWebP: %v", err)
	}
	if out[20]&(0x08|0x04) != 0 || int(binary.LittleEndian.Uint32(out[4:8])) != len(out)-8 {
		t.Errorf("stripWebP: flags %x, RIFF size %d of %d", out[20], binary.LittleEndian.Uint32(out[4:8]), len(out))
	}
	// Truncated input is refused, not read past its end.
	if _, err := stripPNG(withMeta[:40]); err == nil {
		t.Error("a truncated PNG was accepted")
	}
	if _, _, err := stripJPEG([]byte{0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff}); err == nil {
		t.Error("a JPEG segment longer than the file was accepted")
	}
}

// TestCollectGarbage: uploads never sent go after UploadTTL, with their
// blobs; a sent one stays.
func TestCollectGarbage(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	dir := t.TempDir()
	disk, err := blobs.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	step := NewStep()
	c := chat.New(store, inmem.New(), chat.Config{RateLimitOff: true, Steps: []chat.Step{step}})
	s := New(c, step, Config{Blobs: disk, Now: clock})
	ids := identity.New(store, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	ann, err := ids.Signup(ctx, identity.SignupParams{Handle: "ann", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.Signup(ctx, identity.SignupParams{Handle: "bob", Password: "a long password"}); err != nil {
		t.Fatal(err)
	}
	kept, _, err := s.Upload(ctx, ann, []byte("sent file"), UploadParams{Name: "a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	lost, _, err := s.Upload(ctx, ann, []byte("never sent"), UploadParams{Name: "b.txt"})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := c.CreateConversation(ctx, ann, []string{"bob"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Send(ctx, ann, conv.ID, chat.SendParams{Text: "here", Attachments: []string{kept.ID}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CollectGarbage(ctx); err != nil || n != 0 {
		t.Fatalf("collect before the TTL: %d, %v", n, err)
	}
	mu.Lock()
	now = now.Add(25 * time.Hour)
	mu.Unlock()
	if n, err := s.CollectGarbage(ctx); err != nil || n != 1 {
		t.Fatalf("collect after the TTL: %d, %v; want the unsent upload", n, err)
	}
	if _, _, _, err := s.Open(ctx, ann, lost.ID, false); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("the collected upload: %v, want ENOTFOUND", err)
	}
	if _, err := os.Stat(filepath.Join(dir, lost.BlobKey[:2], lost.BlobKey[2:4], lost.BlobKey)); !os.IsNotExist(err) {
		t.Errorf("the collected upload's blob is still on disk: %v", err)
	}
	_, r, _, err := s.Open(ctx, ann, kept.ID, false)
	if err != nil {
		t.Fatalf("the sent upload: %v", err)
	}
	r.Close()
}

// TestOrientation: the EXIF orientation of a JPEG is read, kept alone in
// the stripped photo, and applied to the thumbnail.
func TestOrientation(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 400, 340))
	// A red top-left corner, to see where it ends up.
	for y := 0; y < 100; y++ {
		for x := 0; x < 100; x++ {
			src.Set(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o            int
		w, h         int
		redX, redY   int // a pixel that must be red in the thumbnail
		cleanX, clnY int // one that must not
	}{
		{1, 320, 272, 10, 10, 300, 10},
		{6, 272, 320, 260, 10, 10, 10}, // turned a quarter clockwise: the corner goes top right
		{8, 272, 320, 10, 310, 10, 10}, // a quarter anticlockwise: bottom left
		{3, 320, 272, 310, 262, 10, 10},
	} {
		jpg, err := stripMetadata(buf.Bytes(), "image/jpeg", tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if got := jpegOrientation(jpg); got != tc.o {
			t.Errorf("orientation %d: read back %d", tc.o, got)
		}
		th, err := thumbnail(jpg, 400, 340, tc.o)
		if err != nil || th == nil {
			t.Fatalf("orientation %d: thumbnail: %v", tc.o, err)
		}
		img, err := jpeg.Decode(bytes.NewReader(th))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("orientation %d: thumbnail %dx%d, want %dx%d", tc.o, b.Dx(), b.Dy(), tc.w, tc.h)
			continue
		}
		red := func(x, y int) bool { r, g, _, _ := img.At(x, y).RGBA(); return r > 0xc000 && g < 0x4000 }
		if !red(tc.redX, tc.redY) || red(tc.cleanX, tc.clnY) {
			t.Errorf("orientation %d: the red corner is not where it belongs", tc.o)
		}
	}
}

// TestThumbDecodeBounded: an image whose decode would take more than
// maxThumbDecodeBytes (a 16-bit PNG of 30 million pixels: 240 MB) is kept
// without a thumbnail; the same canvas in 8-bit color, and smaller 16-bit
// ones, get theirs.
func TestThumbDecodeBounded(t *testing.T) {
	img16 := image.NewNRGBA64(image.Rect(0, 0, 4, 4))
	var b16, b8 bytes.Buffer
	if err := png.Encode(&b16, img16); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&b8, image.NewNRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	_, _, px16, err := imageInfo(b16.Bytes(), "image/png")
	if err != nil || px16 != 8 {
		t.Fatalf("16-bit PNG: %d bytes a pixel, %v; want 8", px16, err)
	}
	_, _, px8, err := imageInfo(b8.Bytes(), "image/png")
	if err != nil || px8 != 4 {
		t.Fatalf("8-bit PNG: %d bytes a pixel, %v; want 4", px8, err)
	}
	for _, c := range []struct {
		w, h, px int
		want     bool
	}{
		{6000, 5000, px16, false}, // 240 MB decoded
		{6000, 5000, px8, true},   // 120 MB
		{4000, 3000, px16, true},  // 96 MB
		{300, 200, px8, false},    // no larger than a thumbnail
	} {
		if got := needsThumb(c.w, c.h, c.px, "image/png"); got != c.want {
			t.Errorf("%dx%d at %d bytes a pixel: thumbnail %v, want %v", c.w, c.h, c.px, got, c.want)
		}
	}
}
