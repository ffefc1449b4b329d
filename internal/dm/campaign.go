package dm

import (
	"context"
	"encoding/json"
	"time"
)

// This file holds campaigns: a brand's message to an audience, planned
// into one delivery row per (campaign step, recipient) and sent by durable
// jobs through the consent gate. internal/campaign holds the pure rules
// (validation, audiences, variants, pacing); internal/brand/campaigns.go
// the glue; CampaignTx is what a store keeps.

// Campaign states.
const (
	CampaignDraft     = "draft"     // editable, not scheduled
	CampaignScheduled = "scheduled" // planned at StartAt
	CampaignRunning   = "running"   // planned; deliveries going out
	CampaignPaused    = "paused"    // deliveries wait until resumed
	CampaignCancelled = "cancelled" // pending deliveries were cancelled
	CampaignDone      = "done"      // every delivery settled
)

// Delivery states.
const (
	SendPending   = "pending"   // due at RunAt (a quiet-hour deferral keeps its reason)
	SendSending   = "sending"   // claimed by a worker until RunAt (its lease)
	SendSent      = "sent"      // the message is stored (MessageID)
	SendSkipped   = "skipped"   // held back, with its Reason
	SendFailed    = "failed"    // gave up after errors, with the last one in Reason
	SendCancelled = "cancelled" // the campaign was cancelled first
)

// Campaign is a brand's campaign.
type Campaign struct {
	ID      string
	BrandID string
	Name    string
	Type    string // "message" for now (internal/campaign.Types)
	Status  string
	// Audience is the audience expression (internal/campaign.Audience), as JSON.
	Audience json.RawMessage
	// Steps are the messages, as JSON (internal/campaign.Step).
	Steps json.RawMessage
	// Event is an event invitation's event, as JSON (internal/campaign.Event;
	// empty for other types).
	Event json.RawMessage
	// Offer is an exclusive offer's settings, as JSON (internal/campaign.Offer).
	Offer json.RawMessage
	// SurveyID is a survey campaign's survey (dm.Survey; "" for other types).
	SurveyID string
	// RatePerMinute paces the deliveries.
	RatePerMinute int
	StartAt       *time.Time
	// Generation counts starts and resumes; the sending jobs of an older
	// generation stop when they see a newer one.
	Generation int
	// Targeted is how many delivery rows the plan wrote (set when planned).
	Targeted  int
	PlannedAt *time.Time
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CampaignSend is one message of a campaign step to one recipient: the unit of
// exactly-once. (CampaignID, Step, UserID) is unique.
type CampaignSend struct {
	ID         string
	CampaignID string
	BrandID    string
	Step       int
	UserID     string
	Variant    string
	State      string
	Reason     string
	// RunAt is when a pending delivery is due, or the end of a sending
	// one's lease.
	RunAt          time.Time
	LeasedBy       string
	Attempts       int
	MessageID      string
	ConversationID string
	UpdatedAt      time.Time
}

// EventCampaignProgress tells a brand's team how a campaign goes (Campaign).
const EventCampaignProgress = "campaign.progress"

// EventSurveyAnswered tells a brand's team that a customer answered one of
// its surveys (State is the survey's id), so that the dashboard updates.
const EventSurveyAnswered = "survey.answered"

// CampaignProgress is a campaign's counts: every delivery row is in
// exactly one of Pending (Deferred of them until quiet hours end), Sent,
// Failed, Cancelled, or Skipped by reason; Targeted is their sum.
type CampaignProgress struct {
	CampaignID string         `json:"campaign_id"`
	Status     string         `json:"status"`
	Targeted   int            `json:"targeted"`
	Pending    int            `json:"pending"`
	Deferred   int            `json:"deferred"`
	Sent       int            `json:"sent"`
	Failed     int            `json:"failed"`
	Cancelled  int            `json:"cancelled"`
	Skipped    map[string]int `json:"skipped"`
	// RSVP are an event invitation's tallies (nil for other types).
	RSVP *RSVPTally `json:"rsvp,omitempty"`
	// Offer are an exclusive offer's codes (nil for other types).
	Offer *OfferTally `json:"offer,omitempty"`
}

// OfferTally counts an offer's codes: in the uploaded pool, given to
// recipients, redeemed.
type OfferTally struct {
	Pool     int `json:"pool"`
	Assigned int `json:"assigned"`
	Redeemed int `json:"redeemed"`
}

// CampaignCode is one code of an offer.
type CampaignCode struct {
	CampaignID string
	Code       string
	UserID     string // "" while in the pool
	AssignedAt *time.Time
	RedeemedAt *time.Time
}

// RSVPTally counts an invitation's answers: Yes is those going (a place
// is theirs), Waitlist the Yes answers waiting for one.
type RSVPTally struct {
	Yes      int `json:"yes"`
	No       int `json:"no"`
	Maybe    int `json:"maybe"`
	Waitlist int `json:"waitlist"`
}

// RSVP is one person's answer to an invitation.
type RSVP struct {
	CampaignID string
	UserID     string
	Answer     string // yes, no, maybe
	Status     string // going, waitlist, or "" (no, maybe)
	At         time.Time
}

// DeliveryCount is how many deliveries of a campaign are in a state, for a reason.
type DeliveryCount struct {
	State  string
	Reason string
	Count  int
}

// AudienceFacts are what the plan knows of one recipient of a brand for the
// consent engine, read in bulk.
type AudienceFacts struct {
	Consents map[string]*Consent // by user id; absent: nothing recorded
	Blocked  map[string]bool     // blocked either way
	Follows  map[string]bool
	// Followers are the keys of Follows, sorted: what AudienceFollowers
	// returns, so that a plan reads the brand's followers once.
	Followers []string
	// TimeZones are the zones people set, of the brand's followers and of
	// everyone with a consent row.
	TimeZones map[string]string
}

// DeliveryFact is what a campaign's lane reads of one recipient before
// their message, for the consent engine: their account, their consent row
// with the brand (nil: none recorded), their relationship with the brand
// (A is the recipient, B the brand) and their settings.
type DeliveryFact struct {
	Account      *Account
	Consent      *Consent
	Relationship Relationship
	Settings     Settings
}

// CampaignTx is what a store keeps for campaigns.
type CampaignTx interface {
	CreateCampaign(ctx context.Context, c *Campaign) error
	// PutCampaign replaces a campaign's row (ENOTFOUND if none).
	PutCampaign(ctx context.Context, c *Campaign) error
	Campaign(ctx context.Context, id string) (*Campaign, error)
	// Campaigns lists a brand's campaigns, newest first.
	Campaigns(ctx context.Context, brandID string, limit int) ([]Campaign, error)

	// InsertDeliveries adds rows, leaving any (campaign, step, user) that
	// exists as it is; it returns how many it added.
	InsertDeliveries(ctx context.Context, ds []CampaignSend) (int, error)
	// ClaimDeliveries leases up to limit due deliveries of a campaign to
	// worker until now+lease: pending ones whose RunAt has come and sending
	// ones whose lease ran out. Two workers never hold one at once
	// (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer).
	ClaimDeliveries(ctx context.Context, campaignID, worker string, now time.Time, lease time.Duration, limit int) ([]CampaignSend, error)
	// SettleDelivery writes a claimed delivery's outcome (State, Reason,
	// RunAt) if worker still holds it; ENOTFOUND otherwise.
	SettleDelivery(ctx context.Context, d *CampaignSend, worker string, now time.Time) error
	// MarkDeliverySent records, in the send's transaction, that the
	// delivery's message is stored, whoever holds it.
	MarkDeliverySent(ctx context.Context, campaignID string, step int, userID, messageID, conversationID string, now time.Time) error
	// StepPlanned tells whether a step of a campaign has delivery rows.
	StepPlanned(ctx context.Context, campaignID string, step int) (bool, error)
	// SentDeliveries lists a step's sent deliveries (UpdatedAt is when).
	SentDeliveries(ctx context.Context, campaignID string, step int) ([]CampaignSend, error)
	// UnsentDeliveries lists a step's pending and sending deliveries
	// (RunAt is when they are due, or their lease's end).
	UnsentDeliveries(ctx context.Context, campaignID string, step int) ([]CampaignSend, error)
	// CampaignSend returns one delivery (ENOTFOUND if none).
	CampaignSend(ctx context.Context, campaignID string, step int, userID string) (*CampaignSend, error)
	// CancelDeliveries moves a campaign's pending deliveries to cancelled.
	CancelDeliveries(ctx context.Context, campaignID string, now time.Time) (int, error)
	// DeliveryCounts counts a campaign's deliveries by state and reason.
	DeliveryCounts(ctx context.Context, campaignID string) ([]DeliveryCount, error)
	// NextDelivery is the earliest RunAt of a pending or sending delivery
	// of the campaign (nil: none is left).
	NextDelivery(ctx context.Context, campaignID string) (*time.Time, error)
	// CampaignOfMessages maps message ids to the campaign that sent them.
	CampaignOfMessages(ctx context.Context, messageIDs []string) (map[string]string, error)
	// PutCampaignMessage records that a campaign sent a message.
	PutCampaignMessage(ctx context.Context, messageID, campaignID string) error

	// PutRSVP records a person's answer (replacing their previous one).
	PutRSVP(ctx context.Context, r *RSVP) error
	// RSVP returns a person's answer (ENOTFOUND if none).
	RSVP(ctx context.Context, campaignID, userID string) (*RSVP, error)
	// RSVPTally counts a campaign's answers.
	RSVPTally(ctx context.Context, campaignID string) (*RSVPTally, error)
	// FirstWaitlisted is the earliest Yes on the waitlist (ENOTFOUND if none).
	FirstWaitlisted(ctx context.Context, campaignID string) (*RSVP, error)
	// Going lists the ids of those going, oldest answer first.
	Going(ctx context.Context, campaignID string) ([]string, error)

	// AddCodes adds codes to an offer's pool (a code already there stays);
	// it returns how many it added.
	AddCodes(ctx context.Context, campaignID string, codes []string) (int, error)
	// AssignCode gives userID a code of the pool, or the one they have
	// (ENOTFOUND when the pool is empty).
	AssignCode(ctx context.Context, campaignID, userID string, now time.Time) (string, error)
	// PutCode records a generated code given to someone.
	PutCode(ctx context.Context, c *CampaignCode) error
	// RedeemCode marks a given code redeemed: ENOTFOUND for a code that is
	// not the campaign's or not given, ECONFLICT when redeemed before.
	RedeemCode(ctx context.Context, campaignID, code string, now time.Time) (*CampaignCode, error)
	// CodeTally counts an offer's codes.
	CodeTally(ctx context.Context, campaignID string) (*OfferTally, error)

	// Audience leaves: the ids of a brand's followers, of the customers
	// with a label on their conversation, with an attribute value, and of
	// those who wrote to the brand since a time. Each sorted.
	AudienceFollowers(ctx context.Context, brandID string) ([]string, error)
	AudienceLabel(ctx context.Context, brandID, label string) ([]string, error)
	AudienceAttribute(ctx context.Context, brandID, key, value string) ([]string, error)
	AudienceWroteSince(ctx context.Context, brandID string, since time.Time) ([]string, error)
	// AudienceFacts reads, for the consent engine, everything recorded
	// between a brand and anyone: consent rows, blocks either way, follows
	// (also as AudienceFollowers' sorted list).
	AudienceFacts(ctx context.Context, brandID string) (*AudienceFacts, error)
	// DeliveryFacts reads the DeliveryFact of each of userIDs with a brand
	// at once (a lane's batch): what Account, Consent, Relationship and
	// Settings say of each. An id with no account is absent from the map.
	DeliveryFacts(ctx context.Context, brandID string, userIDs []string) (map[string]*DeliveryFact, error)
}

// Funnel marks: what a recipient did after a campaign message, set on the
// delivery row at the event (MarkFunnel, MarkBrandFunnel, MarkFunnelRead),
// once (the first time).
const (
	FunnelRead     = "read"      // read it (the read marker passed it, or wrote after it)
	FunnelReplied  = "replied"   // wrote to the brand after it
	FunnelClicked  = "clicked"   // clicked one of its tracked links
	FunnelActed    = "acted"     // an RSVP to the invitation, or the offer's code redeemed
	FunnelOptedOut = "opted_out" // opted out (STOP, or Manage messages) after it
)

// FunnelCount counts a campaign's deliveries of one step and variant in a
// state and reason, with how many of them carry each funnel mark.
type FunnelCount struct {
	Step     int
	Variant  string
	State    string
	Reason   string
	Count    int
	Read     int
	Replied  int
	Clicked  int
	Acted    int
	OptedOut int
}

// FunnelTx is what a store keeps for the campaign funnel: marks on the
// delivery rows (the rows of CampaignTx).
type FunnelTx interface {
	// MarkFunnel sets mark (a Funnel* constant) at at on a campaign's sent
	// deliveries to userID that do not have it yet: of one step and of the
	// first step (step >= 0), or of every step (step < 0). It returns how
	// many rows it marked.
	MarkFunnel(ctx context.Context, campaignID string, step int, userID, mark string, at time.Time) (int, error)
	// MarkBrandFunnel sets mark on every sent delivery of the brand's
	// campaigns to userID that does not have it yet.
	MarkBrandFunnel(ctx context.Context, brandID, userID, mark string, at time.Time) (int, error)
	// MarkBrandReplied is MarkBrandFunnel of FunnelRead and of
	// FunnelReplied in one statement (a customer wrote: they read what came
	// before, and replied). It returns how many rows it changed.
	MarkBrandReplied(ctx context.Context, brandID, userID string, at time.Time) (int, error)
	// MarkFunnelRead marks read the sent deliveries of the brand's
	// campaigns to userID whose message is in conversationID with a seq
	// up to seq.
	MarkFunnelRead(ctx context.Context, brandID, userID, conversationID string, seq int64, at time.Time) (int, error)
	// FunnelCounts counts a campaign's deliveries by step, variant, state
	// and reason, with their marks.
	FunnelCounts(ctx context.Context, campaignID string) ([]FunnelCount, error)
}
