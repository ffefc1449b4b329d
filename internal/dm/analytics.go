package dm

import "time"

// A brand's analytics, as internal/brand computes them; the API sends them
// as package wire's AnalyticsReport. The definitions of each figure are in
// internal/brand/analytics.go.

// Durations summarises durations in seconds; nil when there are none.
type Durations struct {
	Median *float64
	P90    *float64
}

// AnalyticsStats are the figures of a brand or of one agent over a period.
type AnalyticsStats struct {
	Conversations int
	Responded     int
	ResponseRate  *float64
	// FirstResponse and FirstResponseBusiness are in seconds.
	FirstResponse         Durations
	FirstResponseBusiness Durations
	Resolved              int
	MessagesIn            int
	MessagesOut           int
	MessagesAutomated     int
}

// AgentAnalytics are one agent's figures: Conversations counts the threads
// assigned to them, first response times those they answered first.
type AgentAnalytics struct {
	Agent Profile
	AnalyticsStats
}

// AnalyticsDay is one calendar day of a period.
type AnalyticsDay struct {
	Date        string
	Opened      int
	Resolved    int
	MessagesIn  int
	MessagesOut int
}

// AnalyticsReport is a brand's analytics over [From, To).
type AnalyticsReport struct {
	Brand    string
	From     time.Time
	To       time.Time
	TimeZone string
	Summary  AnalyticsStats
	Agents   []AgentAnalytics
	Days     []AnalyticsDay
	// Bot is what the brand's automation did in the period.
	Bot BotAnalytics
}

// BotAnalytics counts the work of a brand's bot over a period.
type BotAnalytics struct {
	// AnsweredByBot counts threads opened in the period that got an
	// automated answer (a rule's reply, a flow, the away message).
	AnsweredByBot int
	// HandedOff counts hand-offs to a person (asked for, or by a rule).
	HandedOff int
	// ResolvedWithoutHuman counts threads resolved in the period that the
	// bot answered and no person of the team wrote in.
	ResolvedWithoutHuman int
}
