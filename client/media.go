package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/parleyhq/parley/wire"
)

// Attachment is a file on a message; LinkPreview a link's card.
type (
	Attachment  = wire.Attachment
	LinkPreview = wire.LinkPreview
)

// UploadParams describe an upload besides its bytes.
type UploadParams struct {
	Name       string
	ClientID   string // makes the upload safe to retry
	DurationMS int64  // a voice note's or a video's length
}

// Upload sends a file; its id goes in SendParams.Attachments. created is
// false when the server answered a repeated ClientID with the first upload.
func (c *Client) Upload(ctx context.Context, data []byte, p UploadParams) (att *Attachment, created bool, err error) {
	q := url.Values{}
	if p.Name != "" {
		q.Set("name", p.Name)
	}
	if p.ClientID != "" {
		q.Set("client_id", p.ClientID)
	}
	if p.DurationMS != 0 {
		q.Set("duration_ms", strconv.FormatInt(p.DurationMS, 10))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/uploads?"+q.Encode(), bytes.NewReader(data))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.send(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	var out struct {
		Upload *Attachment `json:"upload"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, false, err
	}
	return out.Upload, resp.StatusCode == http.StatusCreated, nil
}

// Download fetches an attachment's bytes (path is its URL or thumbnail
// URL) with the response's headers.
func (c *Client) Download(ctx context.Context, path string) ([]byte, http.Header, error) {
	return c.DownloadRange(ctx, path, "")
}

// DownloadRange fetches part of an attachment: rng is a Range header such
// as "bytes=0-99" ("" for the whole file). A range no byte of the file
// satisfies is an *Error with status 416 (range_not_satisfiable).
func (c *Client) DownloadRange(ctx context.Context, path, rng string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := c.send(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.Header, err
}

// send authenticates req and turns a non-2xx answer into an *Error.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	return resp, nil
}

// SearchParams is a search across the caller's conversations.
type SearchParams struct {
	Q             string
	From          string // a sender's handle
	Conversation  string
	After, Before time.Time
	HasAttachment bool
	Cursor        string
	Limit         int
}

// SnippetPart is a piece of a result's snippet; Match marks a found word.
type SnippetPart = wire.SnippetPart

// SearchResult is one message found.
type SearchResult = wire.SearchResult

// Search finds messages, best first; next is "" on the last page.
func (c *Client) Search(ctx context.Context, p SearchParams) (results []SearchResult, next string, err error) {
	q := url.Values{"q": {p.Q}}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("from", p.From)
	set("conversation", p.Conversation)
	set("cursor", p.Cursor)
	if !p.After.IsZero() {
		q.Set("after", p.After.UTC().Format(time.RFC3339))
	}
	if !p.Before.IsZero() {
		q.Set("before", p.Before.UTC().Format(time.RFC3339))
	}
	if p.HasAttachment {
		q.Set("has", "attachment")
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	var out struct {
		Results []SearchResult `json:"results"`
		Next    string         `json:"next_cursor"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/search?"+q.Encode(), nil, &out); err != nil {
		return nil, "", err
	}
	return out.Results, out.Next, nil
}
