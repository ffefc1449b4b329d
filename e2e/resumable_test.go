package e2e

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/client"
)

// brokenBody sends n bytes of data, then fails: the connection drops in
// the middle of a chunk.
type brokenBody struct {
	data []byte
	n    int
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errors.New("connection dropped")
	}
	k := copy(p, b.data[:min(len(b.data), b.n, len(p))])
	b.data, b.n = b.data[k:], b.n-k
	return k, nil
}

// sessionDirs lists the upload session folders under a data folder.
func sessionDirs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	owners, _ := os.ReadDir(filepath.Join(dir, "upload-sessions"))
	for _, o := range owners {
		es, _ := os.ReadDir(filepath.Join(dir, "upload-sessions", o.Name()))
		for _, e := range es {
			out = append(out, filepath.Join(o.Name(), e.Name()))
		}
	}
	return out
}

// TestResumableUpload: a file sent in chunks whose second chunk is cut
// off half way resumes from the offset the server reports and arrives
// byte for byte; it is attached, received and downloaded like any upload.
func TestResumableUpload(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	ari, ben := e.user("ari"), e.user("ben")
	data := append([]byte("%PDF-1.7\n"), make([]byte, 3<<20)...)
	rand.Read(data[9:])
	size := int64(len(data))
	const chunk = 1 << 20

	sess, created, err := ari.CreateUploadSession(ctx, size, client.UploadParams{Name: "report.pdf", ClientID: "report-1"})
	must(t, err, "create session")
	if !created || sess.Offset != 0 || sess.Size != size || sess.MaxChunk <= 0 {
		t.Fatalf("new session: created=%v %+v", created, sess)
	}
	// A retried create answers the same session.
	again, created, err := ari.CreateUploadSession(ctx, size, client.UploadParams{Name: "report.pdf", ClientID: "report-1"})
	if ok(t, err, "retried create") && (created || again.ID != sess.ID) {
		t.Errorf("retried create: created=%v id %s, want %s", created, again.ID, sess.ID)
	}
	sess, err = ari.UploadChunk(ctx, sess.ID, 0, data[:chunk])
	must(t, err, "first chunk")
	if sess.Offset != chunk || sess.Upload != nil {
		t.Fatalf("after the first chunk: %+v", sess)
	}

	// The second chunk: the connection drops after 600 KB of 1 MB.
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, e.url+"/api/v1/uploads/sessions/"+sess.ID, &brokenBody{data: data[chunk : 2*chunk], n: 600 << 10})
	must(t, err, "request")
	req.ContentLength = chunk
	req.Header.Set("Authorization", "Bearer "+ari.Token())
	req.Header.Set("Upload-Offset", strconv.Itoa(chunk))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the cut-off chunk got an answer: %d", resp.StatusCode)
	}
	// The server holds what arrived, or part of it: the cut-off request's
	// handler may still be reading when this status is taken.
	now, err := ari.UploadSessionStatus(ctx, sess.ID)
	must(t, err, "status after the drop")
	if now.Offset < chunk || now.Offset > chunk+600<<10 || now.Upload != nil {
		t.Fatalf("offset after the drop: %d, want between %d and %d", now.Offset, chunk, chunk+600<<10)
	}
	t.Logf("the server kept %d bytes of the cut-off chunk", now.Offset-chunk)

	// A wrong offset is a conflict that names the right one; bytes that
	// differ from those held are a conflict too. (The offset is past all
	// the cut-off chunk could have left: the status read above can come
	// before its handler has taken the session's lock, and a chunk inside
	// the bytes held is a retry, accepted as is.)
	past := int64(chunk + 600<<10 + 1)
	_, err = ari.UploadChunk(ctx, sess.ID, past, data[past:past+100])
	wantStatus(t, err, http.StatusConflict, "chunk past the committed offset")
	// (How much of the cut-off chunk arrived depends on the connection's
	// end: a reset can drop what the server had not read yet. Make sure
	// the session holds 100 bytes past the first chunk for the next check.)
	if now.Offset < chunk+100 {
		now, err = ari.UploadChunk(ctx, sess.ID, now.Offset, data[now.Offset:chunk+100])
		must(t, err, "top up the held bytes")
	}
	wrong := bytes.Clone(data[chunk : chunk+100])
	wrong[50] ^= 0xff
	_, err = ari.UploadChunk(ctx, sess.ID, chunk, wrong)
	wantStatus(t, err, http.StatusConflict, "chunk with other bytes over held ones")
	// A chunk that goes past the declared size: 413, the session stays.
	_, err = ari.UploadChunk(ctx, sess.ID, now.Offset, append(bytes.Clone(data[now.Offset:]), 'x'))
	wantStatus(t, err, http.StatusRequestEntityTooLarge, "chunk past the declared size")
	// Someone else's session does not exist.
	_, err = ben.UploadSessionStatus(ctx, sess.ID)
	wantStatus(t, err, http.StatusNotFound, "ben reads ari's session")
	_, err = ben.UploadChunk(ctx, sess.ID, now.Offset, data[now.Offset:now.Offset+10])
	wantStatus(t, err, http.StatusNotFound, "ben writes to ari's session")
	wantStatus(t, ben.CancelUploadSession(ctx, sess.ID), http.StatusNotFound, "ben cancels ari's session")

	// Resume from the reported offset. A retry of a chunk already held
	// (its answer was lost) is accepted as is.
	off := now.Offset
	for off < size {
		end := min(off+chunk, size)
		sess, err = ari.UploadChunk(ctx, sess.ID, off, data[off:end])
		must(t, err, "resumed chunk")
		off = sess.Offset
	}
	if sess.Upload == nil || sess.Upload.Size != size || sess.Upload.Kind != "file" || sess.Upload.ContentType != "application/pdf" || sess.Upload.Name != "report.pdf" {
		t.Fatalf("finished session: %+v", sess.Upload)
	}
	retried, err := ari.UploadChunk(ctx, sess.ID, size-100, data[size-100:])
	if ok(t, err, "retried last chunk") && (retried.Upload == nil || retried.Upload.ID != sess.Upload.ID) {
		t.Errorf("retried last chunk: %+v, want upload %s", retried.Upload, sess.Upload.ID)
	}

	conv := e.direct(ari, "ben")
	m, _, err := ari.Send(ctx, conv.ID, client.SendParams{Text: "the report", Attachments: []string{sess.Upload.ID}})
	must(t, err, "send with the resumed upload")
	got, _, err := ben.Download(ctx, m.Attachments[0].URL)
	must(t, err, "ben downloads")
	if !bytes.Equal(got, data) {
		t.Errorf("downloaded %d bytes, not byte-identical to the %d sent", len(got), len(data))
	}
}

// TestResumableSameAsOneShot: a photo sent through a session is the same
// upload a one-shot upload makes: sniffed, stripped of its GPS metadata,
// measured, the same bytes.
func TestResumableSameAsOneShot(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	ari := e.user("ari")
	jpg := photo(t, 900, 700)
	one, _, err := ari.Upload(ctx, jpg, client.UploadParams{Name: "a.jpg"})
	must(t, err, "one-shot upload")
	res, err := ari.UploadResumable(ctx, bytes.NewReader(jpg), int64(len(jpg)), client.ResumableParams{UploadParams: client.UploadParams{Name: "a.jpg"}, ChunkSize: 20_000})
	must(t, err, "resumable upload")
	if res.Kind != one.Kind || res.ContentType != one.ContentType || res.Width != one.Width || res.Height != one.Height || res.Size != one.Size {
		t.Errorf("resumable %+v, one-shot %+v", res, one)
	}
	a, _, err := ari.Download(ctx, one.URL)
	must(t, err, "download one-shot")
	b, _, err := ari.Download(ctx, res.URL)
	must(t, err, "download resumable")
	if !bytes.Equal(a, b) || bytes.Contains(b, []byte("GPS-SECRET")) {
		t.Errorf("the resumable upload's bytes differ from the one-shot's, or keep GPS data")
	}
}

// flakyTransport cuts every second chunk off half way.
type flakyTransport struct {
	next  http.RoundTripper
	count atomic.Int64
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPatch && f.count.Add(1)%2 == 0 && r.ContentLength > 2 {
		body, _ := io.ReadAll(r.Body)
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(&brokenBody{data: body, n: len(body) / 2})
	}
	return f.next.RoundTrip(r)
}

// TestResumableClient: the Go client's UploadResumable finishes a file
// over a connection that drops every second chunk, resending from the
// server's offset, and reports its progress.
func TestResumableClient(t *testing.T) {
	t.Parallel()
	e, _ := startMedia(t)
	ctx := e.ctx
	e.user("ari")
	c := client.New(e.url, client.WithHTTPClient(&http.Client{Transport: &flakyTransport{next: http.DefaultTransport}}))
	_, _, err := c.Login(ctx, "ari", password("ari"))
	must(t, err, "login")
	data := make([]byte, 2<<20+123)
	rand.Read(data)
	var last int64
	att, err := c.UploadResumable(ctx, bytes.NewReader(data), int64(len(data)), client.ResumableParams{
		UploadParams: client.UploadParams{Name: "blob.bin"}, ChunkSize: 256 << 10, Retries: 3,
		Progress: func(sent, total int64) {
			if sent < last || total != int64(len(data)) {
				t.Errorf("progress went back: %d after %d of %d", sent, last, total)
			}
			last = sent
		}})
	must(t, err, "resumable upload over a flaky connection")
	if last != int64(len(data)) {
		t.Errorf("progress ended at %d of %d", last, len(data))
	}
	got, _, err := c.Download(ctx, att.URL)
	must(t, err, "download")
	if !bytes.Equal(got, data) {
		t.Errorf("the upload is not byte-identical")
	}
}

// TestResumableLimits: over the limit at creation, or for its kind once
// its first bytes are sniffed: 413 and nothing left on disk; too many
// sessions at once: 409; a cancelled session is gone with its bytes.
func TestResumableLimits(t *testing.T) {
	t.Parallel()
	e, dir := startMedia(t)
	ctx := e.ctx
	ari := e.user("ari")
	_, _, err := ari.CreateUploadSession(ctx, 25<<20+1, client.UploadParams{Name: "huge.bin"})
	wantStatus(t, err, http.StatusRequestEntityTooLarge, "a 25 MB+ session")
	_, _, err = ari.CreateUploadSession(ctx, 0, client.UploadParams{Name: "empty.bin"})
	wantStatus(t, err, http.StatusBadRequest, "an empty session")
	// An image of 9 MB: allowed as a file at creation, refused once the
	// first chunk shows a PNG.
	sess, _, err := ari.CreateUploadSession(ctx, 9<<20, client.UploadParams{Name: "big.png"})
	must(t, err, "9 MB session")
	_, err = ari.UploadChunk(ctx, sess.ID, 0, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 8192)...))
	wantStatus(t, err, http.StatusRequestEntityTooLarge, "a 9 MB image")
	_, err = ari.UploadSessionStatus(ctx, sess.ID)
	wantStatus(t, err, http.StatusNotFound, "the refused session")
	if left := sessionDirs(t, dir); len(left) != 0 {
		t.Errorf("left on disk by the refused session: %v", left)
	}
	if n := len(blobFiles(t, dir)); n != 0 {
		t.Errorf("blobs left by the refused session: %d", n)
	}
	// A chunk over the server's chunk limit.
	sess, _, err = ari.CreateUploadSession(ctx, 20<<20, client.UploadParams{Name: "f.bin"})
	must(t, err, "20 MB session")
	_, err = ari.UploadChunk(ctx, sess.ID, 0, make([]byte, sess.MaxChunk+1))
	wantStatus(t, err, http.StatusRequestEntityTooLarge, "a chunk over max_chunk")
	must(t, ari.CancelUploadSession(ctx, sess.ID), "cancel")
	_, err = ari.UploadSessionStatus(ctx, sess.ID)
	wantStatus(t, err, http.StatusNotFound, "the cancelled session")
	// Eight sessions at once at most.
	for i := range 8 {
		_, _, err := ari.CreateUploadSession(ctx, 100, client.UploadParams{Name: "f" + strconv.Itoa(i)})
		must(t, err, "session "+strconv.Itoa(i))
	}
	_, _, err = ari.CreateUploadSession(ctx, 100, client.UploadParams{Name: "one too many"})
	wantStatus(t, err, http.StatusConflict, "a ninth session")
	// A missing or malformed Upload-Offset.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, e.url+"/api/v1/uploads/sessions/"+sess.ID, bytes.NewReader([]byte("x")))
	req.Header.Set("Authorization", "Bearer "+ari.Token())
	resp, err := http.DefaultClient.Do(req)
	must(t, err, "no Upload-Offset")
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a chunk without Upload-Offset: %d, want 400", resp.StatusCode)
	}
}
