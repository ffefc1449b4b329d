package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/wire"
)

// The catalog's wire types (see the Products tag of the API document).
type (
	Product        = wire.Product
	ProductInput   = wire.ProductInput
	ProductCard    = wire.ProductCard
	ProductList    = wire.ProductList
	ImportResult   = wire.ImportResult
	ImportRowError = wire.ImportRowError
	Suggestion     = wire.Suggestion
	SuggestionList = wire.SuggestionList
	Order          = wire.Order
	Purchase       = wire.Purchase
)

// ImportError is a refused catalog import: the error, and the bad rows.
type ImportError struct {
	Err   *Error
	Rows  []ImportRowError
	Total int
}

func (e *ImportError) Error() string { return e.Err.Error() }

// Unwrap lets errors.As find the *Error (its status and code).
func (e *ImportError) Unwrap() error { return e.Err }

// ImportProducts uploads a catalog file; format is "csv" or "json". A file
// with bad rows returns an *ImportError listing them (nothing was imported).
func (c *Client) ImportProducts(ctx context.Context, brand, format, body string) (*ImportResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+pathf("/api/v1/brands/%s/products/import", brand), strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	ct := "text/csv"
	if format == "json" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusBadRequest {
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			Rows  []ImportRowError `json:"rows"`
			Total int              `json:"total"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			return nil, err
		}
		return nil, &ImportError{Err: &Error{Status: resp.StatusCode, Code: env.Error.Code, Message: env.Error.Message}, Rows: env.Rows, Total: env.Total}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(resp)
	}
	var out ImportResult
	return &out, json.NewDecoder(resp.Body).Decode(&out)
}

// Products lists a page of a brand's catalog.
func (c *Client) Products(ctx context.Context, brand, cursor string, limit int) (*ProductList, error) {
	var out ProductList
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/products", brand)+query("cursor", cursor, "limit", limitString(limit)), nil, &out)
	return &out, err
}

// Product returns one product.
func (c *Client) Product(ctx context.Context, brand, id string) (*Product, error) {
	var out struct {
		Product *Product `json:"product"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/products/%s", brand, id), nil, &out)
	return out.Product, err
}

// PutProduct creates or replaces a product.
func (c *Client) PutProduct(ctx context.Context, brand, id string, in ProductInput) (p *Product, created bool, err error) {
	var out struct {
		Product *Product `json:"product"`
	}
	status, err := c.call(ctx, http.MethodPut, pathf("/api/v1/brands/%s/products/%s", brand, id), in, &out)
	return out.Product, status == http.StatusCreated, err
}

// DeleteProduct removes a product.
func (c *Client) DeleteProduct(ctx context.Context, brand, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/products/%s", brand, id), nil, nil)
	return err
}

// RecordView reports that a customer looked at a product.
func (c *Client) RecordView(ctx context.Context, brand, customer, productID string) error {
	in := map[string]any{"views": []map[string]string{{"customer": customer, "product_id": productID}}}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/product-views", brand), in, nil)
	return err
}

// RecordOrder records a purchase; created is false for a known order id.
func (c *Client) RecordOrder(ctx context.Context, brand, orderID, customer string, items ...string) (o *Order, created bool, err error) {
	var out struct {
		Order *Order `json:"order"`
	}
	in := map[string]any{"order_id": orderID, "customer": customer, "items": items}
	status, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/orders", brand), in, &out)
	return out.Order, status == http.StatusCreated, err
}

// Suggestions returns products suggested for a conversation's customer.
func (c *Client) Suggestions(ctx context.Context, brand, convID string, limit int) (*SuggestionList, error) {
	var out SuggestionList
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/conversations/%s/suggestions", brand, convID)+query("limit", limitString(limit)), nil, &out)
	return &out, err
}

// SendProductCard sends a product of the catalog as a card.
func (c *Client) SendProductCard(ctx context.Context, brand, convID, productID, text, clientID string) (*TeamMessage, bool, error) {
	var out struct {
		Message *TeamMessage `json:"message"`
	}
	in := map[string]string{"product_id": productID}
	if text != "" {
		in["text"] = text
	}
	if clientID != "" {
		in["client_id"] = clientID
	}
	status, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/conversations/%s/product-cards", brand, convID), in, &out)
	return out.Message, status == http.StatusCreated, err
}
