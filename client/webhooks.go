package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook is a brand's webhook endpoint (its secret is returned only when
// it is made or rotated).
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	Events      []string  `json:"events"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// WebhookParams registers an endpoint.
type WebhookParams struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	Events      []string `json:"events"`
}

// WebhookDelivery is one event sent (or to send) to one endpoint.
type WebhookDelivery struct {
	ID             string           `json:"id"`
	EndpointID     string           `json:"endpoint_id"`
	EventID        string           `json:"event_id"`
	EventType      string           `json:"event_type"`
	Status         string           `json:"status"`
	Attempts       int              `json:"attempts"`
	LastStatusCode int              `json:"last_status_code"`
	LastError      string           `json:"last_error"`
	RedeliveryOf   string           `json:"redelivery_of"`
	CreatedAt      time.Time        `json:"created_at"`
	DeliveredAt    *time.Time       `json:"delivered_at"`
	AttemptLog     []WebhookAttempt `json:"attempt_log"`
	// Payload is the JSON body sent (WebhookDelivery only).
	Payload json.RawMessage `json:"-"`
}

// WebhookAttempt is one POST of a delivery.
type WebhookAttempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

// BotToken is a brand's bot token (its secret is returned only when made).
type BotToken struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateWebhook registers an endpoint and returns it with its signing secret.
func (c *Client) CreateWebhook(ctx context.Context, brand string, p WebhookParams) (*Webhook, string, error) {
	var out struct {
		Webhook Webhook `json:"webhook"`
		Secret  string  `json:"secret"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/webhooks", brand), p, &out); err != nil {
		return nil, "", err
	}
	return &out.Webhook, out.Secret, nil
}

// Webhooks lists a brand's endpoints.
func (c *Client) Webhooks(ctx context.Context, brand string) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/webhooks", brand), nil, &out)
	return out.Webhooks, err
}

// DeleteWebhook deletes an endpoint and its delivery log.
func (c *Client) DeleteWebhook(ctx context.Context, brand, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/webhooks/%s", brand, id), nil, nil)
	return err
}

// RotateWebhook gives an endpoint a new secret and returns it.
func (c *Client) RotateWebhook(ctx context.Context, brand, id string) (string, error) {
	var out struct {
		Secret string `json:"secret"`
	}
	_, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/webhooks/%s/rotate", brand, id), nil, &out)
	return out.Secret, err
}

// WebhookDeliveries pages a brand's delivery log, newest first (of one
// endpoint when endpoint is not "").
func (c *Client) WebhookDeliveries(ctx context.Context, brand, endpoint, cursor string, limit int) ([]WebhookDelivery, string, error) {
	q := url.Values{}
	if endpoint != "" {
		q.Set("endpoint", endpoint)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Deliveries []WebhookDelivery `json:"deliveries"`
		NextCursor string            `json:"next_cursor"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/webhook-deliveries", brand)+"?"+q.Encode(), nil, &out)
	return out.Deliveries, out.NextCursor, err
}

// WebhookDelivery returns one delivery with its attempt log and payload.
func (c *Client) WebhookDelivery(ctx context.Context, brand, id string) (*WebhookDelivery, error) {
	var out struct {
		Delivery WebhookDelivery `json:"delivery"`
		Payload  json.RawMessage `json:"payload"`
	}
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/webhook-deliveries/%s", brand, id), nil, &out); err != nil {
		return nil, err
	}
	out.Delivery.Payload = out.Payload
	return &out.Delivery, nil
}

// Redeliver sends a delivery's event again as a new delivery.
func (c *Client) Redeliver(ctx context.Context, brand, id string) (*WebhookDelivery, error) {
	var out struct {
		Delivery WebhookDelivery `json:"delivery"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/webhook-deliveries/%s/redeliver", brand, id), nil, &out); err != nil {
		return nil, err
	}
	return &out.Delivery, nil
}

// CreateBotToken makes a bot token and returns it with its secret.
func (c *Client) CreateBotToken(ctx context.Context, brand, name string) (*BotToken, string, error) {
	var out struct {
		BotToken BotToken `json:"bot_token"`
		Token    string   `json:"token"`
	}
	if _, err := c.call(ctx, http.MethodPost, pathf("/api/v1/brands/%s/bot-tokens", brand), map[string]string{"name": name}, &out); err != nil {
		return nil, "", err
	}
	return &out.BotToken, out.Token, nil
}

// BotTokens lists a brand's bot tokens.
func (c *Client) BotTokens(ctx context.Context, brand string) ([]BotToken, error) {
	var out struct {
		BotTokens []BotToken `json:"bot_tokens"`
	}
	_, err := c.call(ctx, http.MethodGet, pathf("/api/v1/brands/%s/bot-tokens", brand), nil, &out)
	return out.BotTokens, err
}

// RevokeBotToken deletes a bot token.
func (c *Client) RevokeBotToken(ctx context.Context, brand, id string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/brands/%s/bot-tokens/%s", brand, id), nil, nil)
	return err
}
