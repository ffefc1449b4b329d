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
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
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
	// UploadTTL is how long an upload may wait to be sent before it is
	// collected (default 24 h).
	UploadTTL time.Duration
	// Fetch fetches link previews; it must be a safehttp client (the
	// server builds one; tests give one with a test resolver).
	Fetch  *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// Service is the media layer. Build the Step first (NewStep), give it to
// chat.Config.Steps, then New the service over the chat service.
type Service struct {
	cfg  Config
	chat *chat.Service
	step *Step
	log  *slog.Logger
}

// Job kinds.
const (
	JobLinkPreview = "media.link_preview"
	JobBlobGC      = "media.blob_gc"
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
	return &Service{cfg: cfg, chat: c, step: step, log: cfg.Logger}
}

// Limits are the upload limits in force.
func (s *Service) Limits() Limits { return s.cfg.Limits }

// RegisterJobs gives r the handlers of the media layer's durable jobs.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Handle(JobLinkPreview, jobs.Handler{MaxAttempts: 3, Run: s.linkPreview})
	r.Handle(JobBlobGC, jobs.Handler{Run: s.blobGC})
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
}

// CleanName makes a file name safe to store and to offer back: the last
// path element, no control characters, bounded.
func CleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
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
// metadata and gets its size and a thumbnail; the blobs are durable before
// the row that names them commits, and the row commits before Upload
// returns, so an acknowledged upload survives a crash.
func (s *Service) Upload(ctx context.Context, me *dm.Account, data []byte, p UploadParams) (*dm.Upload, bool, error) {
	if err := dm.ValidateClientID(p.ClientID); err != nil {
		return nil, false, err
	}
	if p.DurationMS < 0 || p.DurationMS > 24*3600*1000 {
		return nil, false, dm.Errorf(dm.EINVALID, "duration_ms must be between 0 and 86400000.")
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
	u := &dm.Upload{OwnerID: me.ID, ClientID: p.ClientID, CreatedAt: s.now()}
	u.ID, u.Kind, u.ContentType, u.Name = dm.NewID(), sn.kind, sn.contentType, CleanName(p.Name)
	if sn.kind == dm.AttachmentAudio || sn.kind == dm.AttachmentVideo {
		u.DurationMS = p.DurationMS
	}
	var thumb []byte
	if sn.kind == dm.AttachmentImage {
		w, h, err := imageInfo(data, sn.contentType)
		if err != nil || w <= 0 || h <= 0 {
			return nil, false, dm.Errorf(dm.EINVALID, "The image could not be read.")
		}
		if w*h > maxPixels {
			return nil, false, dm.Errorf(dm.EINVALID, "The image is larger than %d pixels.", maxPixels)
		}
		u.Width, u.Height = w, h
		if data, err = stripMetadata(data, sn.contentType); err != nil {
			return nil, false, dm.Errorf(dm.EINVALID, "The image could not be read.")
		}
		if thumb, err = thumbnail(data, w, h); err != nil {
			return nil, false, err
		}
	}
	u.Size = int64(len(data))
	u.BlobKey = key(data)
	if err := s.cfg.Blobs.Put(ctx, u.BlobKey, bytes.NewReader(data), u.Size); err != nil {
		return nil, false, err
	}
	if thumb != nil {
		u.ThumbKey = key(thumb)
		if err := s.cfg.Blobs.Put(ctx, u.ThumbKey, bytes.NewReader(thumb), int64(len(thumb))); err != nil {
			return nil, false, err
		}
	}
	err := s.chat.Store().Update(ctx, func(tx dm.Tx) error { return tx.InsertUpload(ctx, u) })
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
		return nil, false, err
	}
	u.Fill()
	return u, true, nil
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
// and their blobs when nothing else names them; it returns how many.
func (s *Service) CollectGarbage(ctx context.Context) (int, error) {
	total := 0
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
