package brand

import (
	"context"

	"github.com/parleyhq/parley/internal/dm"
)

// productLink is the URL a product card's button opens: a tracked link
// (links.go) made for the recipient and the product, so that a click is an
// interaction of the recommender and a purchase can be attributed to it.
// spec adds a campaign's attribution when a campaign sends the card.
func (s *Service) productLink(ctx context.Context, brandID string, p *dm.Product, spec LinkSpec) (string, error) {
	spec.URL, spec.ProductID = p.URL, p.ID
	return s.TrackLink(ctx, brandID, spec)
}

// productClicked records a click on a product link as a click interaction
// of the customer the link was made for (OnLinkClick; once per click).
func (s *Service) productClicked(ctx context.Context, l dm.TrackedLink, c dm.LinkClick) error {
	if l.ProductID == "" || l.RecipientID == "" {
		return nil
	}
	return s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.AddInteractions(ctx, l.BrandID, []dm.Interaction{{CustomerID: l.RecipientID, ProductID: l.ProductID,
			Kind: dm.InteractionClick, At: c.At, ClickID: c.ID}})
	})
}
