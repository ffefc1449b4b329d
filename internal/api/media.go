package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/media"
	"github.com/parleyhq/parley/wire"
)

// uploadPath is the one route whose body may be larger than maxBody.
const uploadPath = "/api/v1/uploads"

// sessionsPath is the prefix of the resumable upload sessions, whose
// chunks may be larger than maxBody too.
const sessionsPath = "/api/v1/uploads/sessions/"

// bodyLimit is the largest body a request may have.
func (a *API) bodyLimit(r *http.Request) int64 {
	if a.media != nil {
		if r.URL.Path == uploadPath {
			return a.media.Limits().Max()
		}
		if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, sessionsPath) {
			return a.media.SessionLimits().Chunk
		}
	}
	if isImportPath(r) {
		return maxImportBody
	}
	return maxBody
}

// withMedia answers 404 when the API was built without the media layer
// (tests of other parts build it so).
func (a *API) withMedia(fn func(http.ResponseWriter, *http.Request, *Auth)) func(http.ResponseWriter, *http.Request, *Auth) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		if a.media == nil {
			a.error(w, r, errNoRoute)
			return
		}
		fn(w, r, au)
	}
}

// upload takes a file as the raw request body: POST /api/v1/uploads?name=
// &client_id=&duration_ms=. Its type is sniffed from the bytes; the
// request's Content-Type is ignored. 201 with the upload, 200 for a retry
// of a client_id already used, 413 for a body over the limit (nothing is
// kept).
func (a *API) upload(w http.ResponseWriter, r *http.Request, au *Auth) {
	q := r.URL.Query()
	name, clientID, dur, wave := q.Get("name"), q.Get("client_id"), q.Get("duration_ms"), q.Get("waveform")
	if len(name) > 1000 || len(dur) > 12 || len(wave) > 4*dm.MaxWaveform {
		a.error(w, r, dm.Errorf(dm.EINVALID, "name, duration_ms or waveform is too long."))
		return
	}
	var peaks []int
	if wave != "" {
		if peaks = dm.ParseWaveform(wave); peaks == nil {
			a.error(w, r, dm.Errorf(dm.EINVALID, "waveform is comma-separated whole numbers of 0-255."))
			return
		}
	}
	var ms int64
	if dur != "" {
		var err error
		if ms, err = strconv.ParseInt(dur, 10, 64); err != nil {
			a.error(w, r, dm.Errorf(dm.EINVALID, "duration_ms is a whole number of milliseconds."))
			return
		}
	}
	lim := a.media.Limits().Max()
	if r.ContentLength > lim {
		a.error(w, r, dm.Errorf(dm.ETOOLARGE, "An upload may be at most %d bytes.", lim))
		return
	}
	// Read into one buffer of the announced size: growing a slice to 5 MB
	// copies it a dozen times.
	buf := bytes.NewBuffer(make([]byte, 0, max(0, min(r.ContentLength, lim))+bytes.MinRead))
	_, err := buf.ReadFrom(r.Body)
	data := buf.Bytes()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.error(w, r, dm.Errorf(dm.ETOOLARGE, "An upload may be at most %d bytes.", lim))
			return
		}
		a.error(w, r, dm.Errorf(dm.EINVALID, "The upload could not be read."))
		return
	}
	u, created, err := a.media.Upload(r.Context(), au.Account, data, media.UploadParams{Name: name, ClientID: clientID, DurationMS: ms, Waveform: peaks})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeMaybeCreated(w, created, "upload", u.Attachment)
}

// attachment serves an attachment's bytes (or its thumbnail) to those who
// may see it, 404 to anyone else. Headers make sure a browser never runs
// an upload: the sniffed type, nosniff, a sandboxing CSP, and a download
// (Content-Disposition: attachment) for everything but images, audio and
// video of the listed types. Blobs are immutable, so clients may cache
// them privately.
func (a *API) attachment(thumb bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
		u, body, size, err := a.media.Open(r.Context(), au.Account, id, thumb)
		if err != nil {
			a.error(w, r, err)
			return
		}
		defer body.Close()
		h := w.Header()
		ct, disp := u.ContentType, "attachment"
		switch {
		case thumb:
			ct, disp = "image/jpeg", "inline"
		case u.Kind == dm.AttachmentImage || u.Kind == dm.AttachmentAudio || u.Kind == dm.AttachmentVideo:
			disp = "inline"
		}
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": u.Name}))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "private, max-age=31536000, immutable")
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		if rs, ok := body.(io.ReadSeeker); ok {
			// Range requests, so audio and video players can seek.
			h.Del("Content-Length")
			http.ServeContent(&rangeRefusal{ResponseWriter: w, a: a, r: r, size: size}, r, "", u.CreatedAt, rs)
			return
		}
		w.WriteHeader(http.StatusOK)
		io.Copy(w, body)
	}
}

// rangeRefusal turns the plain-text 416 of http.ServeContent (a Range none
// of whose bytes exist, or one it cannot read) into the API's error
// envelope, like any other bad input, without the download's headers: it
// is not the file, and nothing may cache it as the file. The Content-Range
// ServeContent sets (bytes */size) stays.
type rangeRefusal struct {
	http.ResponseWriter
	a       *API
	r       *http.Request
	size    int64
	refused bool
}

func (w *rangeRefusal) WriteHeader(code int) {
	if code != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.refused = true
	w.Header().Del("Content-Disposition")
	w.a.error(w.ResponseWriter, w.r, dm.Errorf(dm.ERANGE, "Range: no byte of the requested ranges exists; the file has %d bytes (bytes=0-%d is all of it).", w.size, max(w.size-1, 0)))
}

// Unwrap lets http.ResponseController reach the connection.
func (w *rangeRefusal) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Write drops ServeContent's own text after a refusal.
func (w *rangeRefusal) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// uploadSessionRequest starts a resumable upload.
type uploadSessionRequest struct {
	Size       int64  `json:"size"`
	Name       string `json:"name"`
	ClientID   string `json:"client_id"`
	DurationMS int64  `json:"duration_ms"`
	Waveform   []int  `json:"waveform"`
}

// createUploadSession starts a resumable upload: POST
// /api/v1/uploads/sessions {size, name?, client_id?, duration_ms?,
// waveform?}. 201 with the session, 200 for a client_id already used.
func (a *API) createUploadSession(w http.ResponseWriter, r *http.Request, au *Auth) {
	var req uploadSessionRequest
	if err := decode(r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	if len(req.Name) > 1000 {
		a.error(w, r, dm.Errorf(dm.EINVALID, "name is too long."))
		return
	}
	sess, created, err := a.media.CreateSession(r.Context(), au.Account, media.SessionParams{Size: req.Size,
		UploadParams: media.UploadParams{Name: req.Name, ClientID: req.ClientID, DurationMS: req.DurationMS, Waveform: req.Waveform}})
	a.writeUploadSession(w, r, sess, created, err)
}

// uploadSession tells how many bytes a session holds (GET, and HEAD for
// the Upload-Offset header alone).
func (a *API) uploadSession(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	sess, err := a.media.Session(r.Context(), au.Account, id)
	a.writeUploadSession(w, r, sess, false, err)
}

// uploadChunk appends the body to a session at the Upload-Offset header:
// 200 with the session, 201 with the session and its upload when this
// chunk completed the file.
func (a *API) uploadChunk(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	h := r.Header.Get("Upload-Offset")
	offset, err := strconv.ParseInt(h, 10, 64)
	if err != nil || offset < 0 {
		a.error(w, r, dm.Errorf(dm.EINVALID, "Upload-Offset is a header with the number of bytes the session holds (GET the session to read it)."))
		return
	}
	if lim := a.media.SessionLimits().Chunk; r.ContentLength > lim {
		a.error(w, r, dm.Errorf(dm.ETOOLARGE, "A chunk may be at most %d bytes.", lim))
		return
	}
	sess, created, err := a.media.WriteChunk(r.Context(), au.Account, id, offset, r.Body)
	a.writeUploadSession(w, r, sess, created, err)
}

// cancelUploadSession drops a session and the bytes it holds.
func (a *API) cancelUploadSession(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	a.noContent(w, r, a.media.CancelSession(r.Context(), au.Account, id))
}

func (a *API) writeUploadSession(w http.ResponseWriter, r *http.Request, sess *media.UploadSession, created bool, err error) {
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.UploadSession{ID: sess.ID, Name: sess.Name, Size: sess.Size, Offset: sess.Offset,
		MaxChunk: a.media.SessionLimits().Chunk, ExpiresAt: sess.ExpiresAt}
	if sess.Upload != nil {
		att := wire.Attachment(sess.Upload.Attachment)
		out.Upload = &att
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(sess.Offset, 10))
	writeMaybeCreated(w, created, "upload_session", out)
}
