package client

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/parleyhq/parley/wire"
)

// The brand wire types (see the Brands tag of the API document).
type (
	InboxConversation = wire.InboxView
	Note              = wire.Note
	CannedReply       = wire.CannedReply
	TeamMember        = wire.TeamMember
	MyBrand           = wire.MyBrand
	TeamMessage       = wire.TeamMessage
	InboxDetail       = wire.InboxDetail
)

// MyBrands lists the teams the caller is on.
func (c *Client) MyBrands(ctx context.Context) ([]MyBrand, error) {
	var out struct {
		Brands []MyBrand `json:"brands"`
	}
	_, err := c.call(ctx, http.MethodGet, "/api/v1/brands", nil, &out)
	return out.Brands, err
}

// Team lists a brand's team.
func (c *Client) Team(ctx context.Context, brand string) ([]TeamMember, error) {
	var out struct {
		Members []TeamMember `json:"members"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/team", brand), nil, &out)
	return out.Members, err
}

// AddTeamMember adds an account to a brand's team with a role.
func (c *Client) AddTeamMember(ctx context.Context, brand, handle, role string) (*TeamMember, error) {
	var out struct {
		Member TeamMember `json:"member"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/team", brand), map[string]string{"handle": handle, "role": role}, &out)
	if err != nil {
		return nil, err
	}
	return &out.Member, nil
}

// TeamMemberUpdate changes a member; nil fields stay.
type TeamMemberUpdate struct {
	Role      *string `json:"role,omitempty"`
	Available *bool   `json:"available,omitempty"`
	// Permissions replaces an agent's permissions ("partnerships").
	Permissions *[]string `json:"permissions,omitempty"`
}

// UpdateTeamMember changes a member's role or availability.
func (c *Client) UpdateTeamMember(ctx context.Context, brand, handle string, u TeamMemberUpdate) (*TeamMember, error) {
	var out struct {
		Member TeamMember `json:"member"`
	}
	_, err := c.call(ctx, http.MethodPatch, pathf("/api/v1/brands/%s/team/%s", brand, handle), u, &out)
	if err != nil {
		return nil, err
	}
	return &out.Member, nil
}

// RemoveTeamMember removes a member from a brand's team.
func (c *Client) RemoveTeamMember(ctx context.Context, brand, handle string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/team/%s", brand, handle), nil, nil)
	return err
}

// InboxFilter selects conversations of a brand's inbox ("" fields do not filter).
type InboxFilter struct {
	View, Status, Label, Assignee, Q, Cursor string
	// Sort is "latest" (default), "waiting" or "priority".
	Sort  string
	Limit int
}

// Inbox lists a brand's conversations.
func (c *Client) Inbox(ctx context.Context, brand string, f InboxFilter) ([]InboxConversation, string, error) {
	var out struct {
		Conversations []InboxConversation `json:"conversations"`
		NextCursor    string              `json:"next_cursor"`
	}
	path := pathf("/api/v1/brands/%s/inbox", brand) + query("view", f.View, "status", f.Status, "label", f.Label,
		"assignee", f.Assignee, "q", f.Q, "sort", f.Sort, "cursor", f.Cursor, "limit", limitString(f.Limit))
	_, err := c.call(ctx, http.MethodGet, path, nil, &out)
	return out.Conversations, out.NextCursor, err
}

// InboxConversation returns a brand conversation with its notes and latest messages.
func (c *Client) InboxConversation(ctx context.Context, brand, id string) (*InboxDetail, error) {
	var out InboxDetail
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/conversations/%s", brand, id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// InboxUpdate triages a brand conversation; nil fields stay.
type InboxUpdate struct {
	Status       *string    `json:"status,omitempty"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
	Assignee     *string    `json:"assignee,omitempty"`
	Labels       *[]string  `json:"labels,omitempty"`
	Priority     *string    `json:"priority,omitempty"`
	// Team assigns by that agent team's round-robin.
	Team *string `json:"team,omitempty"`
}

// UpdateInboxConversation changes a brand conversation's status, assignee, labels or priority.
func (c *Client) UpdateInboxConversation(ctx context.Context, brand, id string, u InboxUpdate) (*InboxConversation, error) {
	var out struct {
		Inbox InboxConversation `json:"inbox"`
	}
	if _, err := c.call(ctx, http.MethodPatch, pathf("/api/v1/brands/%s/conversations/%s", brand, id), u, &out); err != nil {
		return nil, err
	}
	return &out.Inbox, nil
}

// AddNote adds a private note to a brand conversation.
func (c *Client) AddNote(ctx context.Context, brand, id, text string) (*Note, error) {
	var out struct {
		Note Note `json:"note"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/conversations/%s/notes", brand, id), map[string]string{"text": text}, &out); err != nil {
		return nil, err
	}
	return &out.Note, nil
}

// BrandReply is a message sent as a brand: Text, or a CannedReplyID.
type BrandReply struct {
	Text          string `json:"text,omitempty"`
	CannedReplyID string `json:"canned_reply_id,omitempty"`
	ClientID      string `json:"client_id,omitempty"`
}

// SendAsBrand answers a brand conversation as the brand.
func (c *Client) SendAsBrand(ctx context.Context, brand, id string, r BrandReply) (*TeamMessage, error) {
	var out struct {
		Message TeamMessage `json:"message"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/conversations/%s/messages", brand, id), r, &out); err != nil {
		return nil, err
	}
	return &out.Message, nil
}

// Presence announces viewing, typing or left on a brand conversation.
func (c *Client) Presence(ctx context.Context, brand, id, state string) error {
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/conversations/%s/presence", brand, id), map[string]string{"state": state}, nil)
	return err
}

// CannedReplies lists a brand's canned replies.
func (c *Client) CannedReplies(ctx context.Context, brand string) ([]CannedReply, error) {
	var out struct {
		CannedReplies []CannedReply `json:"canned_replies"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/canned-replies", brand), nil, &out)
	return out.CannedReplies, err
}

// CreateCannedReply saves a canned reply.
func (c *Client) CreateCannedReply(ctx context.Context, brand, title, text string) (*CannedReply, error) {
	var out struct {
		CannedReply CannedReply `json:"canned_reply"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/canned-replies", brand), map[string]string{"title": title, "text": text}, &out); err != nil {
		return nil, err
	}
	return &out.CannedReply, nil
}

// DeleteCannedReply deletes a canned reply.
func (c *Client) DeleteCannedReply(ctx context.Context, brand, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/canned-replies/%s", brand, id), nil, nil)
	return err
}

// BrandSettings are a brand's business hours and inbox settings.
type BrandSettings struct {
	TimeZone      string              `json:"time_zone,omitempty"`
	HoursEnabled  *bool               `json:"hours_enabled,omitempty"`
	Hours         *[]BusinessHoursDay `json:"hours,omitempty"`
	AwayMessage   *string             `json:"away_message,omitempty"`
	ShowAgentName *bool               `json:"show_agent_name,omitempty"`
	AutoAssign    *bool               `json:"auto_assign,omitempty"`
}

// BusinessHoursDay is one span of business hours: {"mon", "09:00", "17:00"}.
type BusinessHoursDay struct {
	Day   string `json:"day"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

// PutBrandSettings changes a brand's settings (fields left nil stay) and
// returns the raw settings object.
func (c *Client) PutBrandSettings(ctx context.Context, brand string, s BrandSettings) (map[string]any, error) {
	var out struct {
		Settings map[string]any `json:"settings"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/settings", brand), s, &out)
	return out.Settings, err
}

// The analytics report, as the API returns it.
type (
	Durations       = wire.Durations
	AnalyticsStats  = wire.AnalyticsStats
	AgentAnalytics  = wire.AgentAnalytics
	AnalyticsDay    = wire.AnalyticsDay
	AnalyticsReport = wire.AnalyticsReport
)

func periodQuery(from, to time.Time) []string {
	var kv []string
	if !from.IsZero() {
		kv = append(kv, "from", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		kv = append(kv, "to", to.UTC().Format(time.RFC3339))
	}
	return kv
}

// Analytics returns a brand's analytics (zero times: the last seven days).
func (c *Client) Analytics(ctx context.Context, brand string, from, to time.Time) (*AnalyticsReport, error) {
	var out AnalyticsReport
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/analytics", brand)+query(periodQuery(from, to)...), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AnalyticsCSV returns a brand's analytics as CSV (table "summary" or "days").
func (c *Client) AnalyticsCSV(ctx context.Context, brand, table string, from, to time.Time) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.base+pathf("/api/v1/brands/%s/analytics.csv", brand)+query(append(periodQuery(from, to), "table", table)...), nil)
	if err != nil {
		return "", err
	}
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", decodeError(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return string(b), err
}
