package dm

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in one place (internal/api); the
// strings are part of the public API (../shared/API.md, "Errors").
const (
	EINVALID         = "invalid_request"       // 400
	EUNAUTHENTICATED = "unauthenticated"       // 401
	EFORBIDDEN       = "forbidden"             // 403
	ENOTFOUND        = "not_found"             // 404
	ECONFLICT        = "conflict"              // 409
	EGONE            = "gone"                  // 410
	ETOOLARGE        = "payload_too_large"     // 413
	ERANGE           = "range_not_satisfiable" // 416: no byte of a Range header's ranges exists
	ERATELIMITED     = "rate_limited"          // 429
	EINTERNAL        = "internal"              // 500
	EUNAVAILABLE     = "unavailable"           // 503: a transient clash with another write; nothing was saved, try again
	ESTORAGEFULL     = "storage_full"          // 507
	EQUOTA           = "quota_exceeded"        // 507: the account's storage quota is used up
)

// ErrStorageFull is what a store or blob store answers when its disk (or
// the database's) is full: nothing was written, and the caller may try
// again once space is freed. It wraps the driver's error for the log.
func ErrStorageFull(cause error) error {
	return fmt.Errorf("%w (%w)", &Error{Code: ESTORAGEFULL, Message: "The server is out of storage space; nothing was saved. Try again later."}, cause)
}

// ErrBusy is what a store answers when the database gave up on a
// transaction for a reason that a retry cures (a deadlock with another
// transaction, a serialization failure, a lock it could not take): nothing
// was written, and the same request, sent again, normally succeeds (a send
// repeated with its client_id is never stored twice). It wraps the driver's
// error for the log.
func ErrBusy(cause error) error {
	return fmt.Errorf("%w (%w)", &Error{Code: EUNAVAILABLE, Message: "The server was busy with a conflicting change; nothing was saved. Try again.", RetryAfter: time.Second}, cause)
}

// ErrMessageDeleted is what a store answers to an edit of, or a reaction
// to, a message that was deleted for everyone: the store checks under its
// lock, so a delete that committed after the caller's read still counts.
func ErrMessageDeleted() error {
	return Errorf(ECONFLICT, "The message was deleted.")
}

// Error is an error a user may see. Any other error is internal: it is logged
// and the client only learns that something went wrong.
type Error struct {
	Code    string
	Message string
	// RetryAfter is set on ERATELIMITED and EUNAVAILABLE errors.
	RetryAfter time.Duration
	// Reason refines an EFORBIDDEN error for the surfaces that name each
	// cause (the XRPC surface's BlockedActor, MessagesDisabled, ...); one
	// of the Reason constants, or "".
	Reason string
}

// Reasons of an EFORBIDDEN error when one account may not message another.
const (
	ReasonBlockedByYou = "blocked_by_you" // the caller blocks the recipient
	ReasonBlocksYou    = "blocks_you"     // the recipient blocks the caller
	ReasonNotAccepting = "not_accepting"  // the recipient accepts no new messages
	ReasonNotFollowed  = "not_followed"   // the recipient accepts only people they follow
)

// ErrorReason returns the Reason of err, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EINTERNAL when err is not an *Error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic text so that no internal detail reaches a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsCode reports whether err is an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
