package client

import (
	"context"
	"net/http"
)

// Events polls the caller's event log: the events after cursor, oldest
// first, and the cursor to pass next time (the seq of the last event
// returned, or the same cursor when there is nothing new). With cursor ""
// the server starts from now: no events and the current cursor. A cursor
// older than the server's retention is a 410 *Error with code "gone": the
// client must resync (reload its conversations) and continue from a fresh
// cursor. limit 0 uses the server's default.
func (c *Client) Events(ctx context.Context, cursor string, limit int) (events []Event, next string, err error) {
	var out struct {
		Events []Event `json:"events"`
		Cursor string  `json:"cursor"`
	}
	q := query("cursor", cursor, "limit", limitString(limit))
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/events"+q, nil, &out); err != nil {
		return nil, "", err
	}
	return out.Events, out.Cursor, nil
}
