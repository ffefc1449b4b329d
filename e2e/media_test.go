package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// startMedia boots a server like start, and also returns its data folder,
// so a test can look at the blobs on disk.
func startMedia(t *testing.T) (*env, string) {
	t.Helper()
	dir := t.TempDir()
	srv, err := server.New(t.Context(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, RateLimitOff: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &env{t: t, ctx: t.Context(), url: srv.URL()}, dir
}

// blobFiles lists the blobs kept under a data folder.
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	root := filepath.Join(dir, "blobs")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		if err == nil && !d.IsDir() && !strings.HasPrefix(rel, "tmp") {
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// photo is a w×h JPEG with an EXIF block that carries a GPS position, as a
// phone camera writes one.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	// EXIF (big-endian TIFF): IFD0 has one entry, the GPS IFD pointer
	// (0x8825); the GPS IFD has GPSLatitudeRef = "N" and the marker text
	// "GPS-SECRET" right after it, so the test can look for it.
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2a")
	binary.Write(&tiff, binary.BigEndian, uint32(8))
	binary.Write(&tiff, binary.BigEndian, uint16(1))
	binary.Write(&tiff, binary.BigEndian, []uint16{0x8825, 4})
	binary.Write(&tiff, binary.BigEndian, []uint32{1, 26})
	binary.Write(&tiff, binary.BigEndian, uint32(0))
	binary.Write(&tiff, binary.BigEndian, uint16(1))
	binary.Write(&tiff, binary.BigEndian, []uint16{0x0001, 2})
	binary.Write(&tiff, binary.BigEndian, uint32(2))
	tiff.WriteString("N\x00\x00\x00")
	binary.Write(&tiff, binary.BigEndian, uint32(0))
	tiff.WriteString("GPS-SECRET")
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xff, 0xe1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}
	jpg := buf.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// TestAttachments: upload, attach, receive live, download by a member; 404
// for a non-member and after delete for everyone; GPS gone; retry-safe
// uploads; uploads that are not yours cannot be attached.
func TestAttachments(t *testing.T) {
	t.Parallel()
	e, dir := startMedia(t)
	ctx := e.ctx
	ari, ben, cat := e.user("ari"), e.user("ben"), e.user("cat")
	conv := e.direct(ari, "ben")

	pic := photo(t, 800, 600)
	if !bytes.Contains(pic, []byte("GPS-SECRET")) {
		t.Fatal("the test photo has no GPS block")
	}
	up, created, err := ari.Upload(ctx, pic, client.UploadParams{Name: "../../holiday.jpg", ClientID: "u1"})
	if err != nil || !created {
		t.Fatalf("upload: %v (created %v)", err, created)
	}
	// The size is known at once; the thumbnail is made after the answer.
	if up.Kind != "image" || up.ContentType != "image/jpeg" || up.Width != 800 || up.Height != 600 || up.Name != "holiday.jpg" {
		t.Errorf("upload: %+v", up)
	}
	again, created, err := ari.Upload(ctx, pic, client.UploadParams{Name: "holiday.jpg", ClientID: "u1"})
	if err != nil || created || again.ID != up.ID {
		t.Errorf("retried upload: want the first (%s) and 200, got %+v created=%v err=%v", up.ID, again, created, err)
	}
	// Before it is sent, only its uploader can read it.
	_, _, err = ben.Download(ctx, up.URL)
	wantStatus(t, err, http.StatusNotFound, "ben downloads ari's unsent upload")
	if _, _, err := ari.Download(ctx, up.URL); err != nil {
		t.Errorf("ari downloads her own unsent upload: %v", err)
	}
	// Nobody else may attach it.
	_, _, err = ben.Send(ctx, conv.ID, client.SendParams{Text: "mine now", Attachments: []string{up.ID}})
	wantStatus(t, err, http.StatusBadRequest, "ben attaches ari's upload")

	stream, err := ben.Stream(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	readUntilReady(ctx, t, stream)

	msg, _, err := ari.Send(ctx, conv.ID, client.SendParams{Attachments: []string{up.ID}, ClientID: "m1"})
	if err != nil {
		t.Fatalf("send with an attachment and no text: %v", err)
	}
	if len(msg.Attachments) != 1 || msg.Attachments[0].ID != up.ID {
		t.Errorf("sent message: want the attachment, got %+v", msg.Attachments)
	}
	retry, _, err := ari.Send(ctx, conv.ID, client.SendParams{Attachments: []string{up.ID}, ClientID: "m1"})
	if err != nil || retry.ID != msg.ID || len(retry.Attachments) != 1 {
		t.Errorf("retried send: want the same message with its attachment, got %+v, %v", retry, err)
	}
	// An upload is on one message only.
	_, _, err = ari.Send(ctx, conv.ID, client.SendParams{Text: "again", Attachments: []string{up.ID}})
	wantStatus(t, err, http.StatusBadRequest, "attaching an upload a second time")

	ev := nextLogged(ctx, t, stream)
	for ev.Type != "message.created" {
		ev = nextLogged(ctx, t, stream)
	}
	if ev.Message == nil || len(ev.Message.Attachments) != 1 || ev.Message.Attachments[0].Width != 800 {
		t.Fatalf("ben's live event: want the message with its 800 px wide photo, got %+v", ev.Message)
	}

	got, h, err := ben.Download(ctx, ev.Message.Attachments[0].URL)
	if err != nil {
		t.Fatalf("ben downloads: %v", err)
	}
	if bytes.Contains(got, []byte("GPS-SECRET")) || bytes.Contains(got, []byte("Exif\x00\x00")) {
		t.Error("the downloaded photo still has its EXIF/GPS block")
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(got)); err != nil || cfg.Width != 800 {
		t.Errorf("the downloaded photo does not decode as the 800 px JPEG: %v", err)
	}
	if h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") {
		t.Errorf("photo headers: %v", h)
	}
	thumbURL := waitThumbnail(t, ben, conv.ID)
	th, _, err := ben.Download(ctx, thumbURL)
	if err != nil {
		t.Fatalf("thumbnail: %v", err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(th)); err != nil || cfg.Width != 320 || cfg.Height != 240 {
		t.Errorf("thumbnail: want 320×240, got %+v, %v", cfg, err)
	}
	// History carries the attachment too.
	hist, _, err := ben.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "history") && (len(hist) != 1 || len(hist[0].Attachments) != 1) {
		t.Errorf("history: %+v", hist)
	}
	// A non-member gets the 404 of an id that does not exist.
	_, _, err = cat.Download(ctx, up.URL)
	wantStatus(t, err, http.StatusNotFound, "cat (not a member) downloads")
	_, _, err = cat.Download(ctx, thumbURL)
	wantStatus(t, err, http.StatusNotFound, "cat downloads the thumbnail")
	_, _, err = ben.Download(ctx, "/api/v1/attachments/"+strings.Repeat("0", 26))
	wantStatus(t, err, http.StatusNotFound, "an id that does not exist")
	_, _, err = e.anon().Download(ctx, up.URL)
	wantStatus(t, err, http.StatusUnauthorized, "no session")

	if n := len(blobFiles(t, dir)); n != 2 {
		t.Errorf("blobs on disk: want the photo and its thumbnail, got %d", n)
	}
	// Delete for everyone: the attachment is gone for all, then its blobs.
	must(t, ari.DeleteMessage(ctx, msg.ID, true), "delete for everyone")
	_, _, err = ben.Download(ctx, up.URL)
	wantStatus(t, err, http.StatusNotFound, "ben downloads after delete for everyone")
	_, _, err = ari.Download(ctx, up.URL)
	wantStatus(t, err, http.StatusNotFound, "ari downloads after delete for everyone")
	deadline := time.Now().Add(10 * time.Second)
	for len(blobFiles(t, dir)) != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(blobFiles(t, dir)); n != 0 {
		t.Errorf("blobs left on disk after delete for everyone: %d", n)
	}
}

// waitThumbnail waits for the newest message of conv to carry its
// thumbnail (made by a job after the upload's answer) and returns its URL.
func waitThumbnail(t *testing.T, c *client.Client, convID string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		hist, _, err := c.Messages(t.Context(), convID, "", 1)
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if len(hist) == 1 && len(hist[0].Attachments) > 0 && hist[0].Attachments[0].ThumbnailURL != "" {
			return hist[0].Attachments[0].ThumbnailURL
		}
		if time.Now().After(deadline) {
			t.Fatalf("no thumbnail after 10 s: %+v", hist)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPhotoOrientation: a phone photo taken upright is stored sideways
// with EXIF orientation 6. Its size is given upright, the served photo
// keeps that one tag (so browsers turn it) and nothing else of its EXIF,
// and its thumbnail is made upright. A thumbnail made after the send
// reaches the other member as a message.preview event.
func TestPhotoOrientation(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	ari, ben := e.user("ari"), e.user("ben")
	conv := e.direct(ari, "ben")
	pic := photo(t, 800, 600)
	// Orientation 6 in the photo's IFD0, beside its GPS pointer.
	i := bytes.Index(pic, []byte("MM\x00\x2a"))
	tiff := pic[i:]
	binary.BigEndian.PutUint16(tiff[8:], 2)
	entry := []byte{0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0}
	withO := append(append(append([]byte{}, pic[:i+10]...), entry...), pic[i+10:]...)
	// The IFD grew by 12 bytes: the GPS IFD's offset moves, and so does APP1's length.
	binary.BigEndian.PutUint32(withO[i+10+12+8:], 26+12)
	seg := i - 6 - 4
	binary.BigEndian.PutUint16(withO[seg+2:], binary.BigEndian.Uint16(withO[seg+2:])+12)

	stream, err := ben.Stream(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	readUntilReady(ctx, t, stream)
	up, _, err := ari.Upload(ctx, withO, client.UploadParams{Name: "portrait.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Width != 600 || up.Height != 800 {
		t.Errorf("upright size: want 600×800, got %d×%d", up.Width, up.Height)
	}
	if _, _, err := ari.Send(ctx, conv.ID, client.SendParams{Attachments: []string{up.ID}}); err != nil {
		t.Fatal(err)
	}
	got, _, err := ben.Download(ctx, up.URL)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte("GPS-SECRET")) {
		t.Error("the served photo still has its GPS block")
	}
	if !bytes.Contains(got, []byte{0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6}) {
		t.Error("the served photo lost its orientation")
	}
	th, _, err := ben.Download(ctx, waitThumbnail(t, ben, conv.ID))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(th)); err != nil || cfg.Width != 240 || cfg.Height != 320 {
		t.Errorf("thumbnail: want 240×320 (upright), got %+v, %v", cfg, err)
	}
	// Ben's stream: the message, then (unless the thumbnail beat the send)
	// the message again with its thumbnail.
	for {
		ev := nextLogged(ctx, t, stream)
		if ev.Message != nil && len(ev.Message.Attachments) == 1 && ev.Message.Attachments[0].ThumbnailURL != "" {
			if ev.Type != "message.created" && ev.Type != "message.preview" {
				t.Errorf("thumbnail arrived with a %s event", ev.Type)
			}
			break
		}
	}
}

// TestUploadQuota: an account's files are bounded by its quota; past it
// an upload is refused with 507 and leaves nothing; deleting a message
// with files makes room again.
func TestUploadQuota(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := server.New(t.Context(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, RateLimitOff: true, UploadQuota: 100_000,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	e := &env{t: t, ctx: t.Context(), url: srv.URL()}
	ctx := e.ctx
	ari := e.user("ari")
	e.user("ben")
	conv := e.direct(ari, "ben")
	file := func(n int, b byte) []byte { return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{b}, n)...) }
	first, _, err := ari.Upload(ctx, file(60_000, 'a'), client.UploadParams{Name: "a.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(blobFiles(t, dir))
	_, _, err = ari.Upload(ctx, file(60_000, 'b'), client.UploadParams{Name: "b.pdf"})
	wantStatus(t, err, http.StatusInsufficientStorage, "an upload past the quota")
	var ae *client.Error
	if errors.As(err, &ae) && (ae.Code != "quota_exceeded" || !strings.Contains(ae.Message, "storage is full")) {
		t.Errorf("quota error: %+v", ae)
	}
	if n := len(blobFiles(t, dir)); n != before {
		t.Errorf("a refused upload left a blob: %d, want %d", n, before)
	}
	msg, _, err := ari.Send(ctx, conv.ID, client.SendParams{Attachments: []string{first.ID}})
	if err != nil {
		t.Fatal(err)
	}
	must(t, ari.DeleteMessage(ctx, msg.ID, true), "delete for everyone")
	if _, _, err := ari.Upload(ctx, file(60_000, 'b'), client.UploadParams{Name: "b.pdf"}); err != nil {
		t.Errorf("after deleting her file, ari uploads again: %v", err)
	}
}

// TestUploadTypes: the type comes from the bytes, never the name; what a
// browser could run is served as a download.
func TestUploadTypes(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	ari := e.user("ari")
	e.user("ben")
	conv := e.direct(ari, "ben")
	for _, tc := range []struct {
		name, body string
	}{
		{"cat.jpg", "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"},
		{"logo.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`},
		{"notes.pdf", "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"},
	} {
		up, _, err := ari.Upload(ctx, []byte(tc.body), client.UploadParams{Name: tc.name})
		if err != nil {
			t.Errorf("upload %s: %v", tc.name, err)
			continue
		}
		if up.Kind != "file" {
			t.Errorf("%s: kind %q, want file", tc.name, up.Kind)
		}
		_, _, err = ari.Send(ctx, conv.ID, client.SendParams{Text: tc.name, Attachments: []string{up.ID}})
		must(t, err, "send "+tc.name)
		_, h, err := ari.Download(ctx, up.URL)
		if err != nil {
			t.Errorf("download %s: %v", tc.name, err)
			continue
		}
		ct := h.Get("Content-Type")
		if strings.Contains(ct, "html") || strings.Contains(ct, "svg") || strings.Contains(ct, "image") {
			t.Errorf("%s served as %q", tc.name, ct)
		}
		if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: not a sandboxed download: %v", tc.name, h)
		}
	}
	// A direction control cannot make a program's name read as a picture's
	// ("\u202egnp.exe" shows as "exe.png"): the name keeps its letters only.
	for name, want := range map[string]string{"\u202egnp.exe": "gnp.exe", "x\u202dy\u2066.exe\u200f": "xy.exe", "\u05d0\u05d1.txt": "\u05d0\u05d1.txt"} {
		up, _, err := ari.Upload(ctx, []byte("MZ not really a program"), client.UploadParams{Name: name})
		if ok(t, err, "upload named "+name) && up.Name != want {
			t.Errorf("upload named %q: stored as %q, want %q", name, up.Name, want)
		}
	}
	// A file that claims to be an image but is not one is refused.
	_, _, err := ari.Upload(ctx, append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{1}, 100)...), client.UploadParams{Name: "broken.jpg"})
	wantStatus(t, err, http.StatusBadRequest, "an image that does not decode")
	_, _, err = ari.Upload(ctx, nil, client.UploadParams{Name: "empty"})
	wantStatus(t, err, http.StatusBadRequest, "an empty upload")
	// Ten attachments at most.
	var ids []string
	for i := 0; i < 11; i++ {
		up, _, err := ari.Upload(ctx, []byte("file number "+string(rune('a'+i))), client.UploadParams{Name: "f.txt"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, up.ID)
	}
	_, _, err = ari.Send(ctx, conv.ID, client.SendParams{Text: "many", Attachments: ids})
	wantStatus(t, err, http.StatusBadRequest, "eleven attachments")
	m, _, err := ari.Send(ctx, conv.ID, client.SendParams{Text: "ten", Attachments: ids[:10]})
	if ok(t, err, "ten attachments") && len(m.Attachments) != 10 {
		t.Errorf("ten attachments: got %d", len(m.Attachments))
	}
}

// TestAttachmentRanges: a Range fetches part of a file (206 with
// Content-Range), as players seek; a range no byte satisfies, or one that
// is not a byte range, is a 416 with the error envelope and the file's
// size, not ServeContent's plain text and not cacheable as the file.
func TestAttachmentRanges(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	ari := e.user("ari")
	e.user("ben")
	conv := e.direct(ari, "ben")
	body := []byte("0123456789 a file of forty bytes, or so.")
	up, _, err := ari.Upload(ctx, body, client.UploadParams{Name: "f.txt"})
	must(t, err, "upload")
	_, _, err = ari.Send(ctx, conv.ID, client.SendParams{Text: "file", Attachments: []string{up.ID}})
	must(t, err, "send")

	part, h, err := ari.DownloadRange(ctx, up.URL, "bytes=2-5")
	if ok(t, err, "a range") && (string(part) != "2345" || h.Get("Content-Range") != fmt.Sprintf("bytes 2-5/%d", len(body))) {
		t.Errorf("bytes=2-5: got %q, Content-Range %q", part, h.Get("Content-Range"))
	}
	for _, rng := range []string{"bytes=999999-", "bytes=abc", "lines=1-2"} {
		_, _, err := ari.DownloadRange(ctx, up.URL, rng)
		if ce := wantStatus(t, err, http.StatusRequestedRangeNotSatisfiable, "Range: "+rng); ce != nil && ce.Code != "range_not_satisfiable" {
			t.Errorf("Range: %s: code %q, want range_not_satisfiable", rng, ce.Code)
		}
	}
	// The refusal is not the file: no download name, not cacheable.
	req, _ := http.NewRequestWithContext(ctx, "GET", ari.BaseURL()+up.URL, nil)
	req.Header.Set("Authorization", "Bearer "+ari.Token())
	req.Header.Set("Range", "bytes=999999-")
	resp, err := http.DefaultClient.Do(req)
	must(t, err, "raw range request")
	resp.Body.Close()
	if resp.Header.Get("Content-Disposition") != "" || resp.Header.Get("Cache-Control") != "no-store" ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(body)) || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("416 headers: %v", resp.Header)
	}
}

// TestUploadTooLarge: 413, and nothing is left behind.
func TestUploadTooLarge(t *testing.T) {
	t.Parallel()
	e, dir := startMedia(t)
	ctx := e.ctx
	ari := e.user("ari")
	// An image over 8 MB (sniffed as PNG by its signature).
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 8<<20)...)
	_, _, err := ari.Upload(ctx, big, client.UploadParams{Name: "big.png", ClientID: "big"})
	wantStatus(t, err, http.StatusRequestEntityTooLarge, "a 8 MB+ image")
	// Anything over 25 MB.
	_, _, err = ari.Upload(ctx, make([]byte, 25<<20+1), client.UploadParams{Name: "huge.bin", ClientID: "big"})
	wantStatus(t, err, http.StatusRequestEntityTooLarge, "a 25 MB+ file")
	if n := len(blobFiles(t, dir)); n != 0 {
		t.Errorf("blobs left by refused uploads: %d", n)
	}
	// The client id was not used up: the refused uploads stored nothing.
	_, created, err := ari.Upload(ctx, []byte("small"), client.UploadParams{Name: "s.txt", ClientID: "big"})
	if err != nil || !created {
		t.Errorf("a new upload with the refused uploads' client id: created=%v, %v", created, err)
	}
}

// TestSearch: over the API, members only, edits and deletes respected,
// conversations left are not searched, filters and snippets.
func TestSearch(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	ari, ben, cat := e.user("ari"), e.user("ben"), e.user("cat")
	ab := e.direct(ari, "ben")
	grp, _, err := ben.CreateConversation(ctx, []string{"cat", "ari"}, "trip")
	must(t, err, "group")
	m1 := e.send(ari, ab.ID, "the quarterly budget is ready")
	m2 := e.send(ben, ab.ID, "budget meeting moved to Friday")
	e.send(ben, grp.ID, "group budget for the trip")
	e.send(cat, grp.ID, "nothing to see")

	res, _, err := ari.Search(ctx, client.SearchParams{Q: "budget"})
	if ok(t, err, "ari searches") && len(res) != 3 {
		t.Errorf("ari finds budget: want 3, got %d", len(res))
	}
	res, _, err = cat.Search(ctx, client.SearchParams{Q: "budget"})
	if ok(t, err, "cat searches") && (len(res) != 1 || res[0].Message.ConversationID != grp.ID) {
		t.Errorf("cat must only find the group's message, got %+v", res)
	}
	res, _, err = ari.Search(ctx, client.SearchParams{Q: `"quarterly budget"`})
	if ok(t, err, "phrase") && (len(res) != 1 || res[0].Message.ID != m1.ID) {
		t.Errorf("phrase: got %+v", res)
	}
	if len(res) == 1 {
		var marked []string
		for _, p := range res[0].Snippet {
			if p.Match {
				marked = append(marked, strings.Fields(strings.ToLower(p.Text))...)
			}
		}
		if strings.Join(marked, ",") != "quarterly,budget" {
			t.Errorf("snippet marks: want quarterly and budget, got %+v", res[0].Snippet)
		}
	}
	res, _, err = ari.Search(ctx, client.SearchParams{Q: "budget", From: "ben", Conversation: ab.ID})
	if ok(t, err, "filters") && (len(res) != 1 || res[0].Message.ID != m2.ID) {
		t.Errorf("from ben in ab: got %+v", res)
	}
	_, _, err = cat.Search(ctx, client.SearchParams{Q: "budget", Conversation: ab.ID})
	wantStatus(t, err, http.StatusNotFound, "cat filters by a conversation she is not in")
	// Paging.
	p1, next, err := ari.Search(ctx, client.SearchParams{Q: "budget", Limit: 2})
	if ok(t, err, "page 1") && (len(p1) != 2 || next == "") {
		t.Errorf("page 1: %d results, next %q", len(p1), next)
	}
	p2, next2, err := ari.Search(ctx, client.SearchParams{Q: "budget", Limit: 2, Cursor: next})
	if ok(t, err, "page 2") && (len(p2) != 1 || next2 != "") {
		t.Errorf("page 2: %d results, next %q", len(p2), next2)
	}
	// Edits and deletes.
	_, err = ari.EditMessage(ctx, m1.ID, "the quarterly forecast is ready")
	must(t, err, "edit")
	res, _, _ = ben.Search(ctx, client.SearchParams{Q: "quarterly budget"})
	if len(res) != 0 {
		t.Errorf("the edited-away words are still found: %+v", res)
	}
	res, _, _ = ben.Search(ctx, client.SearchParams{Q: "forecast"})
	if len(res) != 1 {
		t.Errorf("the new words of an edit: want 1, got %d", len(res))
	}
	must(t, ben.DeleteMessage(ctx, m2.ID, true), "delete for everyone")
	res, _, _ = ari.Search(ctx, client.SearchParams{Q: "friday"})
	if len(res) != 0 {
		t.Errorf("a deleted message is found: %+v", res)
	}
	// Leaving the group: its messages are no longer found.
	must(t, ari.RemoveMember(ctx, grp.ID, "ari"), "ari leaves the group")
	e.send(ben, grp.ID, "budget after ari left")
	res, _, _ = ari.Search(ctx, client.SearchParams{Q: "budget"})
	for _, r := range res {
		if r.Message.ConversationID == grp.ID {
			t.Errorf("ari left the group but finds %q", r.Message.Text)
		}
	}
	// Bad input.
	for _, q := range []string{"", "   ", "!!!", strings.Repeat("a ", 60)} {
		_, _, err = ari.Search(ctx, client.SearchParams{Q: q})
		wantStatus(t, err, http.StatusBadRequest, "query "+q)
	}
	_, _, err = ari.Search(ctx, client.SearchParams{Q: "budget", Cursor: "x"})
	wantStatus(t, err, http.StatusBadRequest, "a bad cursor")
	// Words that look like FTS syntax are plain words.
	for _, q := range []string{`budget OR *`, `NEAR(budget)`, `budget" AND "x`, `-budget`, `budget:*`, `'`} {
		if _, _, err := ari.Search(ctx, client.SearchParams{Q: q}); err != nil {
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
				t.Errorf("query %q: %v", q, err)
			}
		}
	}
}

// TestLinkPreview: a link's card is fetched after the send and reaches the
// members as a message.preview event, then stays in history.
func TestLinkPreview(t *testing.T) {
	t.Parallel()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<html><head><title>fallback</title>
			<meta property="og:title" content="Parley &amp; friends">
			<meta property="og:description" content="<script>alert(1)</script> a DM platform">
			<meta property="og:image" content="/card.png"></head><body>hi</body></html>`))
	}))
	defer page.Close()
	srv, err := server.New(t.Context(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), RateLimitOff: true,
		Logger: slog.New(slog.DiscardHandler), PreviewAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	e := &env{t: t, ctx: t.Context(), url: srv.URL()}
	ctx := e.ctx
	ari, ben := e.user("ari"), e.user("ben")
	conv := e.direct(ari, "ben")
	stream, err := ben.Stream(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	readUntilReady(ctx, t, stream)
	link := page.URL + "/post?id=1"
	m := e.send(ari, conv.ID, "look: "+link+".")
	deadline, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got *client.LinkPreview
	for got == nil {
		ev, err := stream.Next(deadline)
		if err != nil {
			t.Fatalf("waiting for the preview: %v", err)
		}
		if ev.Type == "message.preview" && ev.Message != nil && ev.Message.ID == m.ID {
			got = ev.Message.LinkPreview
			if got == nil {
				t.Fatal("message.preview without a preview")
			}
		}
	}
	if got.URL != link || got.Title != "Parley & friends" || got.Description != "<script>alert(1)</script> a DM platform" || got.Image != page.URL+"/card.png" {
		t.Errorf("preview: %+v", got)
	}
	// History, newest first: a message without a link beside it has no
	// card (the read of previews skips it), the linked one keeps its own.
	e.send(ben, conv.ID, "no link here")
	hist, _, err := ben.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "history") && (len(hist) != 2 || hist[0].LinkPreview != nil || hist[1].LinkPreview == nil || hist[1].LinkPreview.Title != got.Title) {
		t.Errorf("history keeps the preview on its message alone: %+v", hist)
	}
	// Editing the link away drops the card.
	ed, err := ari.EditMessage(ctx, m.ID, "never mind")
	if ok(t, err, "edit") && ed.LinkPreview != nil {
		t.Errorf("the card stays after its link was edited away: %+v", ed.LinkPreview)
	}
}
