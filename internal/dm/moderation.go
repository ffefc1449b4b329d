package dm

import (
	"context"
	"time"
)

// Report statuses.
const (
	ReportOpen   = "open"
	ReportClosed = "closed"
)

// Moderation actions, as the moderation log names them.
const (
	ModSuspend    = "suspend"
	ModUnsuspend  = "unsuspend"
	ModVerify     = "verify"
	ModUnverify   = "unverify"
	ModClose      = "close_report"
	ModResetLink  = "reset_link"
	ModGrantRole  = "grant_operator"
	ModRevokeRole = "revoke_operator"
)

// Report is a person's report of an account, with the messages they chose
// copied in as they were when reported: a later edit or unsend does not
// change the evidence the moderator reads.
type Report struct {
	ID             string
	ReporterID     string
	SubjectID      string
	ConversationID string // "" for a report of an account alone
	Reason         string
	Messages       []ReportedMessage
	Status         string // ReportOpen or ReportClosed
	CreatedAt      time.Time
	ResolvedBy     string
	ResolvedAt     *time.Time
	Resolution     string
}

// ReportedMessage is the copy of one reported message.
type ReportedMessage struct {
	ID        string     `json:"id"`
	Seq       int64      `json:"seq"`
	SenderID  string     `json:"sender_id"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
}

// ModerationEntry is one line of the moderation log: who did what to whom.
type ModerationEntry struct {
	ID         int64
	At         time.Time
	OperatorID string // "" for the command line
	Action     string
	SubjectID  string
	ReportID   string
	Note       string
}

// ModerationTx keeps reports and the moderation log (internal/moderation).
type ModerationTx interface {
	CreateReport(ctx context.Context, r *Report) error
	Report(ctx context.Context, id string) (*Report, error) // ENOTFOUND if none
	// Reports pages reports with a status, oldest first, after cursor ("" :
	// from the start); it returns the next cursor ("" at the end).
	Reports(ctx context.Context, status, cursor string, limit int) ([]Report, string, error)
	// ReportsBy pages the reports one account filed, newest first, after
	// cursor ("": from the newest); it returns the next cursor ("" at the end).
	ReportsBy(ctx context.Context, reporterID, cursor string, limit int) ([]Report, string, error)
	// ResolveReport closes an open report (ENOTFOUND if none or not open).
	ResolveReport(ctx context.Context, id, by, resolution string, at time.Time) error
	// CountReports counts the reports of an account made at or after since,
	// by distinct reporters.
	CountReports(ctx context.Context, subjectID string, since time.Time) (int, error)
	AddModerationLog(ctx context.Context, e *ModerationEntry) error
	// ModerationLog pages the log newest first, entries with ID < before (0: from the newest).
	ModerationLog(ctx context.Context, before int64, limit int) ([]ModerationEntry, error)
	// HideRequestsFrom takes the pending requests an account opened (direct
	// conversations with it, groups it owns) out of their recipients'
	// folders ("delete for me" up to the last message), and returns the
	// memberships it changed (ConversationID and UserID set).
	HideRequestsFrom(ctx context.Context, userID string) ([]Membership, error)
}
