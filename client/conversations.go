package client

import (
	"context"
	"net/http"

	"github.com/parleyhq/parley/wire"
)

type conversationAnswer struct {
	Conversation *Conversation `json:"conversation"`
}

// CreateConversation opens a conversation with the accounts of members (the
// caller is added). With one other member it is the pair's direct
// conversation, get-or-create: created is false when it already existed.
// With two or more it is a new group with an optional title.
func (c *Client) CreateConversation(ctx context.Context, members []string, title string) (conv *Conversation, created bool, err error) {
	in := struct {
		Members []string `json:"members"`
		Title   string   `json:"title,omitempty"`
	}{members, title}
	var out conversationAnswer
	status, err := c.call(ctx, http.MethodPost, "/api/v1/conversations", in, &out)
	if err != nil {
		return nil, false, err
	}
	return out.Conversation, status == http.StatusCreated, nil
}

// Folders of Conversations.
const (
	FolderInbox    = "inbox"
	FolderRequests = "requests"
	FolderArchived = "archived"
)

// Conversations lists one page of a folder ("" is the inbox), most recently
// active first. next is "" on the last page; limit 0 uses the server's default.
func (c *Client) Conversations(ctx context.Context, folder, cursor string, limit int) (convs []Conversation, next string, err error) {
	var out struct {
		Conversations []Conversation `json:"conversations"`
		NextCursor    string         `json:"next_cursor"`
	}
	q := query("folder", folder, "cursor", cursor, "limit", limitString(limit))
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/conversations"+q, nil, &out); err != nil {
		return nil, "", err
	}
	return out.Conversations, out.NextCursor, nil
}

// FolderCounts returns what the caller's badges show: the inbox's
// conversations with an unread message and the requests, up to 100 each,
// with their ids.
func (c *Client) FolderCounts(ctx context.Context) (*FolderCounts, error) {
	var out FolderCounts
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/conversations/counts", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReadMarker is how far another member has read a conversation.
type ReadMarker = wire.ReadMarker

// Reads returns how far the other members of a conversation have read it,
// for those who share read receipts with the caller (GET
// /api/v1/conversations/{id}, "reads").
func (c *Client) Reads(ctx context.Context, id string) ([]ReadMarker, error) {
	var out struct {
		Reads []ReadMarker `json:"reads"`
	}
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/conversations/%s", id), nil, &out); err != nil {
		return nil, err
	}
	return out.Reads, nil
}

// Conversation returns one conversation as the caller sees it.
func (c *Client) Conversation(ctx context.Context, id string) (*Conversation, error) {
	return c.conversationCall(ctx, http.MethodGet, pathf("/api/v1/conversations/%s", id), nil)
}

// ConversationUpdate changes the caller's view of a conversation (Muted,
// Archived) or a group's Title; nil fields are left as they are.
type ConversationUpdate struct {
	Muted    *bool   `json:"muted,omitempty"`
	Archived *bool   `json:"archived,omitempty"`
	Title    *string `json:"title,omitempty"`
}

// UpdateConversation mutes, archives or renames a conversation.
func (c *Client) UpdateConversation(ctx context.Context, id string, u ConversationUpdate) (*Conversation, error) {
	return c.conversationCall(ctx, http.MethodPatch, pathf("/api/v1/conversations/%s", id), u)
}

// Accept moves a conversation from the caller's requests to their inbox.
func (c *Client) Accept(ctx context.Context, id string) (*Conversation, error) {
	return c.conversationCall(ctx, http.MethodPost, pathf("/api/v1/conversations/%s/accept", id), nil)
}

// MarkRead marks a conversation read up to and including messageID, or up to
// its latest message when messageID is "".
func (c *Client) MarkRead(ctx context.Context, id, messageID string) error {
	in := struct {
		MessageID string `json:"message_id,omitempty"`
	}{messageID}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/conversations/%s/read", id), in, nil)
	return err
}

// AddMembers adds accounts to a group (owner only).
func (c *Client) AddMembers(ctx context.Context, id string, handles []string) (*Conversation, error) {
	in := struct {
		Members []string `json:"members"`
	}{handles}
	return c.conversationCall(ctx, http.MethodPost, pathf("/api/v1/conversations/%s/members", id), in)
}

// RemoveMember removes a member from a group: the owner may remove anyone,
// a member may remove themself (leave).
func (c *Client) RemoveMember(ctx context.Context, id, handle string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/conversations/%s/members/%s", id, handle), nil, nil)
	return err
}

// DeleteConversation deletes a conversation for the caller only: its history
// is cleared for them and it leaves their folders until a newer message.
func (c *Client) DeleteConversation(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/conversations/%s", id), nil, nil)
	return err
}

func (c *Client) conversationCall(ctx context.Context, method, path string, in any) (*Conversation, error) {
	var out conversationAnswer
	if _, err := c.call(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	return out.Conversation, nil
}
