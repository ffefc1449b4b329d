package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/parleyhq/parley/wire"
)

// Account security and moderation.
type (
	Session         = wire.Session
	ReportReceipt   = wire.ReportReceipt
	MyReport        = wire.MyReport
	Report          = wire.Report
	ReportedMessage = wire.ReportedMessage
	ModerationEntry = wire.ModerationEntry
)

// ChangePassword sets a new password; every other session of the account ends.
func (c *Client) ChangePassword(ctx context.Context, current, next string) error {
	in := map[string]string{"current_password": current, "new_password": next}
	_, err := c.call(ctx, http.MethodPost, "/api/v1/me/password", in, nil)
	return err
}

// Sessions lists the account's sessions.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var out struct {
		Sessions []Session `json:"sessions"`
	}
	_, err := c.call(ctx, http.MethodGet, "/api/v1/me/sessions", nil, &out)
	return out.Sessions, err
}

// EndSession ends one of the account's sessions by id.
func (c *Client) EndSession(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/me/sessions/"+url.PathEscape(id), nil, nil)
	return err
}

// LogoutEverywhere ends every session of the account (keepCurrent: all but
// this client's) and returns how many ended.
func (c *Client) LogoutEverywhere(ctx context.Context, keepCurrent bool) (int, error) {
	var out struct {
		Ended int `json:"ended"`
	}
	path := "/api/v1/me/sessions"
	if keepCurrent {
		path += "?keep_current=true"
	}
	_, err := c.call(ctx, http.MethodDelete, path, nil, &out)
	if err == nil && !keepCurrent {
		c.SetToken("")
	}
	return out.Ended, err
}

// ResetPassword sets a password with the token of a reset link; it needs no
// session and returns the account's handle.
func (c *Client) ResetPassword(ctx context.Context, token, password string) (string, error) {
	var out struct {
		Handle string `json:"handle"`
	}
	_, err := c.call(ctx, http.MethodPost, "/api/v1/password-reset", map[string]string{"token": token, "password": password}, &out)
	return out.Handle, err
}

// ReportParams names what a report is about.
type ReportParams struct {
	Handle     string   `json:"handle,omitempty"`
	MessageIDs []string `json:"message_ids,omitempty"`
	Reason     string   `json:"reason,omitempty"`
}

// Report files a report of an account or of messages.
func (c *Client) Report(ctx context.Context, p ReportParams) (*ReportReceipt, error) {
	var out struct {
		Report *ReportReceipt `json:"report"`
	}
	_, err := c.call(ctx, http.MethodPost, "/api/v1/reports", p, &out)
	return out.Report, err
}

// MyReports lists the reports the caller filed, newest first, with their status.
func (c *Client) MyReports(ctx context.Context, cursor string, limit int) ([]MyReport, string, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Reports    []MyReport `json:"reports"`
		NextCursor string     `json:"next_cursor"`
	}
	_, err := c.call(ctx, http.MethodGet, "/api/v1/reports?"+q.Encode(), nil, &out)
	return out.Reports, out.NextCursor, err
}

// ReportQueue lists reports with a status ("" : open), for operators.
func (c *Client) ReportQueue(ctx context.Context, status, cursor string) ([]Report, string, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out struct {
		Reports    []Report `json:"reports"`
		NextCursor string   `json:"next_cursor"`
	}
	_, err := c.call(ctx, http.MethodGet, "/api/v1/moderation/reports?"+q.Encode(), nil, &out)
	return out.Reports, out.NextCursor, err
}

// CloseReport closes a report with a resolution note, for operators.
func (c *Client) CloseReport(ctx context.Context, id, resolution string) (*Report, error) {
	var out struct {
		Report *Report `json:"report"`
	}
	_, err := c.call(ctx, http.MethodPost, "/api/v1/moderation/reports/"+url.PathEscape(id)+"/close", map[string]string{"resolution": resolution}, &out)
	return out.Report, err
}

// Suspend suspends (on) or unsuspends an account, for operators.
func (c *Client) Suspend(ctx context.Context, handle string, on bool, reportID, note string) (*Account, error) {
	return c.moderate(ctx, handle, "suspension", on, reportID, note)
}

// Verify marks a brand verified (on) or not, for operators.
func (c *Client) Verify(ctx context.Context, handle string, on bool) (*Account, error) {
	return c.moderate(ctx, handle, "verified", on, "", "")
}

func (c *Client) moderate(ctx context.Context, handle, what string, on bool, reportID, note string) (*Account, error) {
	method := http.MethodDelete
	if on {
		method = http.MethodPut
	}
	var out struct {
		Account *Account `json:"account"`
	}
	in := map[string]string{"report_id": reportID, "note": note}
	_, err := c.call(ctx, method, "/api/v1/moderation/accounts/"+url.PathEscape(handle)+"/"+what, in, &out)
	return out.Account, err
}

// ModerationLog pages the moderation log, newest first (before 0: from the newest).
func (c *Client) ModerationLog(ctx context.Context, before int64) ([]ModerationEntry, error) {
	path := "/api/v1/moderation/log"
	if before > 0 {
		path += "?before=" + strconv.FormatInt(before, 10)
	}
	var out struct {
		Entries []ModerationEntry `json:"entries"`
	}
	_, err := c.call(ctx, http.MethodGet, path, nil, &out)
	return out.Entries, err
}
