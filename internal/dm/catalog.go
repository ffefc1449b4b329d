package dm

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds brands' product catalogs and what customers did with
// the products (issue 12): the catalog a brand imports or edits, the
// interactions the recommender (internal/recs) learns from, the orders of
// the conversion API, and the product cards sent in messages.
// internal/brand/catalog.go is the glue; CatalogTx is what a store keeps.

// Limits of a catalog.
const (
	MaxProductIDBytes  = 64
	MaxProductTitle    = 200
	MaxProductURLBytes = 2048
	MaxProductTags     = 20
	MaxProductTagRunes = 40
	// MaxPriceMinor bounds a price in minor units (10^12: ten billion of a
	// two-decimal currency), far below int64 and JavaScript's 2^53.
	MaxPriceMinor = 1_000_000_000_000
	// MaxCatalogItems bounds one brand's catalog.
	MaxCatalogItems = 200_000
	MaxOrderIDBytes = 64
)

// Interaction kinds, as internal/recs weighs them.
const (
	InteractionView     = "view"     // the brand's site or bot saw the customer look at it
	InteractionClick    = "click"    // the customer opened a product link sent in a DM
	InteractionMention  = "mention"  // an agent or the bot sent its card in the conversation
	InteractionPurchase = "purchase" // a conversion with an order id
)

// Product is one item of a brand's catalog. ID is chosen by the brand.
// Prices are integers in the currency's minor unit (cents).
type Product struct {
	BrandID    string
	ID         string
	Title      string
	PriceMinor int64
	Currency   string // ISO 4217, upper case
	ImageURL   string // "" or http(s)
	URL        string // http(s)
	Tags       []string
	InStock    bool
	// Deleted marks a removed product (kept so that a model built from
	// the catalog learns of the removal); reads other than
	// ProductsChanged never return one.
	Deleted bool
	// Version is the brand's catalog version of the product's last write.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Interaction is one thing a customer did with a product. Seq numbers a
// brand's interactions 1, 2, 3 ... in commit order: a model that applied
// those up to N reads the rest with Interactions(brand, N, ...).
type Interaction struct {
	Seq        int64
	BrandID    string
	CustomerID string
	ProductID  string
	Kind       string
	At         time.Time
	// MessageID is the product card's message (a mention), or the message
	// whose link was clicked when known.
	MessageID string
	// OrderID is a purchase's order; Via and ViaMessageID are what it is
	// attributed to: the customer's last click or card of that product
	// within the attribution window ("" for none).
	OrderID      string
	Via          string
	ViaMessageID string
	// ClickID is a click's id (links.go): a brand stores each click once,
	// and AddInteractions skips one it has.
	ClickID string
}

// ProductCard is a product as a message carries it: a copy taken when the
// message was sent (later catalog edits do not rewrite sent messages), and
// the URL its button opens (a tracked link when the server has them).
type ProductCard struct {
	ProductID  string `json:"product_id"`
	Title      string `json:"title"`
	PriceMinor int64  `json:"price_minor"`
	Currency   string `json:"currency"`
	ImageURL   string `json:"image_url,omitempty"`
	URL        string `json:"url"`
}

// CatalogState is a brand's catalog version (bumped by every write of
// products) and its newest interaction seq.
type CatalogState struct {
	Version        int64
	InteractionSeq int64
}

// CatalogTx is what a store keeps of catalogs and interactions.
type CatalogTx interface {
	// PutProducts inserts or replaces products of one brand (a product
	// that was deleted comes back), all with one new catalog version.
	PutProducts(ctx context.Context, brandID string, ps []Product, now time.Time) error
	// Product returns a product; ENOTFOUND when missing or deleted.
	Product(ctx context.Context, brandID, id string) (*Product, error)
	// Products lists a brand's products by id after after.
	Products(ctx context.Context, brandID, after string, limit int) ([]Product, error)
	// ProductsByID returns the products of ids that exist (not deleted).
	ProductsByID(ctx context.Context, brandID string, ids []string) (map[string]*Product, error)
	// ProductsChanged lists products written after catalog version
	// afterVersion (and, within that version, after afterID), deleted ones
	// included, in (version, id) order.
	ProductsChanged(ctx context.Context, brandID string, afterVersion int64, afterID string, limit int) ([]Product, error)
	// DeleteProduct marks a product deleted with a new catalog version;
	// ENOTFOUND when missing or deleted already.
	DeleteProduct(ctx context.Context, brandID, id string, now time.Time) error
	// CountProducts counts a brand's products (deleted ones not).
	CountProducts(ctx context.Context, brandID string) (int, error)
	// CatalogState returns a brand's versions (zero for a brand with none).
	CatalogState(ctx context.Context, brandID string) (CatalogState, error)
	// BusiestCatalogs lists the brands that have interactions, the most
	// first (a node builds their models when it starts).
	BusiestCatalogs(ctx context.Context, limit int) ([]string, error)
	// AddInteractions appends interactions of one brand, numbering them
	// (Seq is set on each).
	AddInteractions(ctx context.Context, brandID string, ins []Interaction) error
	// Interactions lists a brand's interactions with seq > afterSeq, oldest first.
	Interactions(ctx context.Context, brandID string, afterSeq int64, limit int) ([]Interaction, error)
	// CustomerInteractions lists one customer's newest interactions with a
	// brand, newest first.
	CustomerInteractions(ctx context.Context, brandID, customerID string, limit int) ([]Interaction, error)
	// LastTouch is the customer's newest click or mention of a product at
	// or after since; ENOTFOUND when none.
	LastTouch(ctx context.Context, brandID, customerID, productID string, since time.Time) (*Interaction, error)
	// PutOrder records an order id; ECONFLICT when the brand has it already.
	PutOrder(ctx context.Context, brandID, orderID, customerID string, at time.Time) error
	// OrderInteractions returns the purchases of an order (ENOTFOUND when
	// the order does not exist), and its customer.
	OrderInteractions(ctx context.Context, brandID, orderID string) (customerID string, ins []Interaction, err error)
	// PutProductCard stores the card a message carries.
	PutProductCard(ctx context.Context, messageID, brandID string, c *ProductCard) error
	// ProductCards returns the cards of those of messageIDs that carry one.
	ProductCards(ctx context.Context, messageIDs []string) (map[string]*ProductCard, error)
}

// ValidProductID checks a brand's product id: 1 to 64 of A-Z a-z 0-9 and
// - _ . : (it is a path segment of the API).
func ValidProductID(id string) bool {
	if id == "" || len(id) > MaxProductIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// ValidWebURL checks a URL shown to customers: absolute http or https with
// a host, no user info, at most MaxProductURLBytes.
func ValidWebURL(s string) bool {
	if s == "" || len(s) > MaxProductURLBytes || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}

// ValidateProduct checks and normalises a product (trims the title and
// tags, drops duplicate tags, upper-cases the currency). The error names
// the field.
func ValidateProduct(p *Product) error {
	if !ValidProductID(p.ID) {
		return Errorf(EINVALID, "id: 1 to %d of A-Z a-z 0-9 - _ . :", MaxProductIDBytes)
	}
	p.Title = strings.TrimSpace(p.Title)
	if err := validateString("title", p.Title, MaxProductTitle, false, false); err != nil {
		return err
	}
	if p.PriceMinor < 0 || p.PriceMinor > MaxPriceMinor {
		return Errorf(EINVALID, "price: 0 to %d in minor units (cents).", int64(MaxPriceMinor))
	}
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Errorf(EINVALID, "currency: an ISO 4217 code of three letters, such as EUR.")
	}
	if p.ImageURL != "" && !ValidWebURL(p.ImageURL) {
		return Errorf(EINVALID, "image_url: an absolute http or https URL of at most %d bytes.", MaxProductURLBytes)
	}
	if !ValidWebURL(p.URL) {
		return Errorf(EINVALID, "url: an absolute http or https URL of at most %d bytes.", MaxProductURLBytes)
	}
	if len(p.Tags) > MaxProductTags {
		return Errorf(EINVALID, "tags: at most %d.", MaxProductTags)
	}
	tags := make([]string, 0, len(p.Tags))
	for _, t := range p.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if err := validateString("tags", t, MaxProductTagRunes, false, false); err != nil {
			return err
		}
		dup := false
		for _, x := range tags {
			dup = dup || x == t
		}
		if !dup {
			tags = append(tags, t)
		}
	}
	p.Tags = tags
	return nil
}

// CurrencyDigits is how many decimals a currency's minor unit has (ISO
// 4217): 2 for most, 0 for the yen and a few others, 3 for the dinars.
func CurrencyDigits(cur string) int {
	switch cur {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// FormatPrice writes a price for people: "19.99 EUR", "1500 JPY".
func FormatPrice(minor int64, cur string) string {
	d := CurrencyDigits(cur)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s + " " + cur
}
