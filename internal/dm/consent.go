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

// ConsentSettings are what a brand chose for the consent engine, within
// the operator's bounds: its own STOP and START words (other languages),
// a lower frequency cap, and the 24-hour window policy.
type ConsentSettings struct {
	BrandID    string   `json:"-"`
	StopWords  []string `json:"stop_words"`
	StartWords []string `json:"start_words"`
	// FrequencyCap is promotional messages per person per rolling 7 days
	// (0: the operator's maximum, 2 unless raised).
	FrequencyCap int       `json:"frequency_cap"`
	Window24h    bool      `json:"window_24h"`
	UpdatedAt    time.Time `json:"-"`
	// (The JSON names are the stored form, consent_settings.body.)
}

// ConsentLimitTx keeps brands' consent settings and the operator's daily
// count of each brand's promotional messages.
type ConsentLimitTx interface {
	// ConsentSettings returns a brand's settings (ENOTFOUND if never set).
	ConsentSettings(ctx context.Context, brandID string) (*ConsentSettings, error)
	PutConsentSettings(ctx context.Context, s *ConsentSettings) error
	// DailySent is how many promotional messages a brand sent on a UTC
	// day ("2006-01-02"); AddDailySent counts one more unless the day's
	// count has reached limit (then it counts nothing and answers false),
	// atomically, so that concurrent sends never pass the cap together.
	DailySent(ctx context.Context, brandID, day string) (int, error)
	AddDailySent(ctx context.Context, brandID, day string, limit int) (bool, error)
}
