package wire

import "time"

// ProductCard is a product as a brand's message carries it: a copy taken
// when the message was sent, and the URL its button opens.
type ProductCard struct {
	ProductID  string `json:"product_id"`
	Title      string `json:"title"`
	PriceMinor int64  `json:"price_minor"`
	Currency   string `json:"currency"`
	// Price is the price written for people ("19.99 EUR").
	Price    string `json:"price"`
	ImageURL string `json:"image_url,omitempty"`
	URL      string `json:"url"`
}

// Product is one item of a brand's catalog.
type Product struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	PriceMinor int64  `json:"price_minor"`
	Currency   string `json:"currency"`
	// Price is the price written for people ("19.99 EUR").
	Price     string    `json:"price"`
	ImageURL  string    `json:"image_url"`
	URL       string    `json:"url"`
	Tags      []string  `json:"tags"`
	InStock   bool      `json:"in_stock"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProductInput is a product written through the API (the id is the path's).
type ProductInput struct {
	Title      string   `json:"title"`
	PriceMinor int64    `json:"price_minor"`
	Currency   string   `json:"currency"`
	ImageURL   string   `json:"image_url,omitempty"`
	URL        string   `json:"url"`
	Tags       []string `json:"tags,omitempty"`
	// InStock defaults to true.
	InStock *bool `json:"in_stock,omitempty"`
}

// ProductList is a page of a catalog.
type ProductList struct {
	Products   []Product `json:"products"`
	NextCursor string    `json:"next_cursor"`
}

// ImportResult counts an import's rows.
type ImportResult struct {
	Rows    int `json:"rows"`
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// ImportRowError is one bad row of a refused import.
type ImportRowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Suggestion is a product suggested for a conversation's customer.
type Suggestion struct {
	Product Product `json:"product"`
	// Reason says why, for people ("because you looked at Trail Tent 2").
	Reason string `json:"reason"`
	// BecauseProductID is the product of the customer's history behind it
	// (absent for a popularity pick).
	BecauseProductID string `json:"because_product_id,omitempty"`
}

// ModelVersion is what the recommender's model had applied when it answered.
type ModelVersion struct {
	Catalog      int64 `json:"catalog"`
	Interactions int64 `json:"interactions"`
}

// SuggestionList is the suggestions for a conversation's customer.
type SuggestionList struct {
	Suggestions []Suggestion `json:"suggestions"`
	Model       ModelVersion `json:"model"`
}

// Purchase is one product of an order and what it is attributed to.
type Purchase struct {
	ProductID string `json:"product_id"`
	// AttributedTo is "click" (a product link opened in a DM), "mention"
	// (a product card sent in the conversation), or "" (neither within 30 days).
	AttributedTo string `json:"attributed_to"`
	// MessageID is the card's message when known.
	MessageID string `json:"message_id,omitempty"`
}

// Order is a conversion recorded by the brand.
type Order struct {
	OrderID   string     `json:"order_id"`
	Customer  Profile    `json:"customer"`
	Items     []Purchase `json:"items"`
	CreatedAt time.Time  `json:"created_at"`
}
