package dm

import (
	"context"
	"time"
)

// This file holds the types of external bots: outbound webhooks (a brand's
// endpoints, the deliveries made to them and each attempt) and bot tokens
// (credentials with which an external program answers as the brand's bot).
// The rules live in internal/webhooks and internal/brand; WebhookTx is what
// a store keeps for them.

// Webhook event types: what a brand's endpoint can subscribe to.
const (
	// WebhookMessageReceived: a customer wrote to the brand.
	WebhookMessageReceived = "message.received"
	// WebhookMessageSent: the brand wrote to a customer (an agent, a bot
	// or an automated reply).
	WebhookMessageSent = "message.sent"
	// WebhookConversationResolved: a brand conversation was resolved.
	WebhookConversationResolved = "conversation.resolved"
	// WebhookConversationAssigned: a brand conversation got an assignee.
	WebhookConversationAssigned = "conversation.assigned"
	// WebhookConversationHandedOff: a bot handed a conversation to a person.
	WebhookConversationHandedOff = "conversation.handed_off"
)

// WebhookEvents lists every event type an endpoint can subscribe to.
var WebhookEvents = []string{WebhookMessageReceived, WebhookMessageSent, WebhookConversationResolved,
	WebhookConversationAssigned, WebhookConversationHandedOff}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its first or next attempt
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed, or the endpoint went away
)

// WebhookEndpoint is a URL a brand has Parley POST its events to.
type WebhookEndpoint struct {
	ID          string   `json:"id"`
	BrandID     string   `json:"-"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	// Secret signs every delivery. It is kept as is (it must sign), shown
	// once when the endpoint is created or its secret rotated, and never
	// again.
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WebhookDelivery is one event to deliver to one endpoint. Its Body is
// fixed when the event happens, so every attempt sends the same bytes.
type WebhookDelivery struct {
	ID         string `json:"id"`
	BrandID    string `json:"-"`
	EndpointID string `json:"endpoint_id"`
	// EventID is the event's id, the same for every endpoint, attempt and
	// redelivery: receivers deduplicate by it.
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	Body      string `json:"-"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	// LastStatusCode is the HTTP status of the last attempt (0: no answer).
	LastStatusCode int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	RedeliveryOf   string     `json:"redelivery_of,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

// WebhookAttempt is one POST of a delivery, for the console's log.
type WebhookAttempt struct {
	DeliveryID string    `json:"-"`
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

// BotToken is a credential scoped to one brand: a request bearing it acts
// as the brand's bot. Only a hash of the token is stored.
type BotToken struct {
	ID        string    `json:"id"`
	BrandID   string    `json:"-"`
	Name      string    `json:"name"`
	TokenHash string    `json:"-"`
	CreatedBy string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookTx is the external bots' part of a transaction. Like Tx, methods
// return ENOTFOUND for a missing row and ECONFLICT for a broken unique rule.
type WebhookTx interface {
	// PutWebhookEndpoint inserts or updates an endpoint.
	PutWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	WebhookEndpoint(ctx context.Context, brandID, id string) (*WebhookEndpoint, error)
	// WebhookEndpoints lists a brand's endpoints, oldest first.
	WebhookEndpoints(ctx context.Context, brandID string) ([]WebhookEndpoint, error)
	// DeleteWebhookEndpoint deletes an endpoint with its deliveries and
	// their attempts.
	DeleteWebhookEndpoint(ctx context.Context, brandID, id string) error

	// PutWebhookDelivery inserts or updates a delivery (its status, counts
	// and times; the body never changes).
	PutWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	WebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	// WebhookDeliveries pages a brand's deliveries newest first, of one
	// endpoint when endpointID is not ""; cursor is the id of the last one
	// of the previous page, next is "" on the last page.
	WebhookDeliveries(ctx context.Context, brandID, endpointID, cursor string, limit int) (ds []WebhookDelivery, next string, err error)
	AddWebhookAttempt(ctx context.Context, a *WebhookAttempt) error
	// RecordWebhookAttempt counts one more attempt of a delivery in one
	// UPDATE: its attempts, last status code and error (cleaned as
	// PutWebhookDelivery cleans it) and updated_at = at; status too unless
	// it is "", and delivered_at unless deliveredAt is nil. It returns the
	// attempt's number (the new count); ENOTFOUND if there is no such
	// delivery.
	RecordWebhookAttempt(ctx context.Context, id, status string, code int, lastError string, at time.Time, deliveredAt *time.Time) (int, error)
	// WebhookAttempts lists a delivery's attempts in order.
	WebhookAttempts(ctx context.Context, deliveryID string) ([]WebhookAttempt, error)
	// PruneWebhookDeliveries deletes at most limit deliveries created
	// before before, with their attempts, oldest first.
	PruneWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int64, error)

	// CreateBotToken inserts a token (ECONFLICT: the brand has one of that name).
	CreateBotToken(ctx context.Context, b *BotToken) error
	// BotTokenByHash finds a token by the hash of its secret.
	BotTokenByHash(ctx context.Context, hash string) (*BotToken, error)
	// BotTokens lists a brand's tokens, oldest first.
	BotTokens(ctx context.Context, brandID string) ([]BotToken, error)
	DeleteBotToken(ctx context.Context, brandID, id string) error
}
