package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// TestBusyIsRetryable: a transaction the database aborted for a clash with
// another (dm.ErrBusy) answers 503 "unavailable" with Retry-After, so that a
// client repeats it, and its driver text stays in the log.
func TestBusyIsRetryable(t *testing.T) {
	a := &API{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/conversations/x/messages", nil)
	a.error(w, r, dm.ErrBusy(errors.New("ERROR: deadlock detected (SQLSTATE 40P01)")))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1", got)
	}
	body := w.Body.String()
	if !strings.Contains(body, `"code":"unavailable"`) || strings.Contains(body, "SQLSTATE") {
		t.Fatalf("body %s: want code unavailable and no driver text", body)
	}
}
