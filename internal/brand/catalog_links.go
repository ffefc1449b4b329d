package brand

import (
	"context"

	"github.com/parleyhq/parley/internal/dm"
)

// productLink is the URL a product card's button opens for customerID.
// Until tracked links exist it is the product's own URL.
func (s *Service) productLink(ctx context.Context, brandID, customerID string, p *dm.Product) (string, error) {
	return p.URL, nil
}
