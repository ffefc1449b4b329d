package dm

import "time"

// The wire form of a brand's analytics (GET /api/v1/brands/{handle}/analytics).
// internal/brand computes them; client/ reads them. The definitions of each
// figure are in internal/brand/analytics.go.

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

// AgentAnalytics are one agent's figures: Conversations counts the threads
// assigned to them, first response times those they answered first.
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

// AnalyticsReport is a brand's analytics over [From, To).
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
	// AnsweredByBot counts threads opened in the period that got an
	// automated answer (a rule's reply, a flow, the away message).
	AnsweredByBot int `json:"answered_by_bot"`
	// HandedOff counts hand-offs to a person (asked for, or by a rule).
	HandedOff int `json:"handed_off"`
	// ResolvedWithoutHuman counts threads resolved in the period that the
	// bot answered and no person of the team wrote in.
	ResolvedWithoutHuman int `json:"resolved_without_human"`
}
