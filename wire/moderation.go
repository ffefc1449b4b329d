package wire

import "time"

// Session is one of the caller's sessions (GET /api/v1/me/sessions).
type Session struct {
	ID         string     `json:"id"`
	Current    bool       `json:"current"`
	CreatedAt  *time.Time `json:"created_at"`   // null for sessions opened before it was recorded
	LastSeenAt *time.Time `json:"last_seen_at"` // null when never recorded
	ExpiresAt  time.Time  `json:"expires_at"`
	UserAgent  string     `json:"user_agent"`
	Address    string     `json:"address"`
}

// ReportReceipt is what the reporter gets back (POST /api/v1/reports).
type ReportReceipt struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	Messages  int       `json:"messages"`
}

// MyReport is a report as its reporter sees it (GET /api/v1/reports):
// what was reported and where it stands. The moderators' resolution note
// is theirs and not shown.
type MyReport struct {
	ID             string     `json:"id"`
	Status         string     `json:"status"`
	Reason         string     `json:"reason"`
	ConversationID string     `json:"conversation_id"`
	Subject        Profile    `json:"subject"`
	Messages       int        `json:"messages"`
	CreatedAt      time.Time  `json:"created_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
}

// ReportedMessage is the copy of a reported message kept in the report.
type ReportedMessage struct {
	ID        string     `json:"id"`
	Seq       int64      `json:"seq"`
	SenderID  string     `json:"sender_id"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at"`
}

// Report is a report as operators see it (the moderation queue).
type Report struct {
	ID             string            `json:"id"`
	Status         string            `json:"status"`
	Reason         string            `json:"reason"`
	ConversationID string            `json:"conversation_id"`
	Reporter       Profile           `json:"reporter"`
	Subject        Account           `json:"subject"`
	SubjectReports int               `json:"subject_reports"`
	Messages       []ReportedMessage `json:"messages"`
	CreatedAt      time.Time         `json:"created_at"`
	ResolvedAt     *time.Time        `json:"resolved_at"`
	Resolution     string            `json:"resolution"`
}

// ModerationEntry is one line of the moderation log.
type ModerationEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Operator *Profile  `json:"operator"` // null: the command line
	Action   string    `json:"action"`
	Subject  Profile   `json:"subject"`
	ReportID string    `json:"report_id"`
	Note     string    `json:"note"`
}
