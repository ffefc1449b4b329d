package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
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

type sessionFixture struct {
	s        *Service
	ann, bob *dm.Account
	dir      string
	advance  func(time.Duration)
}

func newSessionFixture(t *testing.T, lim Limits, sl SessionLimits) *sessionFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	disk, err := blobs.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "upload-sessions")
	step := NewStep()
	c := chat.New(store, inmem.New(), chat.Config{RateLimitOff: true, Steps: []chat.Step{step}})
	s := New(c, step, Config{Blobs: disk, Now: clock, SessionDir: dir, Limits: lim, Sessions: sl})
	ids := identity.New(store, identity.Config{RateLimitOff: true, PasswordCost: identity.CheapPasswordCost()})
	ann, err := ids.Signup(ctx, identity.SignupParams{Handle: "ann", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := ids.Signup(ctx, identity.SignupParams{Handle: "bob", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	return &sessionFixture{s: s, ann: ann, bob: bob, dir: dir, advance: func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}}
}

// sessionFolders counts the session folders left on disk.
func sessionFolders(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	owners, _ := os.ReadDir(dir)
	for _, o := range owners {
		es, _ := os.ReadDir(filepath.Join(dir, o.Name()))
		n += len(es)
	}
	return n
}

// TestSessionGC: an abandoned session goes with its bytes after its TTL
// (the injected clock moves; nothing sleeps); a session that keeps
// receiving chunks stays.
func TestSessionGC(t *testing.T) {
	ctx := context.Background()
	f := newSessionFixture(t, Limits{}, SessionLimits{TTL: time.Hour})
	data := []byte("%PDF-1.7\n" + string(bytes.Repeat([]byte("x"), 10000)))
	idle, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: int64(len(data)), UploadParams: UploadParams{Name: "a.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	busy, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: int64(len(data)), UploadParams: UploadParams{Name: "b.pdf"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.WriteChunk(ctx, f.ann, idle.ID, 0, bytes.NewReader(data[:5000])); err != nil {
		t.Fatal(err)
	}
	f.advance(50 * time.Minute)
	if _, _, err := f.s.WriteChunk(ctx, f.ann, busy.ID, 0, bytes.NewReader(data[:5000])); err != nil {
		t.Fatal(err)
	}
	f.advance(20 * time.Minute)
	if n, err := f.s.CollectGarbage(ctx); err != nil || n != 1 {
		t.Fatalf("collect: %d, %v; want the idle session", n, err)
	}
	if _, err := f.s.Session(ctx, f.ann, idle.ID); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("the collected session: %v, want ENOTFOUND", err)
	}
	if sessionFolders(t, f.dir) != 1 {
		t.Errorf("folders left: %d, want the busy session's", sessionFolders(t, f.dir))
	}
	sess, created, err := f.s.WriteChunk(ctx, f.ann, busy.ID, 5000, bytes.NewReader(data[5000:]))
	if err != nil || !created || sess.Upload == nil || sess.Upload.Size != int64(len(data)) {
		t.Fatalf("the busy session completes: %+v, %v", sess, err)
	}
	// A finished session is kept for retries until its TTL, then goes too.
	f.advance(2 * time.Hour)
	if n, err := f.s.CollectGarbage(ctx); err != nil || n != 1 {
		t.Fatalf("collect the finished session: %d, %v", n, err)
	}
	if n := sessionFolders(t, f.dir); n != 0 {
		t.Errorf("folders left: %d", n)
	}
}

// TestSessionConcurrentChunks: the same chunk sent twice at once (a
// retry racing the original) and a chunk for the next offset: the file
// comes out whole and nothing is written twice.
func TestSessionConcurrentChunks(t *testing.T) {
	ctx := context.Background()
	f := newSessionFixture(t, Limits{}, SessionLimits{})
	data := make([]byte, 300_000)
	rand.Read(data)
	sess, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			f.s.WriteChunk(ctx, f.ann, sess.ID, 0, bytes.NewReader(data[:100_000]))
		})
		wg.Go(func() {
			f.s.WriteChunk(ctx, f.ann, sess.ID, 100_000, bytes.NewReader(data[100_000:200_000]))
		})
	}
	wg.Wait()
	got, err := f.s.Session(ctx, f.ann, sess.ID)
	if err != nil || got.Offset != 200_000 {
		t.Fatalf("after racing chunks: %+v, %v", got, err)
	}
	done, _, err := f.s.WriteChunk(ctx, f.ann, sess.ID, 200_000, bytes.NewReader(data[200_000:]))
	if err != nil || done.Upload == nil {
		t.Fatalf("last chunk: %v", err)
	}
	_, r, size, err := f.s.Open(ctx, f.ann, done.Upload.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	buf.ReadFrom(r)
	if size != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("the upload's bytes differ from the file")
	}
}

// TestSessionKindLimit: the declared size is checked against the kind's
// limit as soon as the first bytes tell the kind; the session is gone.
func TestSessionKindLimit(t *testing.T) {
	ctx := context.Background()
	f := newSessionFixture(t, Limits{Image: 10_000, Video: 50_000, File: 50_000}, SessionLimits{PerAccount: 2})
	if _, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: 50_001}); !dm.IsCode(err, dm.ETOOLARGE) {
		t.Errorf("over every limit at creation: %v", err)
	}
	sess, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5000)...)
	if _, _, err := f.s.WriteChunk(ctx, f.ann, sess.ID, 0, bytes.NewReader(png)); !dm.IsCode(err, dm.ETOOLARGE) {
		t.Errorf("a 20,000-byte image over a 10,000-byte limit: %v", err)
	}
	if n := sessionFolders(t, f.dir); n != 0 {
		t.Errorf("folders left by the refused session: %d", n)
	}
	// Two sessions at most; someone else's session does not exist.
	a, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: 10}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.CreateSession(ctx, f.ann, SessionParams{Size: 10}); !dm.IsCode(err, dm.ECONFLICT) {
		t.Errorf("a third session: %v, want ECONFLICT", err)
	}
	if _, err := f.s.Session(ctx, f.bob, a.ID); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("bob reads ann's session: %v", err)
	}
	if _, _, err := f.s.WriteChunk(ctx, f.bob, a.ID, 0, bytes.NewReader([]byte("x"))); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("bob writes to ann's session: %v", err)
	}
	if err := f.s.CancelSession(ctx, f.bob, a.ID); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("bob cancels ann's session: %v", err)
	}
	if _, _, err := f.s.WriteChunk(ctx, f.ann, a.ID, 0, errReader{}); err == nil {
		t.Error("a chunk whose body fails: no error")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
