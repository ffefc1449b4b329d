package dm

import (
	"context"
	"time"
)

// Consent is what a person allowed a brand: an explicit opt-in, a STOP, and
// the counts the consent engine (internal/consent) decides on. The gate keeps
// it in the same transaction as each message it lets through.
type Consent struct {
	BrandID  string
	UserID   string
	OptedIn  bool
	OptedOut bool // STOP: nothing automated but replies until START
	// LastInbound is the person's last message to the brand.
	LastInbound *time.Time
	// Unanswered counts automated messages since the person last wrote.
	Unanswered int
	// Promos are the times of the promotional messages of the last 7
	// days (the frequency cap counts them), oldest first.
	Promos    []time.Time
	UpdatedAt time.Time
}

// ConsentTx is what a store keeps for the consent engine.
type ConsentTx interface {
	// Consent returns a person's consent for a brand (ENOTFOUND if none yet).
	Consent(ctx context.Context, brandID, userID string) (*Consent, error)
	PutConsent(ctx context.Context, c *Consent) error
}
