// Package media puts files on messages and finds messages: uploads
// (sniffed, stripped of metadata, measured, thumbnailed, kept in dm.Blobs),
// attachments (a Step of the send pipeline), their privacy and deletion,
// garbage collection of uploads never sent, link previews (a durable job
// fetched through internal/safehttp after the send commits) and search.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Limits bound uploads, by kind. Zero values take the defaults.
type Limits struct {
	Image int64 // default 8 MB
	Video int64 // video and audio, default 25 MB
	File  int64 // default 25 MB
}

// Max is the largest upload of any kind.
func (l Limits) Max() int64 { return max(l.Image, l.Video, l.File) }

func (l Limits) of(kind string) int64 {
	switch kind {
	case dm.AttachmentImage:
		return l.Image
	case dm.AttachmentVideo, dm.AttachmentAudio:
		return l.Video
	}
	return l.File
}

// Config wires the media layer.
type Config struct {
	Blobs  dm.Blobs
	Limits Limits
	// Quota is how many bytes of uploads one account may keep, sent or
	// waiting to be sent (0: no quota).
	Quota int64
	// UploadTTL is how long an upload may wait to be sent before it is
	// collected (default 24 h).
	UploadTTL time.Duration
	// Fetch fetches link previews; it must be a safehttp client (the
	// server builds one; tests give one with a test resolver).
	Fetch *http.Client
	// SessionDir holds resumable uploads in progress (resumable.go); ""
	// takes none. Sessions bounds them.
	SessionDir string
	Sessions   SessionLimits
	// RateLimitOff lifts the per-account bound on searches (searchRate).
	RateLimitOff bool
	Logger       *slog.Logger
	Now          func() time.Time
}

// Service is the media layer. Build the Step first (NewStep), give it to
// chat.Config.Steps, then New the service over the chat service.
type Service struct {
	cfg  Config
	chat *chat.Service
	step *Step
	log  *slog.Logger
	// searches bounds each account's searches (searchRate); nil (a
	// nil Limiter allows all) when limits are off.
	searches *ratelimit.Limiter
	// thumbs lets one thumbnail be made at a time on this node: decoding a
	// large photo takes a core for about 100 ms, and the job runner's
	// workers would otherwise take both cores from the uploads and sends
	// being answered.
	thumbs chan struct{}
	// sessionLocks serialise the requests on one upload session.
	sessionLocks keyLocks
}

// Job kinds.
const (
	JobLinkPreview = "media.link_preview"
	JobBlobGC      = "media.blob_gc"
	JobThumbnail   = "media.thumbnail"
)

// New returns the media service.
func New(c *chat.Service, step *Step, cfg Config) *Service {
	if cfg.Limits.Image == 0 {
		cfg.Limits.Image = 8 << 20
	}
	if cfg.Limits.Video == 0 {
		cfg.Limits.Video = 25 << 20
	}
	if cfg.Limits.File == 0 {
		cfg.Limits.File = 25 << 20
	}
	if cfg.UploadTTL == 0 {
		cfg.UploadTTL = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Sessions = cfg.Sessions.withDefaults()
	s := &Service{cfg: cfg, chat: c, step: step, log: cfg.Logger, thumbs: make(chan struct{}, 1)}
	if !cfg.RateLimitOff {
		s.searches = ratelimit.New(searchRate, searchBurst)
	}
	return s
}

// Limits are the upload limits in force.
func (s *Service) Limits() Limits { return s.cfg.Limits }

// RegisterJobs gives r the handlers of the media layer's durable jobs.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Handle(JobLinkPreview, jobs.Handler{MaxAttempts: 3, Run: s.linkPreview})
	r.Handle(JobBlobGC, jobs.Handler{Run: s.blobGC})
	// Deferrals (the node's one thumbnail slot was busy) count as attempts.
	r.Handle(JobThumbnail, jobs.Handler{MaxAttempts: 100, Run: s.makeThumbnail})
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// UploadParams describe an upload besides its bytes.
type UploadParams struct {
	Name string
	// ClientID makes the upload safe to retry: a second upload with the
	// same ClientID from the same account returns the first.
	ClientID string
	// DurationMS is the length the client measured (voice notes, videos).
	DurationMS int64
	// Waveform is a voice note's peaks (0-255) as the browser measured
	// them; kept for audio only.
	Waveform []int
}

// CleanName makes a file name safe to store and to offer back: the last
// path element, no control characters, bounded. Direction controls go too:
// "\u202egnp.exe" reads as "exe.png", a program dressed as a picture,
// wherever the name is shown and in the download's name.
func CleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || dm.IsBidiControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	return dm.Truncate(name, dm.MaxAttachmentName)
}

// Upload stores an uploaded file: data holds its bytes (the API reads at
// most Limits.Max()+1). The kind comes from sniffing; an image loses its
// metadata and gets its size (upright, from its header alone) before the
// answer, and its thumbnail after it, from a durable job enqueued with the
// upload's row. The blob is durable before the row that names it commits,
// and the row commits before Upload returns, so an acknowledged upload
// survives a crash, and so does the promise of its thumbnail.
func (s *Service) Upload(ctx context.Context, me *dm.Account, data []byte, p UploadParams) (*dm.Upload, bool, error) {
	if err := dm.ValidateClientID(p.ClientID); err != nil {
		return nil, false, err
	}
	if p.DurationMS < 0 || p.DurationMS > 24*3600*1000 {
		return nil, false, dm.Errorf(dm.EINVALID, "duration_ms must be between 0 and 86400000.")
	}
	if len(p.Waveform) > dm.MaxWaveform {
		return nil, false, dm.Errorf(dm.EINVALID, "waveform has at most %d peaks.", dm.MaxWaveform)
	}
	for _, v := range p.Waveform {
		if v < 0 || v > 255 {
			return nil, false, dm.Errorf(dm.EINVALID, "waveform peaks are between 0 and 255.")
		}
	}
	if p.ClientID != "" {
		var prev *dm.Upload
		err := s.chat.Store().View(ctx, func(tx dm.Tx) (err error) {
			prev, err = tx.UploadByClientID(ctx, me.ID, p.ClientID)
			return err
		})
		if err == nil {
			return prev, false, nil
		}
		if !dm.IsCode(err, dm.ENOTFOUND) {
			return nil, false, err
		}
	}
	if len(data) == 0 {
		return nil, false, dm.Errorf(dm.EINVALID, "The upload is empty.")
	}
	sn := sniff(data)
	if lim := s.cfg.Limits.of(sn.kind); int64(len(data)) > lim {
		return nil, false, dm.Errorf(dm.ETOOLARGE, "A %s may be at most %d bytes.", sn.kind, lim)
	}
	if err := s.checkQuota(ctx, nil, me.ID, int64(len(data))); err != nil {
		return nil, false, err
	}
	u := &dm.Upload{OwnerID: me.ID, ClientID: p.ClientID, CreatedAt: s.now()}
	u.ID, u.Kind, u.ContentType, u.Name = dm.NewID(), sn.kind, sn.contentType, CleanName(p.Name)
	if sn.kind == dm.AttachmentAudio || sn.kind == dm.AttachmentVideo {
		u.DurationMS = p.DurationMS
	}
	if sn.kind == dm.AttachmentAudio {
		u.Waveform = p.Waveform
	}
	thumb := false
	parts := [][]byte{data}
	if sn.kind == dm.AttachmentImage {
		w, h, pixelBytes, err := imageInfo(data, sn.contentType)
		if err != nil || w <= 0 || h <= 0 {
			return nil, false, dm.Errorf(dm.EINVALID, "The image could not be read.")
		}
		if w*h > maxPixels {
			return nil, false, dm.Errorf(dm.EINVALID, "The image is larger than %d pixels.", maxPixels)
		}
		orientation := 1
		if sn.contentType == "image/jpeg" {
			orientation = jpegOrientation(data)
		}
		if parts, err = stripParts(data, sn.contentType, orientation); err != nil {
			return nil, false, dm.Errorf(dm.EINVALID, "The image could not be read.")
		}
		u.Width, u.Height = w, h
		if orientation >= 5 { // turned a quarter: the upright image is h wide
			u.Width, u.Height = h, w
		}
		thumb = needsThumb(w, h, pixelBytes, sn.contentType)
	}
	// The stored bytes, in parts that share the upload's buffer (no copy
	// of a photo's image data), hashed and written in one pass each.
	h := sha256.New()
	readers := make([]io.Reader, len(parts))
	u.Size = 0
	for i, p := range parts {
		h.Write(p)
		u.Size += int64(len(p))
		readers[i] = bytes.NewReader(p)
	}
	u.BlobKey = hex.EncodeToString(h.Sum(nil))
	if err := s.cfg.Blobs.Put(ctx, u.BlobKey, io.MultiReader(readers...), u.Size); err != nil {
		return nil, false, err
	}
	err := s.chat.Store().Update(ctx, func(tx dm.Tx) error {
		if err := s.checkQuota(ctx, tx, me.ID, u.Size); err != nil {
			return err
		}
		if err := tx.InsertUpload(ctx, u); err != nil {
			return err
		}
		if !thumb {
			return nil
		}
		payload, err := json.Marshal(thumbJob{UploadID: u.ID})
		if err != nil {
			return err
		}
		_, err = tx.EnqueueJob(ctx, &dm.Job{Kind: JobThumbnail, Key: u.ID, Payload: payload})
		return err
	})
	if dm.IsCode(err, dm.ECONFLICT) && p.ClientID != "" {
		// A concurrent retry won: answer with its upload. The bytes are
		// the same blob (content-addressed), so nothing is left over.
		err = s.chat.Store().View(ctx, func(tx dm.Tx) (err error) {
			u, err = tx.UploadByClientID(ctx, me.ID, p.ClientID)
			return err
		})
		return u, false, err
	}
	if err != nil {
		// Nothing names the blob unless another upload shares it.
		if derr := s.dropBlobs(ctx, u.BlobKey); derr != nil {
			s.log.Error("media: dropping the blob of a refused upload", "err", derr)
		}
		return nil, false, err
	}
	u.Fill()
	return u, true, nil
}

// checkQuota refuses an upload of size bytes that would take ownerID past
// the quota: first before the bytes are stored (cheap, in a read), then
// again in the upload's own transaction, where concurrent uploads of one
// account are counted too (SQLite has one writer; on PostgreSQL two
// uploads that commit at the same instant may pass it together, by at
// most one upload).
func (s *Service) checkQuota(ctx context.Context, tx dm.Tx, ownerID string, size int64) error {
	if s.cfg.Quota <= 0 {
		return nil
	}
	var used int64
	count := func(tx dm.Tx) (err error) {
		used, err = tx.UploadedBytes(ctx, ownerID)
		return err
	}
	var err error
	if tx != nil {
		err = count(tx)
	} else {
		err = s.chat.Store().View(ctx, count)
	}
	if err != nil {
		return err
	}
	if used+size > s.cfg.Quota {
		return dm.Errorf(dm.EQUOTA, "Your storage is full: your files use %s of your %s, and this one needs %s more. Delete messages with files to make room.",
			mb(used), mb(s.cfg.Quota), mb(size))
	}
	return nil
}

// mb writes a byte count for people.
func mb(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// thumbJob is the payload of a JobThumbnail job.
type thumbJob struct {
	UploadID string `json:"upload_id"`
}

// makeThumbnail makes an image's thumbnail after its upload was
// acknowledged: decoded from the stored (stripped) blob, turned upright
// by its EXIF orientation, stored as a blob of its own, then recorded on
// the upload. An upload deleted meanwhile (collected, or its message
// deleted for everyone) gets none, and the thumbnail's blob goes with it.
func (s *Service) makeThumbnail(ctx context.Context, j *dm.Job) error {
	var p thumbJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var u *dm.Upload
	err := s.chat.Store().View(ctx, func(tx dm.Tx) (err error) {
		u, err = tx.Upload(ctx, p.UploadID)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	// Wait a little for the node's thumbnail slot; if another large photo
	// still holds it, come back later (a deferral, which never buries the
	// job) rather than spend this attempt's timeout waiting.
	wait := time.NewTimer(2 * time.Second)
	defer wait.Stop()
	select {
	case s.thumbs <- struct{}{}:
		defer func() { <-s.thumbs }()
	case <-wait.C:
		return jobs.RetryAt(s.now().Add(time.Second), errors.New("another thumbnail is being made"))
	case <-ctx.Done():
		return ctx.Err()
	}
	r, _, err := s.cfg.Blobs.Get(ctx, u.BlobKey)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return err
	}
	orientation := 1
	if u.ContentType == "image/jpeg" {
		orientation = jpegOrientation(data)
	}
	w, h := u.Width, u.Height
	if orientation >= 5 {
		w, h = h, w
	}
	thumb, err := thumbnail(data, w, h, orientation)
	if err != nil || thumb == nil {
		return err
	}
	k := key(thumb)
	if err := s.cfg.Blobs.Put(ctx, k, bytes.NewReader(thumb), int64(len(thumb))); err != nil {
		return err
	}
	var kept bool
	var msgID string
	if err := s.chat.Store().Update(ctx, func(tx dm.Tx) (err error) {
		if kept, err = tx.SetUploadThumb(ctx, u.ID, k); err != nil || !kept {
			return err
		}
		now, err := tx.Upload(ctx, u.ID)
		if err == nil {
			msgID = now.MessageID
		}
		return err
	}); err != nil {
		return err
	}
	if !kept {
		return s.dropBlobs(ctx, k)
	}
	if msgID == "" {
		return nil // not sent yet: the message will carry it
	}
	// Sent before its thumbnail was made: tell the members, as for a link
	// preview that arrives after the send.
	return s.chat.MessageUpdated(ctx, dm.EventMessagePreview, msgID, func(tx dm.Tx) (bool, error) {
		msg, err := tx.Message(ctx, msgID, "")
		if dm.IsCode(err, dm.ENOTFOUND) {
			return true, nil
		}
		return err == nil && msg.Deleted, err
	})
}

func key(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Open returns an attachment's bytes (its thumbnail if thumb) for me: the
// uploader before it is sent, the members of its conversation after (as
// long as the message is theirs to see). Anyone else gets ENOTFOUND, the
// same answer as for an id that does not exist.
func (s *Service) Open(ctx context.Context, me *dm.Account, id string, thumb bool) (*dm.Upload, io.ReadCloser, int64, error) {
	notFound := dm.Errorf(dm.ENOTFOUND, "No attachment %q.", dm.Truncate(id, 40))
	var u *dm.Upload
	err := s.chat.Store().View(ctx, func(tx dm.Tx) error {
		var err error
		if u, err = tx.Upload(ctx, id); err != nil {
			return err
		}
		if u.MessageID == "" {
			if u.OwnerID != me.ID {
				return notFound
			}
			return nil
		}
		m, err := tx.Membership(ctx, u.ConversationID, me.ID)
		if err != nil {
			return err
		}
		msg, err := tx.Message(ctx, u.MessageID, me.ID)
		if err != nil {
			return err
		}
		if msg.Deleted || msg.Seq <= m.ClearedSeq {
			return notFound
		}
		hidden, err := s.hidden(ctx, tx, msg, me.ID)
		if err != nil {
			return err
		}
		if hidden {
			return notFound
		}
		return nil
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, nil, 0, notFound
	}
	if err != nil {
		return nil, nil, 0, err
	}
	k := u.BlobKey
	if thumb {
		if u.ThumbKey == "" {
			return nil, nil, 0, notFound
		}
		k = u.ThumbKey
	}
	r, size, err := s.cfg.Blobs.Get(ctx, k)
	if err != nil {
		return nil, nil, 0, err
	}
	return u, r, size, nil
}

// hidden tells whether userID deleted msg for themself: the history page
// that ends at it leaves it out.
func (s *Service) hidden(ctx context.Context, tx dm.Tx, msg *dm.Message, userID string) (bool, error) {
	ms, err := tx.Messages(ctx, msg.ConversationID, userID, msg.Seq+1, 1)
	if err != nil {
		return false, err
	}
	return len(ms) == 0 || ms[0].ID != msg.ID, nil
}

// CollectGarbage deletes uploads that were never sent within UploadTTL,
// and their blobs when nothing else names them, and upload sessions whose
// time ran out, with their bytes; it returns how many of both.
func (s *Service) CollectGarbage(ctx context.Context) (int, error) {
	total, err := s.collectSessions(ctx)
	if err != nil {
		return total, err
	}
	for {
		var stale []dm.Upload
		err := s.chat.Store().Update(ctx, func(tx dm.Tx) error {
			var err error
			stale, err = tx.StaleUploads(ctx, s.now().Add(-s.cfg.UploadTTL), 100)
			if err != nil {
				return err
			}
			for _, u := range stale {
				if err := tx.DeleteUpload(ctx, u.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		for _, u := range stale {
			if err := s.dropBlobs(ctx, u.BlobKey, u.ThumbKey); err != nil {
				return total, err
			}
		}
		total += len(stale)
		if len(stale) < 100 || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// blobGCJob names blobs whose uploads were deleted.
type blobGCJob struct {
	Keys []string `json:"keys"`
}

func (s *Service) blobGC(ctx context.Context, j *dm.Job) error {
	var p blobGCJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	return s.dropBlobs(ctx, p.Keys...)
}

// dropBlobs deletes the blobs no upload names any more. Blobs are shared
// by content: the same photo sent twice is one blob, kept while either
// message keeps it.
func (s *Service) dropBlobs(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if k == "" {
			continue
		}
		var used bool
		err := s.chat.Store().View(ctx, func(tx dm.Tx) (err error) {
			used, err = tx.BlobInUse(ctx, k)
			return err
		})
		if err != nil {
			return err
		}
		if !used {
			if err := s.cfg.Blobs.Delete(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}
