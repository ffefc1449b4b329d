package client

import (
	"context"
	"net/http"

	"github.com/parleyhq/parley/wire"
)

// The creator collaboration wire types (the Creators tag of the API document).
type (
	Creator           = wire.Creator
	CreatorInput      = wire.CreatorInput
	Deliverable       = wire.Deliverable
	OutreachInput     = wire.OutreachInput
	OutreachFollowUp  = wire.OutreachFollowUp
	CreatorCodesInput = wire.CreatorCodesInput
	CreatorLinkInput  = wire.CreatorLinkInput
	CreatorResults    = wire.CreatorResults
)

type creatorOut struct {
	Creator *Creator `json:"creator"`
}

// Creators lists a brand's creator pipeline.
func (c *Client) Creators(ctx context.Context, brand string) ([]Creator, error) {
	var out struct {
		Creators []Creator `json:"creators"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/creators", brand), nil, &out)
	return out.Creators, err
}

// AddCreator puts a creator (in.Handle) in a brand's pipeline.
func (c *Client) AddCreator(ctx context.Context, brand string, in CreatorInput) (*Creator, error) {
	var out creatorOut
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/creators", brand), in, &out)
	return out.Creator, err
}

// Creator returns one creator with the deal's history and results.
func (c *Client) Creator(ctx context.Context, brand, handle string) (*Creator, error) {
	var out creatorOut
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/creators/%s", brand, handle), nil, &out)
	return out.Creator, err
}

// UpdateCreator changes a creator's deal; nil fields stay.
func (c *Client) UpdateCreator(ctx context.Context, brand, handle string, in CreatorInput) (*Creator, error) {
	var out creatorOut
	_, err := c.call(ctx, http.MethodPatch, pathf("/api/v1/brands/%s/creators/%s", brand, handle), in, &out)
	return out.Creator, err
}

// RemoveCreator takes a creator out of the pipeline.
func (c *Client) RemoveCreator(ctx context.Context, brand, handle string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/creators/%s", brand, handle), nil, nil)
	return err
}

// StartOutreach proposes a collaboration to a creator by DM.
func (c *Client) StartOutreach(ctx context.Context, brand, handle string, in OutreachInput) (*Creator, *Message, error) {
	var out struct {
		Creator *Creator `json:"creator"`
		Message *Message `json:"message"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/creators/%s/outreach", brand, handle), in, &out)
	return out.Creator, out.Message, err
}

// StopOutreach stops a running outreach.
func (c *Client) StopOutreach(ctx context.Context, brand, handle string) (*Creator, error) {
	var out creatorOut
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/creators/%s/outreach", brand, handle), nil, &out)
	return out.Creator, err
}

// GiveCreatorCodes gives a creator codes of an offer.
func (c *Client) GiveCreatorCodes(ctx context.Context, brand, handle string, in CreatorCodesInput) (*Creator, error) {
	var out creatorOut
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/creators/%s/codes", brand, handle), in, &out)
	return out.Creator, err
}

// CreatorLink makes a tracked link to url for a creator to share; its
// clicks count in the creator's results. It returns the link's address.
func (c *Client) CreatorLink(ctx context.Context, brand, handle, url string) (string, *Creator, error) {
	var out struct {
		URL     string   `json:"url"`
		Creator *Creator `json:"creator"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/creators/%s/links", brand, handle), CreatorLinkInput{URL: url}, &out)
	return out.URL, out.Creator, err
}
