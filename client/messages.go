package client

import (
	"context"
	"net/http"
)

// SendParams is a message to send. ClientID, when set, makes the send safe to
// retry: the server stores one message per sender and ClientID and answers
// every repeat with it. ReplyTo is the id of a message of the same
// conversation.
type SendParams struct {
	Text     string `json:"text"`
	ClientID string `json:"client_id,omitempty"`
	ReplyTo  string `json:"reply_to,omitempty"`
	// Payload is the payload of the quick reply, ice breaker or menu
	// entry tapped to send Text (brand conversations).
	Payload string `json:"quick_reply_payload,omitempty"`
	// Attachments are ids of uploads (Client.Upload) to put on the message.
	Attachments []string `json:"attachments,omitempty"`
}

type messageAnswer struct {
	Message *Message `json:"message"`
}

// Send posts a message to a conversation. created is false when the server
// answered a repeated ClientID with the message it already had.
func (c *Client) Send(ctx context.Context, conversationID string, p SendParams) (msg *Message, created bool, err error) {
	var out messageAnswer
	status, err := c.call(ctx, http.MethodPost, pathf("/api/v1/conversations/%s/messages", conversationID), p, &out)
	if err != nil {
		return nil, false, err
	}
	return out.Message, status == http.StatusCreated, nil
}

// Messages lists one page of a conversation's messages, newest first: those
// older than the message with id before ("" for the newest). next is ""
// on the last page and otherwise the before of the next page; limit 0 uses
// the server's default.
func (c *Client) Messages(ctx context.Context, conversationID, before string, limit int) (msgs []Message, next string, err error) {
	var out struct {
		Messages   []Message `json:"messages"`
		NextCursor string    `json:"next_cursor"`
	}
	q := query("before", before, "limit", limitString(limit))
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/conversations/%s/messages", conversationID)+q, nil, &out); err != nil {
		return nil, "", err
	}
	return out.Messages, out.NextCursor, nil
}

// EditMessage replaces the text of one's own message (within 15 minutes of sending).
func (c *Client) EditMessage(ctx context.Context, id, text string) (*Message, error) {
	in := struct {
		Text string `json:"text"`
	}{text}
	var out messageAnswer
	if _, err := c.call(ctx, http.MethodPatch, pathf("/api/v1/messages/%s", id), in, &out); err != nil {
		return nil, err
	}
	return out.Message, nil
}

// DeleteMessage hides a message from the caller, or, with forEveryone (the
// sender only), empties it for every member, leaving a deleted placeholder.
func (c *Client) DeleteMessage(ctx context.Context, id string, forEveryone bool) error {
	scope := "me"
	if forEveryone {
		scope = "everyone"
	}
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/messages/%s", id)+query("for", scope), nil, nil)
	return err
}

// React adds the caller's emoji reaction to a message (idempotent).
func (c *Client) React(ctx context.Context, id, emoji string) error {
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/messages/%s/reactions/%s", id, emoji), nil, nil)
	return err
}

// Unreact removes the caller's emoji reaction from a message (idempotent).
func (c *Client) Unreact(ctx context.Context, id, emoji string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/messages/%s/reactions/%s", id, emoji), nil, nil)
	return err
}
