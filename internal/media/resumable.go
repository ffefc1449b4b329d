package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Resumable uploads: a large file goes up in chunks to an upload session,
// and a client whose connection drops asks the session how much arrived
// and goes on from there.
//
//	create  size, name, client id        -> session (offset 0)
//	chunk   offset + bytes               -> session (offset advanced)
//	the chunk that reaches size          -> session with its upload
//
// A session lives under Config.SessionDir, one folder per owner and one
// per session: "data" holds the bytes received so far and "session.json"
// the committed offset. A chunk is written and fsynced before the
// offset that covers it is (atomically, by rename), so after a crash the
// committed offset never counts bytes that are not on disk; bytes past it
// are overwritten by the next chunk. Sessions are looked up in the
// caller's own folder only: someone else's session does not exist for
// them (404). The bytes are local to the node that holds the folder: with
// several nodes a session's requests must reach the node that made it
// (another node answers 404, and the client starts a new session).

// UploadSession is an upload in progress, as its owner sees it.
type UploadSession struct {
	ID         string    `json:"id"`
	OwnerID    string    `json:"owner_id"`
	ClientID   string    `json:"client_id,omitempty"`
	Name       string    `json:"name"`
	Size       int64     `json:"size"`
	Offset     int64     `json:"offset"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	Waveform   []int     `json:"waveform,omitempty"`
	Kind       string    `json:"kind,omitempty"` // sniffed once the first bytes arrived
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// UploadID is set once the last chunk made the upload.
	UploadID string `json:"upload_id,omitempty"`
	// Upload is the finished upload (not stored: read from the store).
	Upload *dm.Upload `json:"-"`
}

// SessionLimits bound resumable uploads. Zero values take the defaults.
type SessionLimits struct {
	// PerAccount is how many unfinished sessions one account may hold
	// (default 8).
	PerAccount int
	// Chunk is the largest chunk one request may carry (default 8 MB).
	Chunk int64
	// TTL is how long a session waits for its next chunk before it is
	// collected (default 24 h); a finished session is kept this long too,
	// so that a retried last chunk gets the same upload.
	TTL time.Duration
}

func (l SessionLimits) withDefaults() SessionLimits {
	if l.PerAccount <= 0 {
		l.PerAccount = 8
	}
	if l.Chunk <= 0 {
		l.Chunk = 8 << 20
	}
	if l.TTL <= 0 {
		l.TTL = 24 * time.Hour
	}
	return l
}

// SessionParams describe a new upload session.
type SessionParams struct {
	Size int64
	UploadParams
}

// sessionFiles are the two files of a session's folder.
const (
	sessionMeta = "session.json"
	sessionData = "data"
)

// keyLocks lets one request at a time work on a key (a session, or an
// owner's set of sessions); entries go when nobody holds or waits.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	n int
}

func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.n++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.n--; l.n == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// SessionLimits are the resumable upload limits in force.
func (s *Service) SessionLimits() SessionLimits { return s.cfg.Sessions }

func (s *Service) sessionsOn() error {
	if s.cfg.SessionDir == "" {
		return dm.Errorf(dm.ENOTFOUND, "This server takes no resumable uploads; use POST /api/v1/uploads.")
	}
	return nil
}

// validSessionID: 32 lower-case hex digits (ids become folder names).
func validSessionID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (s *Service) ownerDir(ownerID string) string {
	// Account ids are the server's own, but a folder name must not be
	// able to climb out: hash anything unexpected.
	name := ownerID
	for i := 0; i < len(ownerID); i++ {
		c := ownerID[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			h := sha256.Sum256([]byte(ownerID))
			name = "h" + hex.EncodeToString(h[:16])
			break
		}
	}
	if name == "" {
		name = "empty"
	}
	return filepath.Join(s.cfg.SessionDir, name)
}

func (s *Service) sessionDir(ownerID, id string) string {
	return filepath.Join(s.ownerDir(ownerID), id)
}

// sessionID is random, or, with a client id, derived from it and the
// owner, so that a retried create finds the session the first one made
// without a scan.
func sessionID(ownerID, clientID string) string {
	if clientID == "" {
		var b [16]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	h := sha256.Sum256([]byte("parley upload session\x00" + ownerID + "\x00" + clientID))
	return hex.EncodeToString(h[:16])
}

// CreateSession starts a resumable upload of p.Size bytes. A retry with
// the same client id returns the first session (created false), with
// whatever it received since. The size is checked against the largest
// upload of any kind here, and against its kind's limit once the first
// bytes tell the kind.
func (s *Service) CreateSession(ctx context.Context, me *dm.Account, p SessionParams) (*UploadSession, bool, error) {
	if err := s.sessionsOn(); err != nil {
		return nil, false, err
	}
	if err := validateParams(p.UploadParams); err != nil {
		return nil, false, err
	}
	if p.Size <= 0 {
		return nil, false, dm.Errorf(dm.EINVALID, "size must be at least 1 byte.")
	}
	if lim := s.cfg.Limits.Max(); p.Size > lim {
		return nil, false, dm.Errorf(dm.ETOOLARGE, "size: an upload may be at most %d bytes.", lim)
	}
	id := sessionID(me.ID, p.ClientID)
	unlock := s.sessionLocks.lock("owner:" + me.ID)
	defer unlock()
	dir := s.sessionDir(me.ID, id)
	if p.ClientID != "" {
		sess, err := s.liveSession(me.ID, id)
		if err == nil {
			if sess.Size != p.Size {
				return nil, false, dm.Errorf(dm.ECONFLICT, "client_id %q already names an upload session of %d bytes.", p.ClientID, sess.Size)
			}
			err = s.fillSession(ctx, sess)
			return sess, false, err
		}
		if !dm.IsCode(err, dm.ENOTFOUND) {
			return nil, false, err
		}
		// An expired session of this client id that the collector has
		// not reached yet: the new one starts afresh.
		if err := os.RemoveAll(dir); err != nil {
			return nil, false, diskErr(err)
		}
	}
	open, reserved, err := s.openSessions(me.ID)
	if err != nil {
		return nil, false, err
	}
	if open >= s.cfg.Sessions.PerAccount {
		return nil, false, dm.Errorf(dm.ECONFLICT, "You have %d uploads in progress, the most at once; finish or cancel one first.", open)
	}
	// The sessions in progress hold their sizes of the quota: their bytes
	// take the disk now, and every one of them may finish.
	if err := s.checkQuota(ctx, nil, me.ID, reserved+p.Size); err != nil {
		if reserved > 0 && dm.IsCode(err, dm.EQUOTA) {
			return nil, false, dm.Errorf(dm.EQUOTA, "Your storage is full: your files, your %d uploads in progress (%s) and this one (%s) need more than your %s. Finish or cancel an upload, or delete messages with files.",
				open, mb(reserved), mb(p.Size), mb(s.cfg.Quota))
		}
		return nil, false, err
	}
	now := s.now()
	sess := &UploadSession{ID: id, OwnerID: me.ID, ClientID: p.ClientID, Name: CleanName(p.Name), Size: p.Size,
		DurationMS: p.DurationMS, Waveform: p.Waveform, CreatedAt: now, ExpiresAt: now.Add(s.cfg.Sessions.TTL)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, diskErr(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, sessionData), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = s.writeSession(sess)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, false, diskErr(err)
	}
	return sess, true, nil
}

// validateParams checks what an upload carries besides its bytes.
func validateParams(p UploadParams) error {
	if err := dm.ValidateClientID(p.ClientID); err != nil {
		return err
	}
	if p.DurationMS < 0 || p.DurationMS > 24*3600*1000 {
		return dm.Errorf(dm.EINVALID, "duration_ms must be between 0 and 86400000.")
	}
	if len(p.Waveform) > dm.MaxWaveform {
		return dm.Errorf(dm.EINVALID, "waveform has at most %d peaks.", dm.MaxWaveform)
	}
	for _, v := range p.Waveform {
		if v < 0 || v > 255 {
			return dm.Errorf(dm.EINVALID, "waveform peaks are between 0 and 255.")
		}
	}
	return nil
}

// Session returns one of my upload sessions (ENOTFOUND for anyone else's,
// an expired one, or an id that does not exist).
func (s *Service) Session(ctx context.Context, me *dm.Account, id string) (*UploadSession, error) {
	if err := s.sessionsOn(); err != nil {
		return nil, err
	}
	if !validSessionID(id) {
		return nil, noSession(id)
	}
	unlock := s.sessionLocks.lock("session:" + id)
	defer unlock()
	sess, err := s.liveSession(me.ID, id)
	if err != nil {
		return nil, err
	}
	return sess, s.fillSession(ctx, sess)
}

// CancelSession drops one of my upload sessions and its bytes.
func (s *Service) CancelSession(ctx context.Context, me *dm.Account, id string) error {
	if err := s.sessionsOn(); err != nil {
		return err
	}
	if !validSessionID(id) {
		return noSession(id)
	}
	unlock := s.sessionLocks.lock("session:" + id)
	defer unlock()
	if _, err := s.readSession(me.ID, id); err != nil {
		return err
	}
	return diskErr(os.RemoveAll(s.sessionDir(me.ID, id)))
}

// WriteChunk appends body to one of my sessions at offset, the number of
// bytes the client believes the session holds. It is idempotent: bytes
// the session already holds are compared, not written again (a chunk
// retried after a lost answer is accepted; one with different bytes is a
// conflict), and a chunk past the committed offset is a conflict that
// names the offset to resume from. Bytes received before the connection
// dropped are kept. The chunk that completes the file makes the upload,
// exactly as Upload does, and returns it on the session (created true).
func (s *Service) WriteChunk(ctx context.Context, me *dm.Account, id string, offset int64, body io.Reader) (*UploadSession, bool, error) {
	if err := s.sessionsOn(); err != nil {
		return nil, false, err
	}
	if !validSessionID(id) {
		return nil, false, noSession(id)
	}
	unlock := s.sessionLocks.lock("session:" + id)
	defer unlock()
	sess, err := s.liveSession(me.ID, id)
	if err != nil {
		return nil, false, err
	}
	if sess.UploadID != "" {
		if offset > sess.Size {
			return nil, false, dm.Errorf(dm.ECONFLICT, "Upload-Offset %d is past the end of the upload (%d bytes); it is complete.", offset, sess.Size)
		}
		return sess, false, s.fillSession(ctx, sess)
	}
	if offset < 0 || offset > sess.Offset {
		return nil, false, dm.Errorf(dm.ECONFLICT, "Upload-Offset %d does not match the session: it holds %d bytes; send from there.", offset, sess.Offset)
	}
	dir := s.sessionDir(me.ID, id)
	f, err := os.OpenFile(filepath.Join(dir, sessionData), os.O_RDWR, 0)
	if err != nil {
		return nil, false, diskErr(err)
	}
	defer f.Close()
	// Bytes the session holds already: they must be the same.
	if overlap := sess.Offset - offset; overlap > 0 {
		have := make([]byte, min(overlap, 1<<20))
		want := make([]byte, len(have))
		for pos := offset; pos < sess.Offset; {
			n := int(min(int64(len(have)), sess.Offset-pos))
			got, rerr := io.ReadFull(body, want[:n])
			if _, err := f.ReadAt(have[:got], pos); err != nil {
				return nil, false, diskErr(err)
			}
			if !bytes.Equal(have[:got], want[:got]) {
				return nil, false, dm.Errorf(dm.ECONFLICT, "The bytes at %d differ from those the session received; it holds %d bytes.", pos, sess.Offset)
			}
			pos += int64(got)
			if rerr != nil { // the chunk ended inside what the session holds
				return sess, false, s.fillSession(ctx, sess)
			}
		}
	}
	// New bytes, from the committed offset; one more than fits tells a
	// chunk that goes past the declared size.
	room := sess.Size - sess.Offset
	n, copyErr := io.Copy(&offsetWriter{f: f, off: sess.Offset}, io.LimitReader(body, room+1))
	if n > room {
		if err := f.Truncate(sess.Offset); err != nil {
			return nil, false, diskErr(err)
		}
		return nil, false, dm.Errorf(dm.ETOOLARGE, "The chunk goes past the declared size of %d bytes; the session holds %d.", sess.Size, sess.Offset)
	}
	var tooBig *http.MaxBytesError
	if copyErr != nil && errors.As(copyErr, &tooBig) {
		return nil, false, dm.Errorf(dm.ETOOLARGE, "A chunk may be at most %d bytes.", s.cfg.Sessions.Chunk)
	}
	if n > 0 {
		if err := f.Sync(); err != nil {
			return nil, false, diskErr(err)
		}
		sess.Offset += n
		if err := s.checkKind(f, sess); err != nil {
			os.RemoveAll(dir)
			return nil, false, err
		}
	}
	sess.ExpiresAt = s.now().Add(s.cfg.Sessions.TTL)
	if err := s.writeSession(sess); err != nil {
		return nil, false, diskErr(err)
	}
	if copyErr != nil && (errors.Is(copyErr, syscall.ENOSPC) || errors.Is(copyErr, syscall.EDQUOT)) {
		return nil, false, diskErr(copyErr)
	}
	if copyErr != nil {
		// The connection dropped: what arrived is kept, and the client
		// resumes from the offset it reads back.
		return nil, false, dm.Errorf(dm.EINVALID, "The chunk could not be read to its end; the session holds %d bytes.", sess.Offset)
	}
	if sess.Offset < sess.Size {
		return sess, false, nil
	}
	return s.finishSession(ctx, me, sess, f)
}

// checkKind sniffs the session's kind once its first bytes are in and
// refuses a declared size over that kind's limit.
func (s *Service) checkKind(f *os.File, sess *UploadSession) error {
	if sess.Kind == "" {
		need := min(sess.Size, 4096)
		if sess.Offset < need {
			return nil
		}
		head := make([]byte, need)
		if _, err := f.ReadAt(head, 0); err != nil {
			return diskErr(err)
		}
		sess.Kind = sniff(head).kind
	}
	if lim := s.cfg.Limits.of(sess.Kind); sess.Size > lim {
		return dm.Errorf(dm.ETOOLARGE, "size: a %s may be at most %d bytes.", sess.Kind, lim)
	}
	return nil
}

// finishSession makes the upload from the session's bytes. A refused file
// (unreadable image, over the quota) ends the session; a failure of the
// server keeps it, and the client retries the last chunk.
func (s *Service) finishSession(ctx context.Context, me *dm.Account, sess *UploadSession, f *os.File) (*UploadSession, bool, error) {
	data := make([]byte, sess.Size)
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, false, diskErr(err)
	}
	u, _, err := s.Upload(ctx, me, data, sess.UploadParams())
	if err != nil {
		if code := dm.ErrorCode(err); code == dm.EINVALID || code == dm.ETOOLARGE || code == dm.EQUOTA {
			os.RemoveAll(s.sessionDir(me.ID, sess.ID))
		}
		return nil, false, err
	}
	sess.UploadID, sess.Upload = u.ID, u
	if err := s.writeSession(sess); err != nil {
		return nil, false, diskErr(err)
	}
	// The bytes are in the blob store now.
	os.Remove(filepath.Join(s.sessionDir(me.ID, sess.ID), sessionData))
	return sess, true, nil
}

// UploadParams are the session's parameters for Upload.
func (sess *UploadSession) UploadParams() UploadParams {
	return UploadParams{Name: sess.Name, ClientID: sess.ClientID, DurationMS: sess.DurationMS, Waveform: sess.Waveform}
}

// offsetWriter writes at successive offsets of a file.
type offsetWriter struct {
	f   *os.File
	off int64
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	return n, err
}

func noSession(id string) error {
	return dm.Errorf(dm.ENOTFOUND, "No upload session %q.", dm.Truncate(id, 40))
}

// diskErr turns a full disk into the error clients understand.
func diskErr(err error) error {
	if err != nil && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) {
		return dm.ErrStorageFull(err)
	}
	if err != nil {
		return fmt.Errorf("upload session: %w", err)
	}
	return nil
}

// readSession reads a session's state (ENOTFOUND when there is none).
func (s *Service) readSession(ownerID, id string) (*UploadSession, error) {
	b, err := os.ReadFile(filepath.Join(s.sessionDir(ownerID, id), sessionMeta))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noSession(id)
	}
	if err != nil {
		return nil, diskErr(err)
	}
	var sess UploadSession
	if err := json.Unmarshal(b, &sess); err != nil {
		return nil, fmt.Errorf("upload session %s: %w", id, err)
	}
	return &sess, nil
}

// liveSession is readSession that also refuses an expired session (the
// collector may not have come by yet).
func (s *Service) liveSession(ownerID, id string) (*UploadSession, error) {
	sess, err := s.readSession(ownerID, id)
	if err != nil {
		return nil, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return nil, noSession(id)
	}
	return sess, nil
}

// fillSession reads a finished session's upload. An upload collected or
// deleted since is gone for the session too.
func (s *Service) fillSession(ctx context.Context, sess *UploadSession) error {
	if sess.UploadID == "" || sess.Upload != nil {
		return nil
	}
	err := s.chat.Store().View(ctx, func(tx dm.Tx) (err error) {
		sess.Upload, err = tx.Upload(ctx, sess.UploadID)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return dm.Errorf(dm.ENOTFOUND, "The upload of session %q is gone.", sess.ID)
	}
	if err != nil {
		return err
	}
	sess.Upload.Fill()
	return nil
}

// writeSession replaces a session's state atomically: a temporary file,
// fsynced, renamed over the old one, and the folder fsynced.
func (s *Service) writeSession(sess *UploadSession) error {
	dir := s.sessionDir(sess.OwnerID, sess.ID)
	b, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, sessionMeta+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, sessionMeta))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// openSessions counts an owner's unfinished, unexpired sessions and the
// bytes they declared.
func (s *Service) openSessions(ownerID string) (n int, size int64, err error) {
	entries, err := os.ReadDir(s.ownerDir(ownerID))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, diskErr(err)
	}
	for _, e := range entries {
		if !e.IsDir() || !validSessionID(e.Name()) {
			continue
		}
		sess, err := s.liveSession(ownerID, e.Name())
		if err == nil && sess.UploadID == "" {
			n++
			size += sess.Size
		}
	}
	return n, size, nil
}

// collectSessions deletes the sessions whose time ran out (and the
// folders of half-made sessions older than a TTL); it returns how many.
func (s *Service) collectSessions(ctx context.Context) (int, error) {
	if s.cfg.SessionDir == "" {
		return 0, nil
	}
	owners, err := os.ReadDir(s.cfg.SessionDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for _, o := range owners {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if !o.IsDir() {
			continue
		}
		odir := filepath.Join(s.cfg.SessionDir, o.Name())
		entries, err := os.ReadDir(odir)
		if err != nil {
			continue
		}
		left := len(entries)
		for _, e := range entries {
			dir := filepath.Join(odir, e.Name())
			unlock := s.sessionLocks.lock("session:" + e.Name())
			expired := false
			var sess UploadSession
			b, err := os.ReadFile(filepath.Join(dir, sessionMeta))
			switch {
			case err == nil && json.Unmarshal(b, &sess) == nil:
				expired = !now.Before(sess.ExpiresAt)
			default:
				// No readable state: a create that failed half way. Its
				// folder's time tells its age.
				if info, serr := os.Stat(dir); serr == nil {
					expired = now.Sub(info.ModTime()) > s.cfg.Sessions.TTL
				}
			}
			if expired {
				if err := os.RemoveAll(dir); err == nil {
					n++
					left--
				}
			}
			unlock()
		}
		if left == 0 {
			os.Remove(odir) // only if still empty
		}
	}
	return n, nil
}
