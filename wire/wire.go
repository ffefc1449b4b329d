// Package wire holds the JSON types of Parley's HTTP API and WebSocket event
// stream: what travels between a server and its clients (see API.md and
// /api/openapi.json). The server fills them from its domain types in one
// place per surface; the Go client (package client) decodes into them. It
// imports nothing of Parley, so that an integrator can depend on it alone.
//
// A field's JSON name and shape are the API contract: add fields freely,
// never rename, remove or change the meaning of one. Slices keep the
// difference between nil (JSON null) and empty (JSON []) that the server
// gives them, and pointers the difference between absent and zero.
package wire

import "time"

// Account is a person or a brand.
type Account struct {
	ID          string    `json:"id"`
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name"`
	Bio         string    `json:"bio"`
	Kind        string    `json:"kind"`
	CreatedAt   time.Time `json:"created_at"`
	// Role is "operator" for moderators, and shown only to the account itself (GET /me).
	Role      string `json:"role,omitempty"`
	Suspended bool   `json:"suspended,omitempty"`
	Verified  bool   `json:"verified,omitempty"`
}

// Settings are an account's private preferences.
type Settings struct {
	AllowIncoming string `json:"allow_incoming"`
	ReadReceipts  bool   `json:"read_receipts"`
	// TimeZone is the person's IANA time zone ("" : the brand's, for the
	// quiet hours of brands' automated messages).
	TimeZone string `json:"time_zone"`
}

// Profile is the short form of an account, inside messages and member lists.
type Profile struct {
	ID          string `json:"id"`
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	// Suspended: the account is suspended (its messages show as from a
	// suspended account). Verified: a brand an operator has verified.
	Suspended bool `json:"suspended,omitempty"`
	Verified  bool `json:"verified,omitempty"`
}

// AccountProfile is an account's public profile as the caller sees it
// (GET /api/v1/accounts/{handle}).
type AccountProfile struct {
	Account        Account `json:"account"`
	FollowersCount int     `json:"followers_count"`
	FollowingCount int     `json:"following_count"`
	FollowedByMe   bool    `json:"followed_by_me"`
	FollowsMe      bool    `json:"follows_me"`
	BlockedByMe    bool    `json:"blocked_by_me"`
	// CanMessage tells whether a message to the account would be accepted now.
	CanMessage bool `json:"can_message"`
	// CannotMessageReason says why CanMessage is false, in words a UI can show.
	CannotMessageReason string `json:"cannot_message_reason,omitempty"`
	// VeryResponsive is the brand badge (brands only; absent for people).
	VeryResponsive *bool `json:"very_responsive,omitempty"`
	// Bot is a brand's bot entry points (absent when it has no bot on).
	Bot *BotEntry `json:"bot,omitempty"`
}

// Member is a conversation member as other members see them.
type Member struct {
	Profile
	Role string `json:"role"`
}

// Conversation is a conversation as one member sees it: Status, Muted,
// Archived, UnreadCount and LastReadSeq are the caller's own.
type Conversation struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Members     []Member  `json:"members"`
	Status      string    `json:"status"`
	Muted       bool      `json:"muted"`
	Archived    bool      `json:"archived"`
	UnreadCount int       `json:"unread_count"`
	LastReadSeq int64     `json:"last_read_seq"`
	LastMessage *Message  `json:"last_message"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ReadMarker is how far another member has read a conversation (GET
// /api/v1/conversations/{id}, "reads"): the seq of the last message they
// read. Only members who share read receipts with the caller are listed.
type ReadMarker struct {
	UserID  string `json:"user_id"`
	ReadSeq int64  `json:"read_seq"`
}

// FolderCounts is what the caller's badges show (GET
// /api/v1/conversations/counts): the inbox's conversations with an unread
// message (muted ones left out), the requests, and the requests with an
// unread message (not muted), most recently active first, each up to 100
// (a count of 100 means "100 or more"). A client that has loaded some of
// them counts those from its own state and the others from the ids.
type FolderCounts struct {
	InboxUnread    int      `json:"inbox_unread"`
	Requests       int      `json:"requests"`
	RequestsUnread int      `json:"requests_unread"`
	InboxUnreadIDs []string `json:"inbox_unread_ids"`
	RequestIDs     []string `json:"request_ids"`
}

// ExportRecord is one line of the caller's data export (GET
// /api/v1/me/export, JSON Lines); Type says which fields are set. The first
// line is "account" (the caller's account and settings, and ExportedAt),
// then "following" and "blocked" (Account), "conversation" (Conversation,
// as the caller sees it) each followed by its "message" lines (Message,
// newest first), and the last "end" (Counts): a file without it was cut
// short. A failure part-way ends the file with an "error" line instead.
type ExportRecord struct {
	Type         string        `json:"type"`
	Account      *Account      `json:"account,omitempty"`
	Settings     *Settings     `json:"settings,omitempty"`
	ExportedAt   *time.Time    `json:"exported_at,omitempty"`
	Conversation *Conversation `json:"conversation,omitempty"`
	Message      *Message      `json:"message,omitempty"`
	Counts       *ExportCounts `json:"counts,omitempty"`
	Error        string        `json:"error,omitempty"`
}

// ExportCounts are the lines of each kind an export wrote.
type ExportCounts struct {
	Following     int `json:"following"`
	Blocked       int `json:"blocked"`
	Conversations int `json:"conversations"`
	Messages      int `json:"messages"`
}

// Message is one message of a conversation; Seq numbers a conversation's
// messages 1, 2, 3 ... without gaps.
type Message struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Seq            int64      `json:"seq"`
	Sender         Profile    `json:"sender"`
	Text           string     `json:"text"`
	ReplyTo        string     `json:"reply_to"`
	Reactions      []Reaction `json:"reactions"`
	CreatedAt      time.Time  `json:"created_at"`
	EditedAt       *time.Time `json:"edited_at"`
	Deleted        bool       `json:"deleted"`
	// Automated marks a message a bot wrote for a brand (the away message).
	Automated bool `json:"automated,omitempty"`
	// AgentName is the first name of the brand agent who wrote the message,
	// when the brand chose to show it.
	AgentName string `json:"agent_name,omitempty"`
	// CampaignID marks a message sent by a brand's campaign (a business
	// campaign); such a message is also automated.
	CampaignID string `json:"campaign_id,omitempty"`
	// Collaboration marks a brand's proposal of a collaboration to a
	// creator (an outreach message or its follow-up); it carries Accept and
	// Decline buttons.
	Collaboration bool `json:"collaboration,omitempty"`
	// QuickReplies are buttons under a brand's (bot's) message; tapping one
	// sends its title as the customer's reply, with its payload.
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	// Attachments are the message's files, in the order sent.
	Attachments []Attachment `json:"attachments,omitempty"`
	// LinkPreview is the card of the message's first link, once fetched.
	LinkPreview *LinkPreview `json:"link_preview,omitempty"`
	// Product is the product card a brand's message carries.
	Product *ProductCard `json:"product,omitempty"`
}

// Attachment is a file on a message. URL and ThumbnailURL are API paths
// that only the conversation's members may read.
type Attachment struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	// Width and Height are an image's pixel size.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// DurationMS is the length the uploader declared for a voice note or video.
	DurationMS int64 `json:"duration_ms,omitempty"`
	// Waveform is a voice note's peaks (0-255), as its uploader measured them.
	Waveform     []int  `json:"waveform,omitempty"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
}

// LinkPreview is the card of a message's first link.
type LinkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	SiteName    string `json:"site_name,omitempty"`
	Image       string `json:"image,omitempty"`
}

// Reaction summarises one emoji on a message for the caller.
type Reaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}
