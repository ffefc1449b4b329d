package client

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   Error
	}{
		{"envelope", 404, nil, `{"error":{"code":"not_found","message":"No such conversation."}}`,
			Error{Status: 404, Code: "not_found", Message: "No such conversation."}},
		{"rate limited", 429, http.Header{"Retry-After": {"7"}}, `{"error":{"code":"rate_limited","message":"Slow down."}}`,
			Error{Status: 429, Code: "rate_limited", Message: "Slow down.", RetryAfter: 7 * time.Second}},
		{"no envelope", 502, nil, "<html>Bad Gateway</html>\n", Error{Status: 502, Message: "<html>Bad Gateway</html>"}},
		{"empty body", 503, nil, "", Error{Status: 503, Message: "Service Unavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: tc.header, Body: io.NopCloser(strings.NewReader(tc.body))}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			var e *Error
			if !errors.As(decodeError(resp), &e) {
				t.Fatalf("decodeError did not return an *Error")
			}
			if *e != tc.want {
				t.Errorf("got %+v, want %+v", *e, tc.want)
			}
			if ErrorStatus(e) != tc.status {
				t.Errorf("ErrorStatus: got %d", ErrorStatus(e))
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0":                             0,
		"120":                           2 * time.Minute,
		" 3 ":                           3 * time.Second,
		"Fri, 02 Jan 2026 03:04:35 GMT": 30 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0, // in the past
		"soon":                          0,
		"-5":                            0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	if got := pathf("/api/v1/messages/%s/reactions/%s", "m/1", "👍"); got != "/api/v1/messages/m%2F1/reactions/%F0%9F%91%8D" {
		t.Errorf("pathf escapes each segment: got %s", got)
	}
	if got := query("folder", "", "cursor", "a b", "limit", limitString(0)); got != "?cursor=a+b" {
		t.Errorf("query skips empty values: got %s", got)
	}
	if got := query(); got != "" {
		t.Errorf("empty query: got %q", got)
	}
}
