package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Every request the e2e tests make through their clients, and every answer
// and WebSocket frame they get, is checked against the API document
// (internal/api/openapi.json, the bytes the server serves): a status, a
// content type or a shape the document does not describe fails the test
// that caused it, with the operation and the JSON pointer of the mismatch.
//
// The check is stricter than the published document in one way: every
// object schema that lists properties is closed (additionalProperties:
// false), so a field the server sends but the document does not list is
// caught. The document itself stays open, so that clients keep accepting
// the fields added later (docs/api.md).

// apiDoc is the document, loaded once, with its router.
type apiDoc struct {
	doc    *openapi3.T
	router routers.Router
	// frames is the schema of the event stream's server frames (the 101
	// answer of operation streamEvents).
	frames *openapi3.Schema
}

var (
	docOnce sync.Once
	docVal  *apiDoc
	docErr  error

	xrpcDocOnce sync.Once
	xrpcDocVal  *apiDoc
	xrpcDocErr  error
)

// loadXRPCDoc loads the Bluesky-compatible surface's own document, which
// checks the exchanges under /xrpc/.
func loadXRPCDoc() (*apiDoc, error) {
	xrpcDocOnce.Do(func() {
		raw, err := os.ReadFile("../internal/xrpc/openapi.json")
		if err != nil {
			xrpcDocErr = err
			return
		}
		l := openapi3.NewLoader()
		doc, err := l.LoadFromData(raw)
		if err == nil {
			err = doc.Validate(l.Context)
		}
		if err != nil {
			xrpcDocErr = fmt.Errorf("internal/xrpc/openapi.json: %w", err)
			return
		}
		closeObjects(doc)
		doc.Servers = nil
		r, err := legacy.NewRouter(doc)
		if err != nil {
			xrpcDocErr = err
			return
		}
		xrpcDocVal = &apiDoc{doc: doc, router: r}
	})
	return xrpcDocVal, xrpcDocErr
}

func loadDoc() (*apiDoc, error) {
	docOnce.Do(func() {
		raw, err := os.ReadFile("../internal/api/openapi.json")
		if err != nil {
			docErr = err
			return
		}
		l := openapi3.NewLoader()
		doc, err := l.LoadFromData(raw)
		if err != nil {
			docErr = fmt.Errorf("openapi.json: %w", err)
			return
		}
		if err := doc.Validate(l.Context); err != nil {
			docErr = fmt.Errorf("openapi.json is not a valid OpenAPI 3.0 document: %w", err)
			return
		}
		closeObjects(doc)
		// The servers are relative to wherever Parley runs; match paths only.
		doc.Servers = nil
		r, err := legacy.NewRouter(doc)
		if err != nil {
			docErr = err
			return
		}
		d := &apiDoc{doc: doc, router: r}
		if p := doc.Paths.Value("/api/v1/events/stream"); p != nil && p.Get != nil {
			if resp := p.Get.Responses.Status(http.StatusSwitchingProtocols); resp != nil && resp.Value != nil {
				if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					d.frames = mt.Schema.Value
				}
			}
		}
		if d.frames == nil {
			docErr = errors.New("openapi.json: GET /api/v1/events/stream has no 101 application/json schema for the stream's frames")
			return
		}
		docVal = d
	})
	return docVal, docErr
}

// closeObjects sets additionalProperties: false on every object schema that
// lists properties and says nothing about other ones.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	no := false
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			visit(p)
		}
		visit(s.Items)
		visit(s.AdditionalProperties.Schema)
		for _, l := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, x := range l {
				visit(x)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		visit(s)
	}
	for _, r := range doc.Components.Responses {
		if r.Value != nil {
			for _, mt := range r.Value.Content {
				visit(mt.Schema)
			}
		}
	}
	for _, rb := range doc.Components.RequestBodies {
		if rb.Value != nil {
			for _, mt := range rb.Value.Content {
				visit(mt.Schema)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					visit(mt.Schema)
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					for _, mt := range r.Value.Content {
						visit(mt.Schema)
					}
				}
			}
		}
	}
}

// reporter receives the mismatches; a test's Errorf, or a recorder in the
// test that proves the check works.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// conformance checks the traffic of one test against the document.
type conformance struct {
	r    reporter
	base http.RoundTripper

	mu   sync.Mutex
	done bool // the test has ended: its Errorf may not be called any more
}

// newConformance returns the checker of t's traffic; it stops reporting when
// t ends (a stream's read loop may outlive its test by a moment).
func newConformance(t *testing.T) *conformance {
	c := &conformance{r: t, base: http.DefaultTransport}
	t.Cleanup(func() {
		c.mu.Lock()
		c.done = true
		c.mu.Unlock()
	})
	if _, err := loadDoc(); err != nil {
		t.Fatalf("API document: %v", err)
	}
	if _, err := loadXRPCDoc(); err != nil {
		t.Fatalf("XRPC document: %v", err)
	}
	return c
}

func (c *conformance) errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		c.r.Errorf(format, args...)
	}
}

// httpClient is an http.Client whose every exchange is checked.
func (c *conformance) httpClient() *http.Client { return &http.Client{Transport: c} }

// RoundTrip sends req and checks it and its answer against the document
// (under /xrpc/, the XRPC surface's own). Paths no document covers (the web
// app) pass unchecked.
func (c *conformance) RoundTrip(req *http.Request) (*http.Response, error) {
	d, _ := loadDoc()
	if strings.HasPrefix(req.URL.Path, "/xrpc/") {
		d, _ = loadXRPCDoc()
	}
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if !strings.HasPrefix(req.URL.Path, "/api/") && !strings.HasPrefix(req.URL.Path, "/xrpc/") && !documented(d, req) {
		return resp, nil
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err != nil {
		return resp, nil // the caller sees the read error itself
	}
	for _, p := range c.check(d, req, reqBody, resp, respBody) {
		c.errorf("%s", p)
	}
	return resp, nil
}

func documented(d *apiDoc, req *http.Request) bool {
	_, _, err := d.router.FindRoute(req)
	return err == nil
}

// check returns the mismatches of one exchange, each naming the operation.
func (c *conformance) check(d *apiDoc, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []string {
	ctx := context.Background()
	// A copy of the request for the validator (it reads the body).
	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := d.router.FindRoute(vreq)
	if err != nil && strings.HasPrefix(req.URL.Path, "/xrpc/") {
		// XRPC answers a method it does not serve (or one called with the
		// wrong verb) with its own error shape, {"error": "...", "message"}.
		var e struct {
			Error string `json:"error"`
		}
		if resp.StatusCode < 400 || json.Unmarshal(respBody, &e) != nil || e.Error == "" {
			return []string{fmt.Sprintf("openapi: %s %s (no XRPC method of internal/xrpc/openapi.json): %d without the XRPC error shape: %q", req.Method, req.URL.Path, resp.StatusCode, respBody)}
		}
		return nil
	}
	if err != nil {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			// An unknown path under /api/ is a documented JSON 404.
			return checkError(req, resp, respBody)
		}
		return []string{fmt.Sprintf("openapi: %s %s: no operation of the document matches, yet the server answered %d", req.Method, req.URL.Path, resp.StatusCode)}
	}
	op := fmt.Sprintf("%s %s (operationId %s)", req.Method, route.Path, route.Operation.OperationID)
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// A readOnly field a client sends back (an id, a created_at) is
			// ignored by the server, as docs/api.md says.
			ExcludeReadOnlyValidations: true,
			MultiError:                 true,
			SkipSettingDefaults:        true,
		},
	}
	var out []string
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && resp.StatusCode < 400 {
		// The tests send bad requests on purpose; those must be refused.
		// A request the document calls invalid that the server accepts
		// means the document or the server is wrong.
		out = append(out, fmt.Sprintf("openapi: %s: the request does not match the document, yet the server answered %d:\n%s",
			op, resp.StatusCode, describe(reqErr, "request")))
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return out
	}
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	rin.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		out = append(out, fmt.Sprintf("openapi: %s answered %d %s:\n%s", op, resp.StatusCode, resp.Header.Get("Content-Type"),
			describe(err, "response")))
	} else if len(respBody) > 0 && req.Method != http.MethodHead {
		// The validator lets a body through where the document has none.
		if r := route.Operation.Responses.Status(resp.StatusCode); r != nil && r.Value != nil && len(r.Value.Content) == 0 {
			out = append(out, fmt.Sprintf("openapi: %s answered %d with a %s body, but the document describes no content for %d",
				op, resp.StatusCode, resp.Header.Get("Content-Type"), resp.StatusCode))
		}
	}
	return out
}

// checkError checks an answer to a request no operation matches: the API's
// JSON error envelope.
func checkError(req *http.Request, resp *http.Response, body []byte) []string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		return []string{fmt.Sprintf("openapi: %s %s (no operation): %d without the JSON error envelope: %q", req.Method, req.URL.Path, resp.StatusCode, body)}
	}
	return nil
}

// describe lists the schema errors of err, one a line, each with where the
// offending value is (a parameter, or the JSON pointer into the body:
// "response body /account/bio") and the schema keyword that refused it.
func describe(err error, what string) string {
	var lines []string
	var walk func(err error, where string)
	walk = func(err error, where string) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(x, where)
			}
		case *openapi3.SchemaError:
			ptr := "/" + strings.Join(e.JSONPointer(), "/")
			lines = append(lines, fmt.Sprintf("    %s %s: %s (schema keyword %q)", where, ptr, e.Reason, e.SchemaField))
		case *openapi3filter.RequestError:
			if e.Parameter != nil {
				where = fmt.Sprintf("%s parameter %s %q", what, e.Parameter.In, e.Parameter.Name)
			}
			if e.Err == nil {
				lines = append(lines, fmt.Sprintf("    %s: %s", where, e.Reason))
				return
			}
			walk(e.Err, where)
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				lines = append(lines, fmt.Sprintf("    %s: %s", where, e.Reason))
				return
			}
			walk(e.Err, where)
		case *openapi3filter.ParseError:
			lines = append(lines, fmt.Sprintf("    %s: %s", where, e.Error()))
		default:
			if u := errors.Unwrap(err); u != nil {
				walk(u, where)
				return
			}
			lines = append(lines, fmt.Sprintf("    %s: %s", where, err.Error()))
		}
	}
	walk(err, what+" body")
	return strings.Join(lines, "\n")
}

// frame checks one event-stream frame against the document.
func (c *conformance) frame(p []byte) {
	d, _ := loadDoc()
	var v any
	if err := json.Unmarshal(p, &v); err != nil {
		c.errorf("openapi: GET /api/v1/events/stream (operationId streamEvents): a frame that is not JSON: %q", p)
		return
	}
	if err := d.frames.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		c.errorf("openapi: GET /api/v1/events/stream (operationId streamEvents): a frame the document does not describe (its 101 schema):\n    frame %s\n%s", p, frameErrors(d.frames, v))
	}
}

// frameErrors explains why a frame matches none of the frame schemas: the
// errors against each alternative of the oneOf, named by its $ref.
func frameErrors(s *openapi3.Schema, v any) string {
	if len(s.OneOf) == 0 {
		return describe(s.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()), "frame")
	}
	var parts []string
	for _, alt := range s.OneOf {
		if err := alt.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
			parts = append(parts, fmt.Sprintf("    as %s:\n%s", alt.Ref, describe(err, "    frame")))
		}
	}
	return strings.Join(parts, "\n")
}
