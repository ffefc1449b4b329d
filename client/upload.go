package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley/wire"
)

// UploadSession is a resumable upload in progress.
type UploadSession = wire.UploadSession

// CreateUploadSession starts a resumable upload of size bytes. created is
// false when the server answered a repeated ClientID with the session it
// made first (its Offset says how much it holds).
func (c *Client) CreateUploadSession(ctx context.Context, size int64, p UploadParams) (sess *UploadSession, created bool, err error) {
	in := map[string]any{"size": size}
	if p.Name != "" {
		in["name"] = p.Name
	}
	if p.ClientID != "" {
		in["client_id"] = p.ClientID
	}
	if p.DurationMS != 0 {
		in["duration_ms"] = p.DurationMS
	}
	var out struct {
		Session *UploadSession `json:"upload_session"`
	}
	status, err := c.call(ctx, http.MethodPost, "/api/v1/uploads/sessions", in, &out)
	if err != nil {
		return nil, false, err
	}
	return out.Session, status == http.StatusCreated, nil
}

// UploadSessionStatus reads a session: its Offset is where the next chunk
// starts.
func (c *Client) UploadSessionStatus(ctx context.Context, id string) (*UploadSession, error) {
	var out struct {
		Session *UploadSession `json:"upload_session"`
	}
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/uploads/sessions/%s", id), nil, &out); err != nil {
		return nil, err
	}
	return out.Session, nil
}

// UploadChunk sends chunk at offset, the number of bytes the session
// holds. The answer's Upload is set once the file is complete.
func (c *Client) UploadChunk(ctx context.Context, id string, offset int64, chunk []byte) (*UploadSession, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, c.base+pathf("/api/v1/uploads/sessions/%s", id), bytes.NewReader(chunk))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Session *UploadSession `json:"upload_session"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	return out.Session, nil
}

// CancelUploadSession drops a session and the bytes it holds.
func (c *Client) CancelUploadSession(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/uploads/sessions/%s", id), nil, nil)
	return err
}

// ResumableParams tune UploadResumable.
type ResumableParams struct {
	UploadParams
	// ChunkSize is the size of each chunk (default 4 MB, at most the
	// server's max_chunk).
	ChunkSize int64
	// Retries is how many failed requests in a row are retried, each
	// after reading back the session's offset (default 5).
	Retries int
	// Progress, if set, is called with the bytes the server holds after
	// each chunk.
	Progress func(sent, total int64)
}

// UploadResumable sends a file through an upload session, chunk by chunk.
// A request that fails (a dropped connection, a 5xx, a conflict over the
// offset) is retried from the offset the server reports, so only the
// chunk in flight is sent again. Without a ClientID one is made, so a
// retried create finds the same session. It returns the finished upload.
func (c *Client) UploadResumable(ctx context.Context, data io.ReaderAt, size int64, p ResumableParams) (*Attachment, error) {
	if p.ClientID == "" {
		var b [12]byte
		rand.Read(b[:])
		p.ClientID = "resumable-" + hex.EncodeToString(b[:])
	}
	if p.Retries <= 0 {
		p.Retries = 5
	}
	var sess *UploadSession
	var err error
	failures := 0
	retry := func(err error) error {
		// Client errors other than an offset conflict will not get better.
		if st := ErrorStatus(err); st >= 400 && st < 500 && st != http.StatusConflict && st != http.StatusRequestTimeout {
			return err
		}
		if failures++; failures > p.Retries {
			return fmt.Errorf("upload: giving up after %d failures: %w", failures, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(failures*failures) * 100 * time.Millisecond):
		}
		return nil
	}
	for sess == nil {
		if sess, _, err = c.CreateUploadSession(ctx, size, p.UploadParams); err != nil {
			if err := retry(err); err != nil {
				return nil, err
			}
		}
	}
	chunk := p.ChunkSize
	if chunk <= 0 {
		chunk = 4 << 20
	}
	chunk = min(chunk, max(sess.MaxChunk, 1))
	buf := make([]byte, min(chunk, size))
	for sess.Upload == nil {
		if p.Progress != nil {
			p.Progress(sess.Offset, size)
		}
		n := min(chunk, size-sess.Offset)
		if _, err := data.ReadAt(buf[:n], sess.Offset); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		next, err := c.UploadChunk(ctx, sess.ID, sess.Offset, buf[:n])
		if err == nil {
			sess, failures = next, 0
			continue
		}
		if err := retry(err); err != nil {
			return nil, err
		}
		// Where to go on from: what the server holds now.
		for {
			now, serr := c.UploadSessionStatus(ctx, sess.ID)
			if serr == nil {
				sess = now
				break
			}
			if err := retry(serr); err != nil {
				return nil, err
			}
		}
	}
	if p.Progress != nil {
		p.Progress(size, size)
	}
	return sess.Upload, nil
}
