// Package client is a Go client of the Parley HTTP API and its WebSocket
// event stream (see API.md). Integrators import it; Parley's own end-to-end
// tests and benchmark use it too, so it stays small and close to the wire.
//
// A Client is safe for concurrent use. Every method takes a context first and
// returns an *Error when the server answers with a non-2xx status:
//
//	c := client.New("https://parley.example")
//	if _, _, err := c.Login(ctx, "ada", "correct horse"); err != nil {
//		return err
//	}
//	conv, _, err := c.CreateConversation(ctx, []string{"grace"}, "")
//	...
//	msg, _, err := c.Send(ctx, conv.ID, client.SendParams{Text: "hello", ClientID: "k1"})
//
// The types of the answers are those of package wire, which the server
// encodes, so there is exactly one definition of each.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/wire"
)

// The wire types, shared with the server (package wire).
type (
	Account      = wire.Account
	Settings     = wire.Settings
	Profile      = wire.Profile
	Member       = wire.Member
	Conversation = wire.Conversation
	FolderCounts = wire.FolderCounts
	Message      = wire.Message
	Reaction     = wire.Reaction
	Event        = wire.Event
)

// Error is a non-2xx answer of the server. Code is the API's snake_case error
// code (for example "not_found" or "rate_limited"), Message its human text.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter is the server's Retry-After header on 429 answers.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("parley: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrorStatus returns the HTTP status of err when it is an *Error, and 0 otherwise.
func ErrorStatus(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Client talks to one Parley server as one account (or none, before Login).
type Client struct {
	base string
	http *http.Client

	mu    sync.RWMutex
	token string

	// onFrame sees every text frame of an event stream (WithFrameHook).
	onFrame func([]byte)
}

// Option configures a Client.
type Option func(*Client)

// WithToken authenticates every request with a session token obtained earlier.
func WithToken(token string) Option {
	return func(c *Client) { c.token = token }
}

// WithHTTPClient replaces http.DefaultClient, for timeouts, proxies or
// connection pool tuning.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) { c.http = h }
}

// WithFrameHook calls f with every text frame an event stream receives,
// before it is decoded, from the stream's read loop (f must not block). It
// is for logging and for checking frames against the API document, as
// Parley's end-to-end tests do.
func WithFrameHook(f func(frame []byte)) Option {
	return func(c *Client) { c.onFrame = f }
}

// New returns a client of the server at baseURL (for example
// "http://127.0.0.1:8080"; a trailing slash is ignored).
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the server address the client was made for.
func (c *Client) BaseURL() string { return c.base }

// Token returns the session token the client sends ("" when logged out).
func (c *Client) Token() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token
}

// SetToken replaces the session token.
func (c *Client) SetToken(token string) {
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
}

// Do sends one request with a raw body (nil for none) and decodes a 2xx JSON
// answer into out (when out is not nil). It returns the HTTP status; for a
// non-2xx answer the error is an *Error. The typed methods are built on it,
// and it reaches endpoints this package does not wrap yet.
func (c *Client) Do(ctx context.Context, method, path string, body io.Reader, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		// Drain so that the connection is reused.
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("parley: decoding the answer of %s %s: %w", method, path, err)
	}
	return resp.StatusCode, nil
}

// call marshals in (when not nil) as the JSON body of a request.
func (c *Client) call(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	return c.Do(ctx, method, path, body, out)
}

// decodeError turns a non-2xx answer into an *Error. A body without the
// error envelope (a proxy's HTML page, say) still gives an *Error with the
// status, so callers can always switch on Status.
func decodeError(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &env) == nil && env.Error.Code != "" {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	} else {
		e.Message = strings.TrimSpace(string(b))
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		e.RetryAfter = parseRetryAfter(s, time.Now())
	}
	return e
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(s string, now time.Time) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(s); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// pathf builds a path, escaping each argument as one path segment.
func pathf(format string, args ...string) string {
	esc := make([]any, len(args))
	for i, a := range args {
		esc[i] = url.PathEscape(a)
	}
	return fmt.Sprintf(format, esc...)
}

// query encodes the non-empty values of kv (key, value, key, value ...).
func query(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// limitString renders a page size; 0 leaves the server's default.
func limitString(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}
