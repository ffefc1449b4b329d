package wire

import "time"

// The brand endpoints' types (/api/v1/brands/...; the Brands tag of the API
// document). Only a brand's team sees them.

// InboxView is a brand conversation as the team sees it, in the inbox list,
// in answers and in inbox.* events.
type InboxView struct {
	ConversationID  string     `json:"conversation_id"`
	Brand           string     `json:"brand"`
	Customer        Profile    `json:"customer"`
	Status          string     `json:"status"`
	SnoozedUntil    *time.Time `json:"snoozed_until"`
	Assignee        *Profile   `json:"assignee"`
	Labels          []string   `json:"labels"`
	Priority        string     `json:"priority"`
	WaitingSince    *time.Time `json:"waiting_since"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	LastMessage     *Message   `json:"last_message"`
	LastMessageAt   time.Time  `json:"last_message_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// SLA is present while a customer waits on an open or pending
	// conversation and the brand has a target for the answer (in the
	// inbox list and the conversation's detail, not in events).
	SLA *SLAState `json:"sla,omitempty"`
}

// Note is a private note of the team on a brand conversation.
type Note struct {
	ID             string  `json:"id"`
	ConversationID string  `json:"conversation_id"`
	Author         Profile `json:"author"`
	Text           string  `json:"text"`
	// AfterSeq is the seq of the conversation's newest message when the
	// note was written: the note's place in the thread.
	AfterSeq  int64     `json:"after_seq"`
	CreatedAt time.Time `json:"created_at"`
}

// CannedReply is a saved reply with placeholders such as {{first_name|there}}.
type CannedReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Personal: the caller keeps it for themself (not shared with the team).
	Personal  bool      `json:"personal"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TeamMember is a member of a brand's team.
type TeamMember struct {
	Account   Profile   `json:"account"`
	Role      string    `json:"role"`
	Available bool      `json:"available"`
	AddedAt   time.Time `json:"added_at"`
	// Permissions are an agent's extra rights ("partnerships": the
	// creator pipeline); owners and admins have them all.
	Permissions []string `json:"permissions"`
}

// MyBrand is one team the caller is on.
type MyBrand struct {
	Brand     Profile `json:"brand"`
	Role      string  `json:"role"`
	Available bool    `json:"available"`
	// Permissions are what the caller may do there beyond the role's
	// rights (owners and admins: every permission).
	Permissions []string `json:"permissions"`
}

// TeamMessage is a brand conversation's message as the team sees it.
type TeamMessage struct {
	Message
	// Author is the agent who wrote an outbound message (nil for the
	// customer's messages and for the brand account's or a bot's).
	Author *Profile `json:"author"`
}

// InboxDetail is one brand conversation for the team: its inbox state, its
// notes (oldest first) and its newest messages (newest first).
type InboxDetail struct {
	Inbox    InboxView     `json:"inbox"`
	Notes    []Note        `json:"notes"`
	Messages []TeamMessage `json:"messages"`
	// Audit is the trail of inbox changes, in thread order (after_seq).
	Audit []AuditEntry `json:"audit"`
}

// Durations summarises durations in seconds; nil when there are none.
type Durations struct {
	Median *float64 `json:"median"`
	P90    *float64 `json:"p90"`
}

// AnalyticsStats are the figures of a brand or of one agent over a period.
type AnalyticsStats struct {
	Conversations int      `json:"conversations"`
	Responded     int      `json:"responded"`
	ResponseRate  *float64 `json:"response_rate"`
	// FirstResponse and FirstResponseBusiness are in seconds.
	FirstResponse         Durations `json:"first_response_seconds"`
	FirstResponseBusiness Durations `json:"first_response_business_seconds"`
	Resolved              int       `json:"resolved"`
	MessagesIn            int       `json:"messages_in"`
	MessagesOut           int       `json:"messages_out"`
	MessagesAutomated     int       `json:"messages_automated"`
}

// AgentAnalytics are one agent's figures.
type AgentAnalytics struct {
	Agent Profile `json:"agent"`
	AnalyticsStats
}

// AnalyticsDay is one calendar day of a period.
type AnalyticsDay struct {
	Date        string `json:"date"`
	Opened      int    `json:"opened"`
	Resolved    int    `json:"resolved"`
	MessagesIn  int    `json:"messages_in"`
	MessagesOut int    `json:"messages_out"`
}

// AnalyticsReport is a brand's analytics over [From, To)
// (GET /api/v1/brands/{handle}/analytics).
type AnalyticsReport struct {
	Brand    string           `json:"brand"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	TimeZone string           `json:"time_zone"`
	Summary  AnalyticsStats   `json:"summary"`
	Agents   []AgentAnalytics `json:"agents"`
	Days     []AnalyticsDay   `json:"days"`
	// Bot is what the brand's automation did in the period.
	Bot BotAnalytics `json:"bot"`
}

// BotAnalytics counts the work of a brand's bot over a period.
type BotAnalytics struct {
	AnsweredByBot        int `json:"answered_by_bot"`
	HandedOff            int `json:"handed_off"`
	ResolvedWithoutHuman int `json:"resolved_without_human"`
}
