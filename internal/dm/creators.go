package dm

import (
	"context"
	"time"
)

// This file holds the types of creator collaborations (issue 12): a
// brand's pipeline of creators (people it works with, or wants to), the
// outreach by DM that proposes a collaboration, and the results attributed
// to a creator. The rules live in internal/brand/creators.go.

// PermPartnerships is the team permission that opens a brand's creator
// pipeline to an agent (owners and admins always see it).
const PermPartnerships = "partnerships"

// EventCreatorUpdated tells the members who see a brand's creator pipeline
// that a creator's deal changed (Brand; Actor is the creator; State the
// stage, or "removed").
const EventCreatorUpdated = "creator.updated"

// EventCreatorDue tells the members who see a brand's creator pipeline,
// once, that a deliverable is due soon or overdue (Brand; Actor is the
// creator; State "due_soon" or "overdue").
const EventCreatorDue = "creator.due"

// States of a deliverable's due date, as the pipeline flags it.
const (
	DueSoon = "due_soon" // due within two days
	Overdue = "overdue"  // the due date has passed and it is not done
)

// TeamPermissions are the permissions a team member may be given.
var TeamPermissions = []string{PermPartnerships}

// Stages of a creator in a brand's pipeline, in their usual order.
const (
	StageProspect    = "prospect"
	StageContacted   = "contacted"
	StageNegotiating = "negotiating"
	StageAgreed      = "agreed"
	StageContentLive = "content_live"
	StagePaid        = "paid"
	StageDeclined    = "declined"
)

// CreatorStages lists the stages in the pipeline board's column order.
var CreatorStages = []string{StageProspect, StageContacted, StageNegotiating, StageAgreed, StageContentLive, StagePaid, StageDeclined}

// States of a deal's outreach sequence (the first message and its
// automated follow-ups).
const (
	OutreachNone     = ""         // never sent
	OutreachRunning  = "running"  // follow-ups are due unless the creator answers
	OutreachAnswered = "answered" // the creator wrote: no more follow-ups
	OutreachAccepted = "accepted" // the creator tapped Accept
	OutreachDeclined = "declined" // the creator tapped Decline
	OutreachBlocked  = "blocked"  // the creator blocked the brand
	OutreachStopped  = "stopped"  // the team stopped it, or the consent engine did
	OutreachFinished = "finished" // every follow-up was sent
)

// Deliverable is one thing a creator delivers (a post, a video).
type Deliverable struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// DueDate is a calendar date (YYYY-MM-DD), "" for none.
	DueDate string `json:"due_date"`
	Done    bool   `json:"done"`
	// Reminded is the last reminder the team was sent for it: its state
	// and the date, as "overdue 2026-12-01" ("" for none), so that a
	// reminder job run again does not tell twice.
	Reminded string `json:"reminded,omitempty"`
}

// CreatorDeal is one creator in a brand's pipeline.
type CreatorDeal struct {
	BrandID      string
	CreatorID    string
	Stage        string
	Notes        string
	Deliverables []Deliverable
	// FeeMinor is the agreed fee in minor units (cents) of FeeCurrency
	// (ISO 4217, "" with no fee agreed).
	FeeMinor    int64
	FeeCurrency string
	// DueDate is the deal's own due date (YYYY-MM-DD, "" for none).
	DueDate string
	// ConversationID is the direct conversation of the outreach ("" before).
	ConversationID string
	// OutreachID names the current outreach sequence; its follow-up jobs
	// carry it, so a sequence started again makes the old jobs stale.
	OutreachID    string
	OutreachState string
	// OutreachSent counts the sequence's messages sent (the first one too).
	OutreachSent int
	// OutreachAt is when the sequence's last message was sent.
	OutreachAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// StageChange is one move of a deal in the pipeline. ByID is the team
// member (or brand) who moved it, or the creator (their Accept or Decline).
type StageChange struct {
	ID        string
	BrandID   string
	CreatorID string
	From      string
	To        string
	ByID      string
	// Reason says why: "moved", "added", "outreach", "accepted", "declined".
	Reason string
	At     time.Time
}

// CreatorCode is an offer code given to a creator, to hand out.
type CreatorCode struct {
	CampaignID string
	Code       string
	BrandID    string
	CreatorID  string
	AssignedAt time.Time
	RedeemedAt *time.Time
}

// CreatorTx is the part of a transaction that keeps creator collaborations.
type CreatorTx interface {
	// PutCreatorDeal inserts or replaces a deal.
	PutCreatorDeal(ctx context.Context, d *CreatorDeal) error
	CreatorDeal(ctx context.Context, brandID, creatorID string) (*CreatorDeal, error)
	// CreatorDeals lists a brand's deals, most recently updated first.
	CreatorDeals(ctx context.Context, brandID string) ([]CreatorDeal, error)
	// CountCreatorDeals counts a brand's deals (for its limit).
	CountCreatorDeals(ctx context.Context, brandID string) (int, error)
	// DeleteCreatorDeal removes a deal and its history (ENOTFOUND if none).
	DeleteCreatorDeal(ctx context.Context, brandID, creatorID string) error

	AddStageChange(ctx context.Context, c *StageChange) error
	// StageHistory lists a deal's moves, oldest first.
	StageHistory(ctx context.Context, brandID, creatorID string) ([]StageChange, error)

	// PutCollabMessage marks a message as one of a brand's collaboration
	// messages to a creator; CollabMessages returns, of the given ids,
	// those that are one (message id -> brand id).
	PutCollabMessage(ctx context.Context, messageID, brandID, creatorID string) error
	CollabMessages(ctx context.Context, messageIDs []string) (map[string]string, error)

	// GiveCode gives userID a code of an offer's pool: code "" takes the
	// first free one (ENOTFOUND when none is left); a named code must be in
	// the pool (ENOTFOUND) and free or already userID's (ECONFLICT when
	// given to someone else). It returns the code.
	GiveCode(ctx context.Context, campaignID, userID, code string, now time.Time) (string, error)
	// PutCreatorCode records that a code was given to a creator.
	PutCreatorCode(ctx context.Context, c *CreatorCode) error
	// CreatorCodes lists a creator's codes from a brand, with their
	// redemption (from the offer's codes), by campaign and code.
	CreatorCodes(ctx context.Context, brandID, creatorID string) ([]CreatorCode, error)
}
