// Package e2e holds Parley's end-to-end tests: each test boots the real
// server (internal/server, on SQLite in a temporary folder) on 127.0.0.1:0
// and talks to it only through the Go client, over real HTTP and WebSocket.
// A failing assertion here is a server bug to fix, not a test to bend.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/postgres/pgtest"
	"github.com/parleyhq/parley/internal/server"
)

// env is one running server and the test that owns it.
type env struct {
	t   *testing.T
	ctx context.Context
	url string
	// doc checks every exchange of the test's clients against the API
	// document (openapi_test.go).
	doc *conformance
}

// limits selects whether a test server enforces its per-account and
// per-address rate limits; most tests turn them off so that they can act
// quickly, the tests of the limits turn them on.
type limits bool

const (
	limitsOff limits = false
	limitsOn  limits = true
)

// start boots a server for this test on a fresh data folder and shuts it
// down when the test ends.
func start(t *testing.T, l limits) *env {
	t.Helper()
	return startWith(t, l, nil)
}

// startWith is start with a chance to change the configuration first.
func startWith(t *testing.T, l limits, edit func(*server.Config)) *env {
	t.Helper()
	ctx := t.Context()
	cfg := server.Config{
		Addr:         "127.0.0.1:0",
		DataDir:      t.TempDir(),
		RateLimitOff: l == limitsOff,
		PasswordCost: identity.CheapPasswordCost(),
		Logger:       slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server.Shutdown: %v", err)
		}
	})
	return &env{t: t, ctx: ctx, url: srv.URL(), doc: newConformance(t)}
}

// anon returns a client without a session.
func (e *env) anon() *client.Client { return e.client(e.url) }

// client returns a client of the server at url (this test's server, or a
// node of a multi-node test) whose requests, answers and stream frames are
// checked against the API document.
func (e *env) client(url string, opts ...client.Option) *client.Client {
	return checkedClient(e.t, e.doc, url, opts...)
}

// checkedClient is a client whose traffic doc checks (a fresh checker of t
// when doc is nil).
func checkedClient(t *testing.T, doc *conformance, url string, opts ...client.Option) *client.Client {
	if doc == nil {
		doc = newConformance(t)
	}
	return client.New(url, append([]client.Option{client.WithHTTPClient(doc.httpClient()), client.WithFrameHook(doc.frame)}, opts...)...)
}

func password(handle string) string { return "pw-" + handle + "-long-enough" }

// user signs up an account and returns a client logged in as it.
func (e *env) user(handle string) *client.Client {
	e.t.Helper()
	c := e.anon()
	if _, err := c.Signup(e.ctx, client.SignupParams{Handle: handle, Password: password(handle), DisplayName: strings.ToUpper(handle[:1]) + handle[1:]}); err != nil {
		e.t.Fatalf("signup %s: %v", handle, err)
	}
	if _, _, err := c.Login(e.ctx, handle, password(handle)); err != nil {
		e.t.Fatalf("login %s: %v", handle, err)
	}
	return c
}

// signupMany creates accounts prefix0 ... prefix(n-1) without logging them in,
// a few at a time, and returns their handles.
func (e *env) signupMany(prefix string, n int) []string {
	e.t.Helper()
	handles := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		handles[i] = fmt.Sprintf("%s%d", prefix, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, errs[i] = e.anon().Signup(e.ctx, client.SignupParams{Handle: handles[i], Password: password(handles[i])})
		}()
	}
	t0 := time.Now()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.t.Fatalf("signups: %v", err)
	}
	e.t.Logf("%d signups in %v", n, time.Since(t0))
	return handles
}

// direct opens the direct conversation of a and the account handle.
func (e *env) direct(a *client.Client, handle string) *client.Conversation {
	e.t.Helper()
	conv, _, err := a.CreateConversation(e.ctx, []string{handle}, "")
	if err != nil {
		e.t.Fatalf("create conversation with %s: %v", handle, err)
	}
	return conv
}

// send posts a text and fails the test if the server refuses it.
func (e *env) send(c *client.Client, convID, text string) *client.Message {
	e.t.Helper()
	m, _, err := c.Send(e.ctx, convID, client.SendParams{Text: text})
	if err != nil {
		e.t.Fatalf("send %q: %v", text, err)
	}
	return m
}

// wantStatus checks that err is an *client.Error with the given status and
// the API's error envelope (a non-empty code and message). It reports a
// mismatch without stopping the test, so that one run lists every failure.
func wantStatus(t *testing.T, err error, status int, what string) *client.Error {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Errorf("%s: want HTTP %d, got %v", what, status, err)
		return nil
	}
	if ce.Status != status {
		t.Errorf("%s: want HTTP %d, got %d %s %q", what, status, ce.Status, ce.Code, ce.Message)
	}
	if ce.Code == "" || ce.Message == "" {
		t.Errorf("%s: HTTP %d without the error envelope {error:{code,message}}: code %q message %q", what, ce.Status, ce.Code, ce.Message)
	}
	return ce
}

// want4xx checks that err is a 4xx *client.Error with the error envelope,
// for inputs where the API promises "a clear 4xx, never a 500" without
// naming the status.
func want4xx(t *testing.T, err error, what string) {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Errorf("%s: want a 4xx, got %v", what, err)
		return
	}
	if ce.Status < 400 || ce.Status > 499 {
		t.Errorf("%s: want a 4xx, got %d %s %q", what, ce.Status, ce.Code, ce.Message)
	}
	if ce.Code == "" || ce.Message == "" {
		t.Errorf("%s: HTTP %d without the error envelope: code %q message %q", what, ce.Status, ce.Code, ce.Message)
	}
}

// must fails the test at once on an unexpected error of a set-up step.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// ok reports an unexpected error of a step under test and lets the test go on.
func ok(t *testing.T, err error, what string) bool {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return false
	}
	return true
}

// folder returns the ids of the conversations in a folder of c (first page of 200).
func (e *env) folder(c *client.Client, name string) []string {
	e.t.Helper()
	convs, _, err := c.Conversations(e.ctx, name, "", 200)
	must(e.t, err, "list "+name)
	ids := make([]string, len(convs))
	for i, cv := range convs {
		ids[i] = cv.ID
	}
	return ids
}

// inFolder reports whether conversation id is in c's folder.
func (e *env) inFolder(c *client.Client, name, id string) bool {
	e.t.Helper()
	for _, x := range e.folder(c, name) {
		if x == id {
			return true
		}
	}
	return false
}

// allMessages pages through a conversation's whole history as c sees it, newest first.
func allMessages(ctx context.Context, c *client.Client, convID string) ([]client.Message, error) {
	var all []client.Message
	before := ""
	for {
		page, next, err := c.Messages(ctx, convID, before, 200)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" || len(page) == 0 {
			return all, nil
		}
		before = next
	}
}

// errOnly keeps the error of a three-value call.
func errOnly[A, B any](_ A, _ B, err error) error { return err }

func ptr[T any](v T) *T { return &v }

// onBothStores runs test on SQLite, then on a fresh PostgreSQL schema when
// PARLEY_TEST_POSTGRES is set (skipped, saying so, when it is not).
func onBothStores(t *testing.T, test func(t *testing.T, pgURL string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "") })
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("PARLEY_TEST_POSTGRES")
		if pg == "" {
			t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/test)")
		}
		test(t, pgtest.Schema(t, pg, "parley_e2e_"))
	})
}
