package webhooks

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/safehttp"
)

// The console's side: a brand's owners and admins manage its endpoints and
// read the delivery log; everyone else gets the 404 a stranger gets.

// EndpointInput is an endpoint to create.
type EndpointInput struct {
	URL         string
	Description string
	Events      []string
}

func (in *EndpointInput) validate() error {
	in.URL = strings.TrimSpace(in.URL)
	if in.URL == "" || len(in.URL) > maxURLBytes {
		return dm.Errorf(dm.EINVALID, "url is required, at most %d bytes.", maxURLBytes)
	}
	u, err := safehttp.CheckURL(in.URL)
	if err != nil {
		return dm.Errorf(dm.EINVALID, "url: %s (an http or https URL without credentials).", strings.TrimPrefix(err.Error(), safehttp.ErrForbidden.Error()+": "))
	}
	if u.Fragment != "" || !utf8.ValidString(in.URL) {
		return dm.Errorf(dm.EINVALID, "url may not have a #fragment.")
	}
	in.URL = u.String()
	in.Description = strings.TrimSpace(in.Description)
	if !utf8.ValidString(in.Description) || utf8.RuneCountInString(in.Description) > maxDescription ||
		strings.IndexFunc(in.Description, unicode.IsControl) >= 0 {
		return dm.Errorf(dm.EINVALID, "description has at most %d characters, without control characters.", maxDescription)
	}
	if len(in.Events) == 0 {
		return dm.Errorf(dm.EINVALID, "events: pick at least one of %s.", strings.Join(dm.WebhookEvents, ", "))
	}
	var evs []string
	for _, e := range in.Events {
		if !slices.Contains(dm.WebhookEvents, e) {
			return dm.Errorf(dm.EINVALID, "events: %q is not one of %s.", truncate(e, 40), strings.Join(dm.WebhookEvents, ", "))
		}
		if !slices.Contains(evs, e) {
			evs = append(evs, e)
		}
	}
	in.Events = evs
	return nil
}

// CreateEndpoint registers an endpoint. The returned secret is shown once:
// the API never returns it again (RotateSecret makes a new one).
func (s *Service) CreateEndpoint(ctx context.Context, me *dm.Account, handle string, in EndpointInput) (*dm.WebhookEndpoint, string, error) {
	if err := in.validate(); err != nil {
		return nil, "", err
	}
	var e *dm.WebhookEndpoint
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		have, err := tx.WebhookEndpoints(ctx, b.ID)
		if err != nil {
			return err
		}
		if len(have) >= maxEndpoints {
			return dm.Errorf(dm.EINVALID, "A brand has at most %d webhook endpoints.", maxEndpoints)
		}
		t := s.now()
		e = &dm.WebhookEndpoint{ID: dm.NewID(), BrandID: b.ID, URL: in.URL, Description: in.Description, Events: in.Events,
			Secret: newSecret(), CreatedAt: t, UpdatedAt: t}
		return tx.PutWebhookEndpoint(ctx, e)
	})
	if err != nil {
		return nil, "", err
	}
	return e, e.Secret, nil
}

// Endpoints lists a brand's endpoints (without secrets).
func (s *Service) Endpoints(ctx context.Context, me *dm.Account, handle string) ([]dm.WebhookEndpoint, error) {
	var out []dm.WebhookEndpoint
	err := s.store.View(ctx, func(tx dm.Tx) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.WebhookEndpoints(ctx, b.ID)
		return err
	})
	return out, err
}

func noEndpoint(id string) error {
	return dm.Errorf(dm.ENOTFOUND, "No webhook endpoint %q.", truncate(id, 40))
}

// RotateSecret gives an endpoint a new secret, returned once; deliveries
// from now on (retries included) are signed with it.
func (s *Service) RotateSecret(ctx context.Context, me *dm.Account, handle, id string) (*dm.WebhookEndpoint, string, error) {
	var e *dm.WebhookEndpoint
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if e, err = tx.WebhookEndpoint(ctx, b.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
			return noEndpoint(id)
		} else if err != nil {
			return err
		}
		e.Secret, e.UpdatedAt = newSecret(), s.now()
		return tx.PutWebhookEndpoint(ctx, e)
	})
	if err != nil {
		return nil, "", err
	}
	return e, e.Secret, nil
}

// DeleteEndpoint deletes an endpoint and its delivery log; its pending
// deliveries stop.
func (s *Service) DeleteEndpoint(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.DeleteWebhookEndpoint(ctx, b.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
			return noEndpoint(id)
		} else if err != nil {
			return err
		}
		return nil
	})
}

// Delivery is a delivery with its attempts, for the console.
type Delivery struct {
	dm.WebhookDelivery
	Attempts []dm.WebhookAttempt `json:"attempt_log,omitempty"`
}

// Deliveries pages a brand's delivery log, newest first, of one endpoint
// when endpointID is not "".
func (s *Service) Deliveries(ctx context.Context, me *dm.Account, handle, endpointID, cursor string, limit int) ([]dm.WebhookDelivery, string, error) {
	if len(cursor) > 100 || len(endpointID) > 100 {
		return nil, "", dm.Errorf(dm.EINVALID, "Bad cursor or endpoint.")
	}
	var out []dm.WebhookDelivery
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if endpointID != "" {
			if _, err := tx.WebhookEndpoint(ctx, b.ID, endpointID); dm.IsCode(err, dm.ENOTFOUND) {
				return noEndpoint(endpointID)
			} else if err != nil {
				return err
			}
		}
		out, next, err = tx.WebhookDeliveries(ctx, b.ID, endpointID, cursor, limit)
		return err
	})
	return out, next, err
}

// Delivery returns one delivery with its attempts and body.
func (s *Service) Delivery(ctx context.Context, me *dm.Account, handle, id string) (*Delivery, string, error) {
	var out Delivery
	err := s.store.View(ctx, func(tx dm.Tx) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		d, err := tx.WebhookDelivery(ctx, id)
		if dm.IsCode(err, dm.ENOTFOUND) || (err == nil && d.BrandID != b.ID) {
			return dm.Errorf(dm.ENOTFOUND, "No delivery %q.", truncate(id, 40))
		}
		if err != nil {
			return err
		}
		out.WebhookDelivery = *d
		if out.Body, err = redactGoneBody(ctx, tx, b.ID, d.Body); err != nil {
			return err
		}
		out.Attempts, err = tx.WebhookAttempts(ctx, id)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return &out, out.Body, nil
}

// Redeliver sends a delivery's event again, to the same endpoint with the
// same body and event id, as a new delivery with its own attempts.
func (s *Service) Redeliver(ctx context.Context, me *dm.Account, handle, id string) (*dm.WebhookDelivery, error) {
	var nd *dm.WebhookDelivery
	charged := false
	err := s.chat.Update(ctx, func(tx dm.Tx, out chat.Outbox) error {
		b, err := s.brand.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		d, err := tx.WebhookDelivery(ctx, id)
		if dm.IsCode(err, dm.ENOTFOUND) || (err == nil && d.BrandID != b.ID) {
			return dm.Errorf(dm.ENOTFOUND, "No delivery %q.", truncate(id, 40))
		}
		if err != nil {
			return err
		}
		if !charged {
			// Once per call, though a busy store may run this again.
			if wait := s.redeliveries.Take(b.ID, s.now()); wait > 0 {
				return &dm.Error{Code: dm.ERATELIMITED, RetryAfter: wait,
					Message: "Too many redeliveries for this brand. Try again later."}
			}
			charged = true
		}
		body, err := redactGoneBody(ctx, tx, b.ID, d.Body)
		if err != nil {
			return err
		}
		t := s.now()
		nd = &dm.WebhookDelivery{ID: dm.NewID(), BrandID: b.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
			Body: body, Status: dm.DeliveryPending, RedeliveryOf: d.ID, CreatedAt: t, UpdatedAt: t}
		_, err = enqueueDelivery(ctx, tx, out, nd)
		return err
	})
	return nd, err
}

// Prune deletes the delivery log older than the retention, in short slices.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	before := s.now().Add(-s.cfg.Retention)
	var total int64
	for {
		var n int64
		err := s.store.Update(ctx, func(tx dm.Tx) error {
			var err error
			n, err = tx.PruneWebhookDeliveries(ctx, before, 1000)
			return err
		})
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
