package xrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// Error is an XRPC error: an HTTP status and the body {"error": Name,
// "message": Message}, with the lexicons' error names.
type Error struct {
	Status     int
	Name       string
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Name + ": " + e.Message }

func errorf(status int, name, format string, args ...any) *Error {
	return &Error{Status: status, Name: name, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidRequest", format, args...)
}

// The messages of refusals that Bluesky's app (social-app) recognises: it
// matches a failed send's error message, not its name, against Bluesky's
// exact wording (a block makes it refetch the block state, "Account is
// disabled" disables the conversation). Where Parley refuses for the same
// reason, the XRPC message is Bluesky's; the native API keeps its own.
const (
	msgBlock            = "block between recipient and sender"
	msgMessagesDisabled = "recipient has disabled incoming messages"
	msgNotFollowed      = "recipient requires incoming messages to come from someone they follow"
	msgConvoNotFound    = "Convo not found"
	msgAccountDisabled  = "Account is disabled"
)

// rateLimitWindow is the window the RateLimit-Policy header announces.
const rateLimitWindow = 3

// xrpcError turns an error of the chat service into the XRPC error a
// Bluesky client expects. A conversation the caller may not see is
// InvalidConvo (the handlers say when a not-found names a conversation);
// the causes of a refused conversation get their lexicon names. Only an
// error that is not the client's becomes a 500.
func xrpcError(err error) *Error {
	var xe *Error
	if errors.As(err, &xe) {
		return xe
	}
	msg := dm.ErrorMessage(err)
	switch dm.ErrorCode(err) {
	case dm.EINVALID, dm.ECONFLICT, dm.EGONE:
		return invalid("%s", msg)
	case dm.EUNAUTHENTICATED:
		return errorf(http.StatusUnauthorized, "AuthenticationRequired", "%s", msg)
	case dm.EFORBIDDEN:
		switch dm.ErrorReason(err) {
		case dm.ReasonBlockedByYou:
			return errorf(http.StatusBadRequest, "BlockedActor", msgBlock)
		case dm.ReasonBlocksYou:
			return errorf(http.StatusBadRequest, "BlockedSubject", msgBlock)
		case dm.ReasonNotAccepting:
			return errorf(http.StatusBadRequest, "MessagesDisabled", msgMessagesDisabled)
		case dm.ReasonNotFollowed:
			return errorf(http.StatusBadRequest, "NotFollowedBySender", msgNotFollowed)
		}
		return errorf(http.StatusForbidden, "Forbidden", "%s", msg)
	case dm.ENOTFOUND:
		return invalid("%s", msg)
	case dm.ETOOLARGE:
		return errorf(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "%s", msg)
	case dm.ERATELIMITED, dm.EUNAVAILABLE:
		e := errorf(http.StatusTooManyRequests, "RateLimitExceeded", "%s", msg)
		if dm.IsCode(err, dm.EUNAVAILABLE) { // the database aborted it: nothing saved, repeat it
			e = errorf(http.StatusServiceUnavailable, "Unavailable", "%s", msg)
		}
		var de *dm.Error
		if errors.As(err, &de) {
			e.RetryAfter = de.RetryAfter
		}
		return e
	}
	return errorf(http.StatusInternalServerError, "InternalServerError", "Internal error.")
}

// convoError is xrpcError where a not-found means the conversation: to a
// non-member it does not exist, and Bluesky names that InvalidConvo, with
// Bluesky's message.
func convoError(err error) error {
	if dm.IsCode(err, dm.ENOTFOUND) {
		return errorf(http.StatusBadRequest, "InvalidConvo", msgConvoNotFound)
	}
	return err
}

// sendError is convoError for a send by me: a suspended account's send is
// refused (403 Forbidden) with Bluesky's "Account is disabled", on which
// Bluesky's app disables the conversation instead of offering a retry. Its
// sessions end with the suspension, so only a send already under way when
// it came meets this.
func sendError(me *dm.Account, err error) error {
	if me.Suspended && dm.IsCode(err, dm.EFORBIDDEN) && dm.ErrorReason(err) == "" {
		return errorf(http.StatusForbidden, "Forbidden", msgAccountDisabled)
	}
	return convoError(err)
}

// writeError writes the error body, with the RateLimit-* headers of a 429.
func (h *Handler) writeError(w http.ResponseWriter, err error) {
	e := xrpcError(err)
	if e.Status == http.StatusTooManyRequests {
		limit := h.cfg.SendBurst
		wait := max(1, int((e.RetryAfter+time.Second-1)/time.Second))
		hd := w.Header()
		hd.Set("RateLimit-Limit", strconv.Itoa(limit))
		hd.Set("RateLimit-Remaining", "0")
		hd.Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(wait)*time.Second).Unix(), 10))
		hd.Set("RateLimit-Policy", fmt.Sprintf("%d;w=%d", limit, rateLimitWindow))
		hd.Set("Retry-After", strconv.Itoa(wait))
	}
	writeJSON(w, e.Status, map[string]string{"error": e.Name, "message": e.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a procedure's JSON object body into v. Every way a body can
// be wrong is a 400 InvalidRequest (413 when too large) that says what.
func (c *call) decode(v any) error {
	if ct := c.r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return invalid("Wrong request encoding (Content-Type): %s, expected application/json.", dm.Truncate(ct, 60))
		}
	}
	body, err := io.ReadAll(c.r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "The request body is too large.")
		}
		return invalid("The request body could not be read.")
	}
	if len(body) == 0 {
		return invalid("Request encoding (Content-Type) required but not provided: this method takes a JSON body.")
	}
	// encoding/json would silently replace invalid UTF-8 with U+FFFD.
	if !utf8.Valid(body) {
		return invalid("The request body is not valid UTF-8.")
	}
	// ... and an unpaired surrogate escape ("\ud800") with U+FFFD too.
	if err := dm.CheckJSONText(body); err != nil {
		return invalid("%s", dm.ErrorMessage(err))
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return invalid("Input/%s must be of another type.", dm.Truncate(typeErr.Field, 60))
		case errors.As(err, &typeErr):
			return invalid("Input must be an object.")
		case errors.As(err, &syntaxErr):
			return invalid("Malformed JSON at byte %d.", syntaxErr.Offset)
		default:
			return invalid("Malformed JSON.")
		}
	}
	return nil
}

// param returns a query parameter, refusing oversized or non-UTF-8 values.
// A required one that is absent or empty is an error too.
func (c *call) param(name string, required bool) (string, error) {
	vs := c.r.URL.Query()[name]
	if len(vs) > 1 {
		return "", invalid("Params/%s is not an array.", name)
	}
	v := ""
	if len(vs) == 1 {
		v = vs[0]
	}
	if len(v) > 512 || !utf8.ValidString(v) {
		return "", invalid("Params/%s is not a valid value.", name)
	}
	if required && v == "" {
		return "", invalid("Params must have the property %q.", name)
	}
	return v, nil
}

// list returns a repeated query parameter (members=a&members=b).
func (c *call) list(name string, minN, maxN int) ([]string, error) {
	vs := c.r.URL.Query()[name]
	if len(vs) < minN || len(vs) > maxN {
		return nil, invalid("Params/%s must have %d to %d items.", name, minN, maxN)
	}
	for _, v := range vs {
		if v == "" || len(v) > 512 || !utf8.ValidString(v) {
			return nil, invalid("Params/%s has an invalid item.", name)
		}
	}
	return vs, nil
}

// limit reads ?limit= (default 50, 1 to 100, as the lexicons say).
func (c *call) limit() (int, error) {
	s, err := c.param("limit", false)
	if err != nil || s == "" {
		return 50, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalid("Params/limit must be an integer.")
	}
	if n < 1 || n > 100 {
		return 0, invalid("Params/limit must be from 1 to 100.")
	}
	return n, nil
}
