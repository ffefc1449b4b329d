package brand

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/dm"
)

// Exclusive offers: each recipient's message carries a code of their own,
// taken from the pool the brand uploaded (claimed in its own transaction
// before the send, so a retried delivery gets the same code) or generated;
// the team redeems a code once through the API.

// offerOf is a campaign's offer, nil for other types.
func offerOf(c *dm.Campaign) *campaign.Offer {
	if c.Type != campaign.TypeOffer {
		return nil
	}
	o := &campaign.Offer{}
	if len(c.Offer) > 0 && json.Unmarshal(c.Offer, o) != nil {
		return nil
	}
	return o
}

// codeFor is userID's code of offer o: the one they have, else one from
// the pool, else (a generating offer) a new one.
func (s *Service) codeFor(ctx context.Context, c *dm.Campaign, o *campaign.Offer, userID string) (string, error) {
	var code string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		var err error
		code, err = tx.AssignCode(ctx, c.ID, userID, s.now())
		if !dm.IsCode(err, dm.ENOTFOUND) || !o.Generate {
			return err
		}
		now := s.now()
		code = campaign.NewCode(o.Prefix)
		return tx.PutCode(ctx, &dm.CampaignCode{CampaignID: c.ID, Code: code, UserID: userID, AssignedAt: &now})
	})
	return code, err
}

// maxPool is campaign.MaxPool; a test lowers it (SetMaxPool) rather than
// upload a million codes.
var maxPool = campaign.MaxPool

// AddCodes adds an uploaded pool (a CSV of one code a line) to an offer
// that is not over (owners and admins). It returns how many were new and
// the offer's counts.
func (s *Service) AddCodes(ctx context.Context, me *dm.Account, handle, id, body string) (int, *dm.OfferTally, error) {
	codes, err := campaign.ParseCodes(body)
	if err != nil {
		return 0, nil, campaignInvalid(err)
	}
	var added int
	var tally *dm.OfferTally
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		if c.Type != campaign.TypeOffer {
			return dm.Errorf(dm.ECONFLICT, "Only an offer has codes.")
		}
		if c.Status == dm.CampaignDone || c.Status == dm.CampaignCancelled {
			return dm.Errorf(dm.ECONFLICT, "The offer is %s.", c.Status)
		}
		// Two uploads at once count each other's codes (PostgreSQL).
		if err := tx.LockBrand(ctx, a.brand.ID); err != nil {
			return err
		}
		had, err := tx.CodeTally(ctx, c.ID)
		if err != nil {
			return err
		}
		if had.Pool < maxPool {
			if added, err = tx.AddCodes(ctx, c.ID, codes); err != nil {
				return err
			}
		}
		// Codes already in the pool are no new rows, so the count is
		// after the insert; over the bound, the transaction adds nothing.
		if had.Pool >= maxPool || had.Pool+added > maxPool {
			return dm.Errorf(dm.EINVALID, "An offer's pool holds at most %d codes (it has %d); nothing of this upload was added.",
				maxPool, had.Pool)
		}
		tally, err = tx.CodeTally(ctx, c.ID)
		return err
	})
	return added, tally, err
}

// Redemption is a code redeemed, with who it was given to.
type Redemption struct {
	Code     *dm.CampaignCode
	Customer *dm.Account
}

// RedeemCode records that a code of an offer was used (the team: an agent
// at the counter, or a shop's system with the brand's token). A code is
// redeemed once; a second time is a conflict.
func (s *Service) RedeemCode(ctx context.Context, me *dm.Account, handle, id, code string) (*Redemption, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > campaign.MaxCodeBytes {
		return nil, dm.Errorf(dm.EINVALID, "code: 1 to %d characters.", campaign.MaxCodeBytes)
	}
	var out *Redemption
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		cc, err := tx.RedeemCode(ctx, c.ID, code, s.now())
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No code %q was given by this offer.", dm.Truncate(code, 40))
		}
		if dm.IsCode(err, dm.ECONFLICT) {
			return dm.Errorf(dm.ECONFLICT, "Code %q was redeemed already.", dm.Truncate(code, 40))
		}
		if err != nil {
			return err
		}
		if _, err := tx.MarkFunnel(ctx, c.ID, -1, cc.UserID, dm.FunnelActed, s.now()); err != nil {
			return err
		}
		funnels.markedCampaign(c.ID)
		cust, err := tx.Account(ctx, cc.UserID)
		if err != nil {
			return err
		}
		out = &Redemption{Code: cc, Customer: cust}
		return nil
	})
	return out, err
}
