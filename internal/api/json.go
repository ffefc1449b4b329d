package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// maxBody caps every request body (1 MiB).
const maxBody = 1 << 20

var (
	errNoRoute  = dm.Errorf(dm.ENOTFOUND, "No such API endpoint.")
	errNULPath  = dm.Errorf(dm.ENOTFOUND, "Not found: the path holds a NUL character (%%00), which no id or handle has.")
	errNULQuery = dm.Errorf(dm.EINVALID, "The query holds a NUL character (%%00), which no parameter takes.")
	errPanic    = errors.New("handler panicked")
)

// Hijack lets the WebSocket upgrade take over the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	w.status, w.wrote = http.StatusSwitchingProtocols, true
	return h.Hijack()
}

// Flush passes flushes through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// decode reads a JSON object body into v. Every way a body can be wrong gets
// a 4xx *dm.Error that says what is wrong.
func decode(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, dm.Errorf(dm.ETOOLARGE, "The request body is over %d bytes.", maxBody)
		}
		return nil, dm.Errorf(dm.EINVALID, "The request body could not be read.")
	}
	return body, nil
}

// decodeRequired is decode for a body whose listed fields must be present:
// a field left out is a 400 that names it, not its zero value. A full
// replace (PUT of settings) read from {} would otherwise reset every
// setting; the API document lists these fields as required. A present
// null counts as present (the field's schema says whether it may be null).
func decodeRequired(r *http.Request, v any, fields ...string) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if err := decodeBytes(body, v); err != nil {
		return err
	}
	return requireFields(body, fields...)
}

// requireFields checks that the JSON object body has every one of fields.
func requireFields(body []byte, fields ...string) error {
	var present map[string]json.RawMessage
	if err := json.Unmarshal(body, &present); err != nil {
		return dm.Errorf(dm.EINVALID, "The request body must be a JSON object.")
	}
	for _, f := range fields {
		if _, ok := present[f]; !ok {
			return dm.Errorf(dm.EINVALID, "Field %q is required.", f)
		}
	}
	return nil
}

// decodeOptional is decode for a body that may be absent.
func decodeOptional(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil || len(body) == 0 {
		return err
	}
	return decodeBytes(body, v)
}

// decodeBytes is decode on a body already read (and the fuzz target's entry).
func decodeBytes(body []byte, v any) error {
	if len(body) == 0 {
		return dm.Errorf(dm.EINVALID, "The request needs a JSON body.")
	}
	// encoding/json would silently replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(body) {
		return dm.Errorf(dm.EINVALID, "The request body is not valid UTF-8.")
	}
	// ... and an unpaired surrogate escape ("\ud800") with U+FFFD too.
	if err := dm.CheckJSONText(body); err != nil {
		return err
	}
	// encoding/json takes a bare null as "nothing to set": an empty
	// object, not the object the request must be.
	if string(bytes.TrimSpace(body)) == "null" {
		return dm.Errorf(dm.EINVALID, "The request body must be a JSON object.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return dm.Errorf(dm.EINVALID, "The request body must be a JSON object.")
			}
			return dm.Errorf(dm.EINVALID, "Field %q must be of type %s.", field, jsonType(typeErr.Type.Kind().String()))
		case errors.As(err, &syntaxErr):
			return dm.Errorf(dm.EINVALID, "Malformed JSON at byte %d.", syntaxErr.Offset)
		default:
			return dm.Errorf(dm.EINVALID, "Malformed JSON: %s.", dm.Truncate(err.Error(), 200))
		}
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// encodeJSON is the body writeJSON would write for v.
func encodeJSON(v any) []byte {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	return b.Bytes()
}

// writeEncoded is writeJSON with a body encodeJSON made (perhaps once for
// many answers).
func writeEncoded(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// writeMaybeCreated answers a get-or-create or an idempotent send: 201 with
// {key: v} when it made something, 200 when it returned what existed.
func writeMaybeCreated(w http.ResponseWriter, created bool, key string, v any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{key: v})
}

// statuses maps each error code to its HTTP status, in one place.
var statuses = map[string]int{
	dm.EINVALID:         http.StatusBadRequest,
	dm.EUNAUTHENTICATED: http.StatusUnauthorized,
	dm.EFORBIDDEN:       http.StatusForbidden,
	dm.ENOTFOUND:        http.StatusNotFound,
	dm.ECONFLICT:        http.StatusConflict,
	dm.EGONE:            http.StatusGone,
	dm.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	dm.ERANGE:           http.StatusRequestedRangeNotSatisfiable,
	dm.ERATELIMITED:     http.StatusTooManyRequests,
	dm.EQUOTA:           http.StatusInsufficientStorage,
	dm.EINTERNAL:        http.StatusInternalServerError,
	dm.EUNAVAILABLE:     http.StatusServiceUnavailable,
	dm.ESTORAGEFULL:     http.StatusInsufficientStorage,
}

// error writes the error envelope. Internal errors are logged and their text
// never reaches the client.
func (a *API) error(w http.ResponseWriter, r *http.Request, err error) {
	code := dm.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError && errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client hung up before the answer: nothing went wrong here,
		// and nobody reads this response.
		a.log.Debug("client went away", "method", r.Method, "path", r.URL.Path)
		return
	}
	switch status {
	case http.StatusInternalServerError:
		a.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		a.log.Warn("transaction aborted by the database; the client may retry", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusInsufficientStorage:
		if code != dm.ESTORAGEFULL {
			break // an account's quota: the user's to fix, not the operator's
		}
		a.log.Error("out of storage space", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var e *dm.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": dm.ErrorMessage(err)}})
}

// limit reads ?limit= (default 50, 1 to 200).
func limit(r *http.Request) (int, error) {
	s := queryValue(r, "limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 200 {
		return 0, dm.Errorf(dm.EINVALID, "limit is a whole number from 1 to 200.")
	}
	return n, nil
}

// param returns a query parameter, refusing oversized or non-UTF-8 values.
func param(r *http.Request, name string) (string, error) {
	v := queryValue(r, name)
	if len(v) > 512 || !utf8.ValidString(v) {
		return "", dm.Errorf(dm.EINVALID, "%s is not a valid value.", name)
	}
	return v, nil
}

// queryValue is r.URL.Query().Get(name) without parsing the whole query
// into a map at every call (a list handler asks for two or three
// parameters): a query with nothing escaped and no semicolon, which is what
// clients send, is scanned in place; any other takes the full parse, so
// that both always agree.
func queryValue(r *http.Request, name string) string {
	q := r.URL.RawQuery
	if strings.ContainsAny(q, "%+;") {
		return r.URL.Query().Get(name)
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if k, v, _ := strings.Cut(pair, "="); k == name {
			return v
		}
	}
	return ""
}

// pathValue returns a path segment, refusing oversized or non-UTF-8 values
// with the 404 an unknown id gets.
func pathValue(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if len(v) > 128 || !utf8.ValidString(v) {
		return "", dm.Errorf(dm.ENOTFOUND, "No such %s.", name)
	}
	return v, nil
}

// page reads the paging parameters of a list: ?limit= and a cursor-like
// parameter (cursor, before).
func page(r *http.Request, cursorParam string) (cursor string, n int, err error) {
	if n, err = limit(r); err != nil {
		return "", 0, err
	}
	cursor, err = param(r, cursorParam)
	return cursor, n, err
}

// idUnlessCreate is the {id} of a PUT/PATCH that changes a resource, or ""
// for the POST that creates one (handlers that serve both).
func idUnlessCreate(r *http.Request, create bool) (string, error) {
	if create {
		return "", nil
	}
	return pathValue(r, "id")
}
