package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/client"
)

// reportLog is a reporter that keeps what it is told.
type reportLog struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reportLog) Helper() {}
func (r *reportLog) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *reportLog) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

// TestConformanceCatchesPlantedChanges proves the document check of the e2e
// clients works: a test-only handler in front of a real server adds a field
// the document does not have, answers a status it does not list, sends a
// body where it promises none and streams a frame of an unknown shape, and
// each is reported with its operation and JSON pointer.
func TestConformanceCatchesPlantedChanges(t *testing.T) {
	e := start(t, limitsOff)
	target, _ := url.Parse(e.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/me":
			// An undocumented field, deep in the answer.
			var v map[string]map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				return err
			}
			v["account"]["planted_field"] = "not in the document"
			b, _ := json.Marshal(v)
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
			resp.Header.Del("Content-Length")
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/conversations":
			// An undocumented status.
			resp.StatusCode = http.StatusAccepted
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	rec := &reportLog{}
	doc := newConformance(t)
	doc.r = rec
	c := checkedClient(t, doc, front.URL)
	_, err := c.Signup(e.ctx, client.SignupParams{Handle: "plant", Password: password("plant")})
	must(t, err, "signup")
	_, _, err = c.Login(e.ctx, "plant", password("plant"))
	must(t, err, "login")
	if _, _, err := c.Me(e.ctx); err != nil {
		t.Fatalf("me: %v", err)
	}
	c.Conversations(e.ctx, "inbox", "", 10)
	doc.frame([]byte(`{"type":"message.created","conversation_id":"c1","at":"2026-01-01T00:00:00Z","seq":1,"planted":1}`))

	got := rec.all()
	t.Logf("what the check reported:\n%s", got)
	for _, want := range []string{
		"GET /api/v1/me (operationId getMe) answered 200",
		`/account`, `"planted_field"`,
		"GET /api/v1/conversations (operationId listConversations) answered 202",
		"status is not supported",
		"GET /api/v1/events/stream (operationId streamEvents): a frame",
		`"planted"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check did not report %q", want)
		}
	}
	// Login and signup went through unchanged: nothing to report there.
	if strings.Contains(got, "signup") || strings.Contains(got, "operationId login") {
		t.Errorf("the check reported an unchanged exchange")
	}
}
