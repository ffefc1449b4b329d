package wire

import "time"

// The resumable upload endpoints' types (/api/v1/uploads/sessions).

// UploadSession is a resumable upload in progress: the client sends the
// file's bytes in chunks, each at the offset the session holds, and asks
// the session for that offset after a dropped connection.
type UploadSession struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Size is the file's size in bytes, declared when the session began.
	Size int64 `json:"size"`
	// Offset is how many bytes the session holds, durably: the next chunk
	// starts there.
	Offset int64 `json:"offset"`
	// MaxChunk is the largest chunk one request may carry.
	MaxChunk int64 `json:"max_chunk"`
	// ExpiresAt is when the session is deleted unless a chunk arrives
	// first (each chunk moves it on).
	ExpiresAt time.Time `json:"expires_at"`
	// Upload is the finished upload, once the last chunk arrived: the
	// same object POST /api/v1/uploads answers, to attach to a message.
	Upload *Attachment `json:"upload,omitempty"`
}
