package wire

import "time"

// Creator collaborations (internal/brand/creators.go): a brand's pipeline
// of creators, visible to its owners, admins and agents with the
// "partnerships" permission.

// Deliverable is one thing a creator delivers.
type Deliverable struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// DueDate is a calendar date (YYYY-MM-DD), "" for none.
	DueDate string `json:"due_date"`
	Done    bool   `json:"done"`
	// Due is set by the server, ignored on input: "due_soon" from two days
	// before the due date, "overdue" from the day after (the brand's time
	// zone), "" otherwise or once done.
	Due string `json:"due,omitempty"`
}

// Outreach is the state of a creator's outreach: the first message and its
// automated follow-ups.
type Outreach struct {
	// State is "" (never sent), running, answered, accepted, declined,
	// blocked, stopped or finished.
	State string `json:"state"`
	// Sent counts the messages of the sequence sent, the first included.
	Sent           int        `json:"sent"`
	LastSentAt     *time.Time `json:"last_sent_at"`
	ConversationID string     `json:"conversation_id"`
}

// StageMove is one move of a creator in the pipeline.
type StageMove struct {
	From string `json:"from"`
	To   string `json:"to"`
	// By is who moved it: a team member, or the creator (Accept, Decline).
	By     *Profile  `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// CreatorCode is an offer code given to a creator.
type CreatorCode struct {
	CampaignID string     `json:"campaign_id"`
	Code       string     `json:"code"`
	AssignedAt time.Time  `json:"assigned_at"`
	RedeemedAt *time.Time `json:"redeemed_at"`
}

// CreatorResults is what a creator brought in.
type CreatorResults struct {
	Codes       []CreatorCode `json:"codes"`
	CodesGiven  int           `json:"codes_given"`
	Redemptions int           `json:"redemptions"`
	// Links counts the tracked links made for the creator to share,
	// Clicks their clicks, UniqueClicks those clicked at least once.
	Links        int `json:"links"`
	Clicks       int `json:"clicks"`
	UniqueClicks int `json:"unique_clicks"`
}

// Creator is one creator in a brand's pipeline.
type Creator struct {
	Creator      Profile       `json:"creator"`
	Stage        string        `json:"stage"`
	Notes        string        `json:"notes"`
	Deliverables []Deliverable `json:"deliverables"`
	// FeeMinor is the agreed fee in minor units (cents) of FeeCurrency.
	FeeMinor    int64     `json:"fee_minor"`
	FeeCurrency string    `json:"fee_currency"`
	DueDate     string    `json:"due_date"`
	Outreach    Outreach  `json:"outreach"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// History and Results come with one creator, not in lists.
	History []StageMove     `json:"history,omitempty"`
	Results *CreatorResults `json:"results,omitempty"`
}

// CreatorInput adds a creator to the pipeline (handle) or changes one
// (absent fields stay).
type CreatorInput struct {
	Handle       string         `json:"handle,omitempty"`
	Stage        *string        `json:"stage,omitempty"`
	Notes        *string        `json:"notes,omitempty"`
	Deliverables *[]Deliverable `json:"deliverables,omitempty"`
	FeeMinor     *int64         `json:"fee_minor,omitempty"`
	FeeCurrency  *string        `json:"fee_currency,omitempty"`
	DueDate      *string        `json:"due_date,omitempty"`
}

// OutreachFollowUp is one automated follow-up of an outreach.
type OutreachFollowUp struct {
	DelayMinutes int    `json:"delay_minutes"`
	Text         string `json:"text"`
}

// OutreachInput starts an outreach: a template and at most 2 follow-ups.
type OutreachInput struct {
	Text      string             `json:"text"`
	FollowUps []OutreachFollowUp `json:"follow_ups,omitempty"`
}

// CreatorLinkInput makes a tracked link for a creator to share.
type CreatorLinkInput struct {
	URL string `json:"url"`
}

// CreatorCodesInput gives offer codes to a creator: named codes of the
// offer's pool, or a count of free ones.
type CreatorCodesInput struct {
	CampaignID string   `json:"campaign_id"`
	Codes      []string `json:"codes,omitempty"`
	Count      int      `json:"count,omitempty"`
}
