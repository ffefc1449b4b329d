package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/wire"
)

// The campaign wire types (see the Campaigns tag of the API document).
type (
	Campaign          = wire.Campaign
	CampaignInput     = wire.CampaignInput
	CampaignStep      = wire.CampaignStep
	CampaignVariant   = wire.CampaignVariant
	CampaignProgress  = wire.CampaignProgress
	Audience          = wire.Audience
	AudienceAttribute = wire.AudienceAttribute
	AudiencePreview   = wire.AudiencePreview
	CampaignEvent     = wire.CampaignEvent
	RSVPTally         = wire.RSVPTally
	CampaignOffer     = wire.CampaignOffer
	OfferTally        = wire.OfferTally
	Redemption        = wire.Redemption
)

// AddOfferCodes uploads codes (a CSV of one code a line) to an offer.
func (c *Client) AddOfferCodes(ctx context.Context, brand, id, csv string) (added int, tally *OfferTally, err error) {
	var out struct {
		Added int         `json:"added"`
		Offer *OfferTally `json:"offer"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+pathf("/api/v1/brands/%s/campaigns/%s/codes", brand, id), strings.NewReader(csv))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "application/json")
	resp, err := c.send(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Added, out.Offer, err
}

// RedeemCode records that an offer's code was used.
func (c *Client) RedeemCode(ctx context.Context, brand, id, code string) (*Redemption, error) {
	var out struct {
		Redemption *Redemption `json:"redemption"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/campaigns/%s/redeem", brand, id), map[string]string{"code": code}, &out)
	return out.Redemption, err
}

// Campaigns lists a brand's campaigns with their progress.
func (c *Client) Campaigns(ctx context.Context, brand string) ([]Campaign, error) {
	var out struct {
		Campaigns []Campaign `json:"campaigns"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/campaigns", brand), nil, &out)
	return out.Campaigns, err
}

// CreateCampaign saves a draft campaign.
func (c *Client) CreateCampaign(ctx context.Context, brand string, in CampaignInput) (*Campaign, error) {
	var out struct {
		Campaign *Campaign `json:"campaign"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/campaigns", brand), in, &out)
	return out.Campaign, err
}

// UpdateCampaign replaces a draft campaign.
func (c *Client) UpdateCampaign(ctx context.Context, brand, id string, in CampaignInput) (*Campaign, error) {
	var out struct {
		Campaign *Campaign `json:"campaign"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/campaigns/%s", brand, id), in, &out)
	return out.Campaign, err
}

// Campaign returns one campaign with its progress.
func (c *Client) Campaign(ctx context.Context, brand, id string) (*Campaign, error) {
	var out struct {
		Campaign *Campaign `json:"campaign"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/campaigns/%s", brand, id), nil, &out)
	return out.Campaign, err
}

// CampaignAction starts, pauses, resumes or cancels a campaign (action
// is "start", "pause", "resume" or "cancel").
func (c *Client) CampaignAction(ctx context.Context, brand, id, action string) (*Campaign, error) {
	var out struct {
		Campaign *Campaign `json:"campaign"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/campaigns/%s/%s", brand, id, action), nil, &out)
	return out.Campaign, err
}

// PreviewAudience counts who an audience reaches now, with a sample.
func (c *Client) PreviewAudience(ctx context.Context, brand string, a Audience) (*AudiencePreview, error) {
	var out AudiencePreview
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/audience/preview", brand), map[string]any{"audience": a}, &out)
	return &out, err
}

// Consent types (see the Campaigns tag of the API document).
type (
	ConsentSettings       = wire.ConsentSettings
	MessagesConsent       = wire.MessagesConsent
	MessagesConsentUpdate = wire.MessagesConsentUpdate
)

// ConsentSettings returns a brand's consent settings.
func (c *Client) ConsentSettings(ctx context.Context, brand string) (*ConsentSettings, error) {
	var out struct {
		Settings *ConsentSettings `json:"consent_settings"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/consent-settings", brand), nil, &out)
	return out.Settings, err
}

// PutConsentSettings replaces a brand's consent settings.
func (c *Client) PutConsentSettings(ctx context.Context, brand string, s ConsentSettings) (*ConsentSettings, error) {
	var out struct {
		Settings *ConsentSettings `json:"consent_settings"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/consent-settings", brand), s, &out)
	return out.Settings, err
}

// MessagesConsent returns what the caller allowed a brand.
func (c *Client) MessagesConsent(ctx context.Context, brand string) (*MessagesConsent, error) {
	var out struct {
		Consent *MessagesConsent `json:"messages_consent"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/accounts/%s/messages-consent", brand), nil, &out)
	return out.Consent, err
}

// SetMessagesConsent changes what the caller allows a brand.
func (c *Client) SetMessagesConsent(ctx context.Context, brand string, u MessagesConsentUpdate) (*MessagesConsent, error) {
	var out struct {
		Consent *MessagesConsent `json:"messages_consent"`
	}
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/accounts/%s/messages-consent", brand), u, &out)
	return out.Consent, err
}

type (
	CampaignFunnel = wire.CampaignFunnel
	FunnelCounts   = wire.FunnelCounts
	FunnelVariant  = wire.FunnelVariant
)

// CampaignFunnel returns a campaign's funnel.
func (c *Client) CampaignFunnel(ctx context.Context, brand, id string) (*CampaignFunnel, error) {
	var out CampaignFunnel
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/campaigns/%s/funnel", brand, id), nil, &out)
	return &out, err
}

// CampaignFunnelCSV returns a campaign's funnel as CSV.
func (c *Client) CampaignFunnelCSV(ctx context.Context, brand, id string) (string, error) {
	b, _, err := c.Download(ctx, pathf("/api/v1/brands/%s/campaigns/%s/funnel.csv", brand, id))
	return string(b), err
}
