// Package xrpc is Parley's Bluesky-compatible surface: the chat.bsky.convo.*
// methods over XRPC (https://atproto.com/specs/xrpc), with the
// com.atproto.server session calls that clients log in with, so that clients
// written for Bluesky chat (the official Go client included) work against a
// self-hosted Parley unchanged.
//
// Like internal/api it is a thin surface: one route table, handlers that
// decode, call internal/chat (internal/identity for sessions) and encode.
// Every rule (who may message whom, privacy, limits) stays in those
// services; this package only translates names, identifiers and wire
// shapes. The wire types are the lexicons' and
// live here (views.go). docs/xrpc.md documents what maps exactly, what is
// approximated and what is not supported.
package xrpc

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
)

// Config wires the surface to the chat service.
type Config struct {
	Chat *chat.Service
	// Identity logs in and authenticates (the native sessions behind the
	// XRPC tokens).
	Identity *identity.Service
	// Host is the public host name of this server (e.g. chat.example.com):
	// accounts are did:web:<Host>:u:<account id>, and their handles
	// <native handle>.<Host>. It must be a valid domain name.
	Host string
	// AccessTTL is how long an access token lasts (default 2 hours); the
	// refresh token lasts as long as a native session.
	AccessTTL time.Duration
	// Now is the clock of the tokens' issue and expiry times (time.Now by
	// default), so that a test moves it instead of sleeping.
	Now func() time.Time
	// RemoteAddr returns the caller's address, for login throttling.
	RemoteAddr func(*http.Request) string
	Logger     *slog.Logger
	// SendBurst is the per-account send allowance, reported in the
	// RateLimit-Limit header of a 429 (default 30, the chat service's).
	SendBurst int
}

// Handler serves /xrpc/.
type Handler struct {
	chat     *chat.Service
	accounts *identity.Service
	ids      identities
	cfg      Config
	routes   map[string]route
	tokens   tokenCache
}

// kind is an XRPC method's kind: a query is a GET, a procedure a POST.
type kind int

const (
	query kind = iota
	procedure
)

func (k kind) String() string {
	if k == procedure {
		return "procedure"
	}
	return "query"
}

// route is one method of the route table.
type route struct {
	kind kind
	// public methods need no access token (logging in, refreshing with a
	// refresh token, which checks its own).
	public bool
	fn     func(ctx context.Context, c *call) (any, error)
}

// New builds the handler and its route table.
func New(cfg Config) (*Handler, error) {
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = 2 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SendBurst == 0 {
		cfg.SendBurst = 30
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RemoteAddr == nil {
		cfg.RemoteAddr = func(r *http.Request) string { return r.RemoteAddr }
	}
	ids, err := newIdentities(cfg.Host)
	if err != nil {
		return nil, err
	}
	h := &Handler{chat: cfg.Chat, accounts: cfg.Identity, ids: ids, cfg: cfg}
	h.routes = map[string]route{
		// Sessions and identity.
		"com.atproto.server.createSession":   {procedure, true, h.createSession},
		"com.atproto.server.refreshSession":  {procedure, true, h.refreshSession},
		"com.atproto.server.deleteSession":   {procedure, true, h.deleteSession},
		"com.atproto.server.getSession":      {query, false, h.getSession},
		"com.atproto.identity.resolveHandle": {query, true, h.resolveHandle},
		// Who may message me: the chat.bsky.actor.declaration record.
		"com.atproto.repo.getRecord":        {query, false, h.getRecord},
		"com.atproto.repo.putRecord":        {procedure, false, h.putRecord},
		"chat.bsky.actor.getStatus":         {query, false, h.getStatus},
		"chat.bsky.actor.exportAccountData": {query, false, h.exportAccountData},

		// Conversations.
		"chat.bsky.convo.getConvoForMembers":   {query, false, h.getConvoForMembers},
		"chat.bsky.convo.getConvoAvailability": {query, false, h.getConvoAvailability},
		"chat.bsky.convo.listConvos":           {query, false, h.listConvos},
		"chat.bsky.convo.listConvoRequests":    {query, false, h.listConvoRequests},
		"chat.bsky.convo.getConvo":             {query, false, h.getConvo},
		"chat.bsky.convo.getConvoMembers":      {query, false, h.getConvoMembers},
		"chat.bsky.convo.acceptConvo":          {procedure, false, h.acceptConvo},
		"chat.bsky.convo.leaveConvo":           {procedure, false, h.leaveConvo},
		"chat.bsky.convo.muteConvo":            {procedure, false, h.muteConvo(true)},
		"chat.bsky.convo.unmuteConvo":          {procedure, false, h.muteConvo(false)},
		"chat.bsky.convo.updateRead":           {procedure, false, h.updateRead},
		"chat.bsky.convo.updateAllRead":        {procedure, false, h.updateAllRead},
		"chat.bsky.convo.getUnreadCounts":      {query, false, h.getUnreadCounts},

		// Messages.
		"chat.bsky.convo.getMessages":          {query, false, h.getMessages},
		"chat.bsky.convo.sendMessage":          {procedure, false, h.sendMessage},
		"chat.bsky.convo.sendMessageBatch":     {procedure, false, h.sendMessageBatch},
		"chat.bsky.convo.deleteMessageForSelf": {procedure, false, h.deleteMessageForSelf},
		"chat.bsky.convo.addReaction":          {procedure, false, h.reaction(true)},
		"chat.bsky.convo.removeReaction":       {procedure, false, h.reaction(false)},

		// The event log.
		"chat.bsky.convo.getLog": {query, false, h.getLog},
	}
	return h, nil
}

// methods lists the methods of the route table with their kind ("query" or
// "procedure"), for the test that keeps openapi.json in step.
func (h *Handler) methods() map[string]string {
	out := make(map[string]string, len(h.routes))
	for name, r := range h.routes {
		out[name] = r.kind.String()
	}
	return out
}

// call is one request and its caller (nil for public methods).
type call struct {
	r  *http.Request
	w  http.ResponseWriter // for a method that writes its own answer (answered)
	me *dm.Account
}

// ServeHTTP answers /xrpc/<method>. Every answer is JSON: 200 with the
// output on success, {"error", "message"} otherwise.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	rt, ok := h.routes[name]
	if !ok {
		if validNSID(name) {
			h.writeError(w, errorf(http.StatusNotImplemented, "MethodNotImplemented", "Method not implemented: %s.", dm.Truncate(name, 100)))
		} else {
			h.writeError(w, errorf(http.StatusNotFound, "MethodNotImplemented", "Not an XRPC method name."))
		}
		return
	}
	want := http.MethodGet
	if rt.kind == procedure {
		want = http.MethodPost
	}
	if r.Method != want && !(rt.kind == query && r.Method == http.MethodHead) {
		w.Header().Set("Allow", want)
		h.writeError(w, errorf(http.StatusBadRequest, "InvalidRequest", "Incorrect HTTP method (%s): %s is a %s, use %s.",
			dm.Truncate(r.Method, 10), name, rt.kind, want))
		return
	}
	// No parameter takes a NUL, and PostgreSQL refuses one in a lookup.
	if strings.Contains(r.URL.RawQuery, "%00") {
		h.writeError(w, invalid("A parameter holds a NUL character (%%00), which none takes."))
		return
	}
	// A panic is a server bug: the client still gets an XRPC error body.
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.cfg.Logger.Error("panic", "method", name, "panic", p)
			h.writeError(w, errorf(http.StatusInternalServerError, "InternalServerError", "Internal error."))
		}
	}()
	c := &call{r: r, w: w}
	if !rt.public {
		me, err := h.authenticate(r)
		if err != nil {
			h.writeError(w, err)
			return
		}
		c.me = me
	}
	out, err := rt.fn(r.Context(), c)
	if err != nil {
		if xrpcError(err).Status >= 500 {
			h.cfg.Logger.Error("internal error", "method", name, "err", err)
		}
		h.writeError(w, err)
		return
	}
	if _, ok := out.(answered); ok {
		return
	}
	if out == nil {
		out = struct{}{}
	}
	writeJSON(w, http.StatusOK, out)
}

// corsHeaders are the request headers a preflight allows when it asks for
// none or for ones that are not plain header names: those Bluesky's
// TypeScript client sends.
const corsHeaders = "Authorization, Content-Type, Atproto-Proxy, Atproto-Accept-Labelers"

// cors lets pages of any origin call the surface, as Bluesky's services do:
// Bluesky's web clients run @atproto/api in the browser, on their own
// origin, and without these headers the browser refuses every call (the
// preflight OPTIONS was a 400). Any origin is safe here because a call
// authenticates with its bearer token only, never with a cookie: a page
// can do nothing with the surface that the token it holds would not let
// it do anyway. It answers a preflight itself (204) and reports whether it
// did.
func cors(w http.ResponseWriter, r *http.Request) bool {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	allow := corsHeaders
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && len(req) <= 1024 && headerList(req) {
		allow = req
	}
	hd.Set("Access-Control-Allow-Methods", "GET, HEAD, POST")
	hd.Set("Access-Control-Allow-Headers", allow)
	hd.Set("Access-Control-Max-Age", "86400")
	hd.Add("Vary", "Access-Control-Request-Headers")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// headerList reports whether s is a comma-separated list of header names.
func headerList(s string) bool {
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return false
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// validNSID reports whether s looks like a method name (dotted, at least
// three segments of letters, digits and hyphens), not whether it exists.
func validNSID(s string) bool {
	if len(s) == 0 || len(s) > 317 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 63 {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
