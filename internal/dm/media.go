package dm

import (
	"context"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file holds media (attachments and link previews) and search: the
// types that travel on messages, what a store keeps for them (MediaTx,
// SearchTx), and Blobs, the seam where attachment bytes live (local disk or
// S3-compatible storage, internal/blobs).

// Attachment kinds, decided by sniffing the bytes.
const (
	AttachmentImage = "image"
	AttachmentVideo = "video"
	AttachmentAudio = "audio"
	AttachmentFile  = "file"
)

// MaxAttachments is how many attachments one message carries.
const MaxAttachments = 10

// MaxAttachmentName bounds a file name as given by the uploader.
const MaxAttachmentName = 200

// Attachment is a file on a message, as members see it. URL and
// ThumbnailURL are API paths that only the conversation's members may read.
type Attachment struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	// Width and Height are an image's pixel size, so a chat lays out
	// before the bytes arrive.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// DurationMS is the length the uploader declared for a voice note or a
	// video (the server does not decode audio or video).
	DurationMS int64 `json:"duration_ms,omitempty"`
	// Waveform is a voice note's loudness over its length: up to
	// MaxWaveform peaks of 0-255, measured by the uploader's browser from
	// the recording and drawn by the player.
	Waveform     []int  `json:"waveform,omitempty"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
}

// MaxWaveform is how many peaks a waveform has at most.
const MaxWaveform = 100

// Upload is an uploaded file: owned by its uploader until a message of
// theirs carries it, then readable by that conversation's members.
type Upload struct {
	Attachment
	OwnerID  string
	ClientID string
	// BlobKey and ThumbKey name the content-addressed blobs (hex SHA-256)
	// of the file and of its thumbnail ("" when none).
	BlobKey  string
	ThumbKey string
	// MessageID and ConversationID are "" until the upload is attached.
	MessageID      string
	ConversationID string
	Position       int
	CreatedAt      time.Time
}

// FormatWaveform and ParseWaveform store a waveform as comma-separated
// peaks.
func FormatWaveform(w []int) string {
	b := make([]byte, 0, 4*len(w))
	for i, v := range w {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(b)
}

// ParseWaveform reads what FormatWaveform wrote ("" is no waveform).
func ParseWaveform(s string) []int {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}

// Fill sets the attachment's URLs from its id.
func (u *Upload) Fill() {
	u.URL = "/api/v1/attachments/" + u.ID
	u.ThumbnailURL = ""
	if u.ThumbKey != "" {
		u.ThumbnailURL = u.URL + "/thumbnail"
	}
}

// LinkPreview is the card of the first link of a message: what the page
// says of itself (its title, description and image).
type LinkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	SiteName    string `json:"site_name,omitempty"`
	// Image is the page's image URL (og:image), absolute, http or https.
	Image string `json:"image,omitempty"`
}

// EventMessagePreview carries a message whose link preview arrived after
// it was sent (an extension of the API's list of events).
const EventMessagePreview = "message.preview"

// MediaTx is the media part of a transaction.
type MediaTx interface {
	// InsertUpload stores a new upload (ECONFLICT when its owner already
	// used its ClientID).
	InsertUpload(ctx context.Context, u *Upload) error
	// Upload returns one upload (ENOTFOUND if none).
	Upload(ctx context.Context, id string) (*Upload, error)
	// UploadByClientID finds an owner's upload by its client id.
	UploadByClientID(ctx context.Context, ownerID, clientID string) (*Upload, error)
	// ClaimUpload puts an upload on a message at a position, in one
	// statement, if it is owner's or owner2's ("" for none) and on no
	// message yet, and returns it as attached; ENOTFOUND otherwise (no
	// such upload, someone else's, or already sent). A send's only write
	// for each attachment.
	ClaimUpload(ctx context.Context, id, owner, owner2, messageID, conversationID string, position int) (*Upload, error)
	// MessageAttachments returns the uploads attached to each message, in
	// position order, for the messages that have any.
	MessageAttachments(ctx context.Context, messageIDs []string) (map[string][]Upload, error)
	// DeleteMessageUploads deletes the uploads of a message and returns them.
	DeleteMessageUploads(ctx context.Context, messageID string) ([]Upload, error)
	// StaleUploads returns at most limit uploads never attached and created
	// before before, oldest first.
	StaleUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error)
	DeleteUpload(ctx context.Context, id string) error
	// SetUploadThumb records an upload's thumbnail, made after the upload
	// was acknowledged; false when the upload is gone.
	SetUploadThumb(ctx context.Context, id, thumbKey string) (bool, error)
	// UploadedBytes is the size of everything ownerID uploaded that is
	// still kept (sent or waiting to be), for the storage quota.
	UploadedBytes(ctx context.Context, ownerID string) (int64, error)
	// BlobInUse reports whether any upload still names key (as its file or
	// its thumbnail), so that a shared content-addressed blob is kept.
	BlobInUse(ctx context.Context, key string) (bool, error)

	// PutLinkPreview caches the preview of a URL, fetched at.
	PutLinkPreview(ctx context.Context, p *LinkPreview, at time.Time) error
	// LinkPreview returns a cached preview and when it was fetched.
	LinkPreview(ctx context.Context, url string) (*LinkPreview, time.Time, error)
	// SetMessagePreview records that a message shows the preview of url.
	SetMessagePreview(ctx context.Context, messageID, url string) error
	// MessagePreviews returns the previews of the messages that have one.
	MessagePreviews(ctx context.Context, messageIDs []string) (map[string]*LinkPreview, error)
}

// SearchQuery is a search across one user's conversations.
type SearchQuery struct {
	UserID string
	// Terms are the words to find; phrases are words that must follow each
	// other. At least one of the two.
	Words   []string
	Phrases [][]string
	// Filters (zero: none).
	SenderID       string
	ConversationID string
	After, Before  time.Time
	HasAttachment  bool
	Offset, Limit  int
}

// SnippetMark opens and closes a found word in a SearchHit's snippet: the
// API turns the marked text into parts, so no markup ever travels. They
// are private-use characters, which a message may hold: a store takes
// them out of the text it marks (StripSnippetMarks), so that a sender
// cannot plant marks that show words as found in the searcher's results.
const (
	SnippetOpen  = "\ue000"
	SnippetClose = "\ue001"
)

var snippetMarks = strings.NewReplacer(SnippetOpen, "", SnippetClose, "")

// StripSnippetMarks removes SnippetOpen and SnippetClose from s.
func StripSnippetMarks(s string) string {
	if !strings.Contains(s, SnippetOpen) && !strings.Contains(s, SnippetClose) {
		return s
	}
	return snippetMarks.Replace(s)
}

// SearchHit is one message found, with its snippet.
type SearchHit struct {
	Message Message
	Snippet string
	Rank    float64
}

// SearchTx is the search part of a transaction.
type SearchTx interface {
	// SearchMessages finds messages of the conversations q.UserID is a
	// member of now, best first: never a deleted message, never the text
	// a message had before an edit, never a message the user hid or
	// cleared.
	SearchMessages(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// SearchCatcher is implemented by a store that indexes messages for search
// after it has acknowledged them (the SQLite store: see its
// searchqueue.go). CatchUpSearch returns once every message stored by an
// Update that returned before the call is indexed, so a search that calls
// it first, before its View, finds what its caller sent. A store without
// it indexes in the send's own transaction.
type SearchCatcher interface {
	CatchUpSearch(ctx context.Context) error
}

// Blobs keeps attachment bytes by key. Keys are content addresses (hex
// SHA-256), so Put of a key already kept keeps the bytes already there.
// Two implementations pass the conformance suite in internal/blobs:
// local disk and S3-compatible storage.
type Blobs interface {
	// Put stores size bytes from r under key; it returns once they are
	// durable (fsynced, or acknowledged by the object store).
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens a blob (ENOTFOUND if none) and returns its size.
	Get(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// Delete removes a blob; deleting one that is gone is not an error.
	Delete(ctx context.Context, key string) error
}

// lowerTerms is the query's terms in lower case: each word a term of one
// token, each phrase a term of its tokens in order.
func (q SearchQuery) lowerTerms() [][]string {
	terms := make([][]string, 0, len(q.Words)+len(q.Phrases))
	for _, w := range q.Words {
		terms = append(terms, []string{strings.ToLower(w)})
	}
	for _, p := range q.Phrases {
		t := make([]string, len(p))
		for i, w := range p {
			t[i] = strings.ToLower(w)
		}
		terms = append(terms, t)
	}
	return terms
}

// RankBM25 scores each candidate's text (texts[id]) for q's words and
// phrases with BM25 (k1 = 1.2, b = 0.75), taking document frequencies and
// the average length from the candidates themselves: a store ranks the
// few hundred matches of one user's conversations, and the whole store's
// statistics would cost a pass over every match of every term. Words are
// split and folded as the stores' tokenizers do (letters and digits,
// lower case). Every candidate holds every term, so what ranks them is
// how often each term occurs and how long the message is.
func RankBM25[K comparable](q SearchQuery, ids []K, texts map[K]string) []float64 {
	const k1, b = 1.2, 0.75
	terms := q.lowerTerms()
	tf := make([][]int, len(ids))
	lens := make([]int, len(ids))
	df := make([]int, len(terms))
	total := 0
	for i, id := range ids {
		toks := strings.FieldsFunc(strings.ToLower(texts[id]), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
		lens[i] = len(toks)
		total += len(toks)
		tf[i] = make([]int, len(terms))
		for k, t := range terms {
			for j := 0; j+len(t) <= len(toks); j++ {
				if slices.Equal(toks[j:j+len(t)], t) {
					tf[i][k]++
				}
			}
			if tf[i][k] > 0 {
				df[k]++
			}
		}
	}
	n := float64(len(ids))
	avg := max(1, float64(total)/max(1, n))
	scores := make([]float64, len(ids))
	for i := range ids {
		for k := range terms {
			f := float64(tf[i][k])
			idf := math.Log(1 + (n-float64(df[k])+0.5)/(float64(df[k])+0.5))
			scores[i] += idf * f * (k1 + 1) / (f + k1*(1-b+b*float64(lens[i])/avg))
		}
	}
	return scores
}

// Snippet is a window of at most n words of text around the most of q's
// words and phrases, found words marked with SnippetOpen and SnippetClose
// and "…" where the text was cut, as FTS5's snippet() makes one, from
// the text the store read already (asking FTS5 for it seeks into the
// index again for every result). Words are split and folded as in
// RankBM25.
func Snippet(q SearchQuery, text string, n int) string {
	text = StripSnippetMarks(text)
	type span struct{ lo, hi int }
	var toks []span
	var words []string
	start := -1
	for i, r := range text {
		in := unicode.IsLetter(r) || unicode.IsNumber(r)
		if in && start < 0 {
			start = i
		}
		if !in && start >= 0 {
			toks, words = append(toks, span{start, i}), append(words, strings.ToLower(text[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		toks, words = append(toks, span{start, len(text)}), append(words, strings.ToLower(text[start:]))
	}
	if len(toks) == 0 {
		return text
	}
	terms := q.lowerTerms()
	// hit[i]: token i is part of a match; term[i]: the term matched at i.
	hit := make([]bool, len(words))
	termAt := make([]int, len(words))
	for i := range termAt {
		termAt[i] = -1
	}
	for k, t := range terms {
		for j := 0; j+len(t) <= len(words); j++ {
			if slices.Equal(words[j:j+len(t)], t) {
				termAt[j] = k
				for x := j; x < j+len(t); x++ {
					hit[x] = true
				}
			}
		}
	}
	from, to := 0, len(toks)
	if len(toks) > n {
		// The window with the most distinct terms (the earliest of
		// equals), moved back a little so that its first match has
		// some words before it.
		best, bestAt := -1, 0
		for s := 0; s+n <= len(toks); s++ {
			seen := map[int]bool{}
			for i := s; i < s+n; i++ {
				if termAt[i] >= 0 {
					seen[termAt[i]] = true
				}
			}
			if len(seen) > best {
				best, bestAt = len(seen), s
			}
		}
		first := bestAt
		for first < bestAt+n && !hit[first] {
			first++
		}
		from = max(0, min(len(toks)-n, first-n/4))
		if first == bestAt+n {
			from = 0
		}
		to = from + n
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := 0
	if from > 0 {
		pos = toks[from].lo
	}
	for i := from; i < to; i++ {
		b.WriteString(text[pos:toks[i].lo])
		if hit[i] {
			b.WriteString(SnippetOpen + text[toks[i].lo:toks[i].hi] + SnippetClose)
		} else {
			b.WriteString(text[toks[i].lo:toks[i].hi])
		}
		pos = toks[i].hi
	}
	if to < len(toks) {
		b.WriteString("…")
	} else {
		b.WriteString(text[pos:])
	}
	return b.String()
}
