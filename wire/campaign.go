package wire

import "time"

// Campaigns (see the Campaigns tag of the API document).

// CampaignVariant is one version of a campaign step's message; Weight is
// its share of the A/B split.
type CampaignVariant struct {
	Name   string `json:"name"`
	Text   string `json:"text"`
	Weight int    `json:"weight"`
}

// CampaignStep is one message of a campaign.
type CampaignStep struct {
	Variants     []CampaignVariant `json:"variants"`
	QuickReplies []QuickReply      `json:"quick_replies,omitempty"`
	// DelayMinutes makes a step after the first a follow-up: this long
	// after the step before, to those who did not answer it.
	DelayMinutes int `json:"delay_minutes,omitempty"`
	// TopPick sends each recipient their own top product pick as a card
	// with the message; a recipient with no pick is skipped (no_pick).
	TopPick bool `json:"top_pick,omitempty"`
}

// Audience is an audience expression: exactly one field set.
type Audience struct {
	Followers       bool               `json:"followers,omitempty"`
	Label           string             `json:"label,omitempty"`
	Attribute       *AudienceAttribute `json:"attribute,omitempty"`
	WroteWithinDays int                `json:"wrote_within_days,omitempty"`
	SurveyBelow     *AudienceSurvey    `json:"survey_below,omitempty"`
	RSVP            *AudienceRSVP      `json:"rsvp,omitempty"`
	And             []*Audience        `json:"and,omitempty"`
	Or              []*Audience        `json:"or,omitempty"`
	Not             *Audience          `json:"not,omitempty"`
}

// AudienceAttribute matches customers with an attribute value.
type AudienceAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// AudienceSurvey matches who answered a survey with a score below Below.
type AudienceSurvey struct {
	SurveyID string `json:"survey_id"`
	Below    int    `json:"below"`
}

// AudienceRSVP matches who answered an event invitation with Answer.
type AudienceRSVP struct {
	CampaignID string `json:"campaign_id"`
	Answer     string `json:"answer,omitempty"`
}

// CampaignProgress is a campaign's counts.
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
	// RSVP are an event invitation's tallies.
	RSVP *RSVPTally `json:"rsvp,omitempty"`
	// Offer are an exclusive offer's codes.
	Offer *OfferTally `json:"offer,omitempty"`
}

// OfferTally counts an offer's codes: in the pool, given, redeemed.
type OfferTally struct {
	Pool     int `json:"pool"`
	Assigned int `json:"assigned"`
	Redeemed int `json:"redeemed"`
}

// CampaignOffer is an exclusive offer's settings: codes from the uploaded
// pool, or generated (with an optional prefix).
type CampaignOffer struct {
	Generate bool   `json:"generate"`
	Prefix   string `json:"prefix,omitempty"`
}

// Redemption is a code redeemed.
type Redemption struct {
	Code       string    `json:"code"`
	Customer   Profile   `json:"customer"`
	RedeemedAt time.Time `json:"redeemed_at"`
}

// RSVPTally counts an invitation's answers: Yes those going, Waitlist the
// Yes answers waiting for a place.
type RSVPTally struct {
	Yes      int `json:"yes"`
	No       int `json:"no"`
	Maybe    int `json:"maybe"`
	Waitlist int `json:"waitlist"`
}

// CampaignEvent is an event invitation's event.
type CampaignEvent struct {
	Title           string    `json:"title"`
	StartsAt        time.Time `json:"starts_at"`
	TimeZone        string    `json:"time_zone"`
	Place           string    `json:"place,omitempty"`
	Link            string    `json:"link,omitempty"`
	Capacity        int       `json:"capacity"`
	ReminderMinutes int       `json:"reminder_minutes_before,omitempty"`
}

// Campaign is a brand's campaign with its progress.
type Campaign struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	Type          string           `json:"type"`
	Status        string           `json:"status"`
	Audience      *Audience        `json:"audience"`
	Steps         []CampaignStep   `json:"steps"`
	RatePerMinute int              `json:"rate_per_minute"`
	Event         *CampaignEvent   `json:"event,omitempty"`
	Offer         *CampaignOffer   `json:"offer,omitempty"`
	SurveyID      string           `json:"survey_id,omitempty"`
	StartAt       *time.Time       `json:"start_at"`
	PlannedAt     *time.Time       `json:"planned_at"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	Progress      CampaignProgress `json:"progress"`
}

// CampaignInput creates or edits a campaign (a draft).
type CampaignInput struct {
	Name          string         `json:"name"`
	Type          string         `json:"type,omitempty"`
	Audience      *Audience      `json:"audience"`
	Steps         []CampaignStep `json:"steps"`
	RatePerMinute int            `json:"rate_per_minute,omitempty"`
	StartAt       *time.Time     `json:"start_at,omitempty"`
	// Event makes the campaign an event invitation (type "event").
	Event *CampaignEvent `json:"event,omitempty"`
	// Offer makes the campaign an exclusive offer (type "offer").
	Offer *CampaignOffer `json:"offer,omitempty"`
	// SurveyID makes the campaign a survey (type "survey"): the brand's
	// survey it asks.
	SurveyID string `json:"survey_id,omitempty"`
}

// AudiencePreview is how many an audience reaches now and a sample of them.
type AudiencePreview struct {
	Count  int       `json:"count"`
	Sample []Profile `json:"sample"`
}

// ConsentSettings are a brand's choices for the consent engine.
type ConsentSettings struct {
	StopWords    []string `json:"stop_words"`
	StartWords   []string `json:"start_words"`
	FrequencyCap int      `json:"frequency_cap"`
	Window24h    bool     `json:"window_24h"`
}

// MessagesConsent is what the caller allowed a brand.
type MessagesConsent struct {
	Brand    Profile `json:"brand"`
	Follows  bool    `json:"follows"`
	OptedIn  bool    `json:"opted_in"`
	OptedOut bool    `json:"opted_out"`
}

// MessagesConsentUpdate changes it; nil fields stay.
type MessagesConsentUpdate struct {
	OptedIn  *bool `json:"opted_in,omitempty"`
	OptedOut *bool `json:"opted_out,omitempty"`
}

// FunnelCounts are a campaign funnel's numbers for a set of deliveries:
// where they are (targeted = pending + sent + failed + cancelled + the
// skipped), and of those sent, how many recipients read the message,
// wrote to the brand after it, clicked one of its tracked links, acted on
// it (an RSVP to an invitation, an offer's code redeemed) and opted out
// after it.
type FunnelCounts struct {
	Targeted  int            `json:"targeted"`
	Pending   int            `json:"pending"`
	Sent      int            `json:"sent"`
	Failed    int            `json:"failed"`
	Cancelled int            `json:"cancelled"`
	Skipped   map[string]int `json:"skipped"`
	Read      int            `json:"read"`
	Replied   int            `json:"replied"`
	Clicked   int            `json:"clicked"`
	Acted     int            `json:"acted"`
	OptedOut  int            `json:"opted_out"`
}

// FunnelVariant is the funnel of one variant of one step.
type FunnelVariant struct {
	Step    int    `json:"step"`
	Variant string `json:"variant"`
	FunnelCounts
}

// CampaignFunnel is a campaign's funnel: Total counts its recipients (the
// first step's deliveries, with what they did after any of its messages),
// Variants each step's A/B variants.
type CampaignFunnel struct {
	CampaignID string          `json:"campaign_id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Status     string          `json:"status"`
	Total      FunnelCounts    `json:"total"`
	Variants   []FunnelVariant `json:"variants"`
	// Clicks counts every click of the campaign's tracked links, repeats
	// included (Total.Clicked counts recipients).
	Clicks int `json:"clicks"`
}
