package dm

import (
	"context"
	"time"
)

// Tracked links: a brand's URL in a message, replaced by the server's
// /l/{token} address so that a click is counted before the redirect. The
// token (128 random bits, URL-safe) is given once, in the message; the
// store keeps only its SHA-256 (TrackedLink.ID), so a copy of the database
// cannot be used to click anyone's links. internal/brand/links.go is the
// glue; LinkTx is what a store keeps.

// TrackedLink is one tracked URL of a brand, with what it is attributed to.
type TrackedLink struct {
	// ID is the hex SHA-256 of the token.
	ID      string
	BrandID string
	// URL is the destination: http or https, checked when tracked.
	URL string
	// Attribution (each optional): the recipient the link was made for, the
	// campaign step and variant that sent it, a product of the brand's
	// catalog, the creator account the click counts for.
	RecipientID string
	CampaignID  string
	Step        int
	Variant     string
	ProductID   string
	CreatorID   string
	CreatedAt   time.Time
	// Clicks counts the link's clicks; FirstClickAt is the first one's time.
	Clicks       int
	FirstClickAt *time.Time
}

// LinkClick is one click of a tracked link. First is true for the link's
// first click only.
type LinkClick struct {
	ID     string
	LinkID string
	At     time.Time
	First  bool
}

// LinkFilter selects a brand's links for LinkStats: every non-empty field
// must match.
type LinkFilter struct {
	CampaignID string
	ProductID  string
	CreatorID  string
}

// LinkStats counts a set of tracked links and their clicks.
type LinkStats struct {
	Links   int // links made
	Clicked int // links clicked at least once
	Clicks  int // clicks in all
	// Recipients is how many distinct recipients clicked at least one of
	// them (links made without a recipient are not counted here).
	Recipients int
}

// LinkTx is what a store keeps for tracked links.
type LinkTx interface {
	// PutTrackedLinks adds links (ECONFLICT if an id exists).
	PutTrackedLinks(ctx context.Context, ls []TrackedLink) error
	// TrackedLink returns a link by id (ENOTFOUND if none).
	TrackedLink(ctx context.Context, id string) (*TrackedLink, error)
	// RecordClick stores a click of a link (ENOTFOUND if none) and counts
	// it; c.First is set to whether it was the link's first click.
	RecordClick(ctx context.Context, c *LinkClick) error
	// LinkClicks lists a link's clicks, oldest first.
	LinkClicks(ctx context.Context, linkID string, limit int) ([]LinkClick, error)
	// LinkStats counts a brand's links that match f.
	LinkStats(ctx context.Context, brandID string, f LinkFilter) (*LinkStats, error)
}
