package brand

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
)

// The consent gate: the first thing the brand layer's pipeline stage does
// with an automated brand message (a bot's answer, the away message, a
// follow-up, later a campaign step) is to ask the consent engine
// (internal/consent), in the send's own transaction. A message it holds
// back is never stored; one it puts off (quiet hours) comes back as
// *Deferred so that its job runs again then. And every customer message
// updates what the engine knows: the person wrote (the reply window opens,
// the unanswered count starts over), or said STOP or START.

// Deferred is the error of an automated send the consent engine put off.
type Deferred struct {
	Until  time.Time
	Reason string
}

func (d *Deferred) Error() string {
	return fmt.Sprintf("consent: %s until %s", d.Reason, d.Until.Format(time.RFC3339))
}

// Words that opt a person out of, or back into, a brand's automated
// messages: the whole message, in any case, punctuation around it ignored.
var (
	stopWords  = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT", "BAJA", "ALTO"}
	startWords = []string{"START", "UNSTOP", "SUBSCRIBE", "RESUME"}
)

// keyword returns the message as a STOP/START word candidate.
func keyword(text string) string {
	return strings.ToUpper(strings.Trim(strings.TrimSpace(text), " .!¡?¿"))
}

func loadConsent(ctx context.Context, tx dm.Tx, brandID, userID string) (*dm.Consent, error) {
	c, err := tx.Consent(ctx, brandID, userID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return &dm.Consent{BrandID: brandID, UserID: userID}, nil
	}
	return c, err
}

// gate asks the consent engine about an automated message from b to
// customer, and counts it when it goes out.
func (s *Step) gate(ctx context.Context, tx dm.Tx, b, customer *dm.Account, set *dm.BrandSettings, p chat.SendParams) error {
	c, err := loadConsent(ctx, tx, b.ID, customer.ID)
	if err != nil {
		return err
	}
	purpose := p.Purpose
	if purpose == "" {
		purpose = consent.Reply
	}
	var rel *dm.Relationship
	if purpose == consent.Promotional {
		r, err := tx.Relationship(ctx, customer.ID, b.ID)
		if err != nil {
			return err
		}
		rel = &r
	}
	now := s.now()
	r := recipient(c, rel, now)
	if purpose != consent.Reply {
		// Quiet hours are the person's, in their own time zone.
		us, err := tx.Settings(ctx, customer.ID)
		if err != nil {
			return err
		}
		r.Location = zone(us.TimeZone)
	}
	d := consent.Decide(purpose, r, consent.DefaultPolicy(), newSchedule(set).loc, now)
	if !d.DeferUntil.IsZero() {
		return &Deferred{Until: d.DeferUntil, Reason: d.Reason}
	}
	if !d.Allow {
		e := dm.Errorf(dm.EFORBIDDEN, "The consent engine held this automated message back: %s.", d.Reason)
		e.Reason = d.Reason
		return e
	}
	if purpose == consent.Promotional {
		c.Promos = append(recentPromos(c.Promos, now), now)
	}
	c.Unanswered++
	c.UpdatedAt = now
	return tx.PutConsent(ctx, c)
}

// customerConsent records a customer message for the consent engine. A
// STOP or START changes the person's consent and is confirmed with one
// message; it reports whether the message was one of those (the bot then
// does nothing else with it).
func (s *Step) customerConsent(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, convID, text string, t time.Time) (bool, error) {
	c, err := loadConsent(ctx, tx, b.ID, customer.ID)
	if err != nil {
		return false, err
	}
	c.LastInbound, c.Unanswered, c.UpdatedAt = &t, 0, t
	var confirm string
	switch k := keyword(text); {
	case containsWord(stopWords, k):
		c.OptedOut = true
		confirm = fmt.Sprintf("You won't get automated messages from %s anymore. Reply START to get them again.", nameOf(b))
	case containsWord(startWords, k) && c.OptedOut:
		c.OptedOut, c.OptedIn = false, true
		confirm = fmt.Sprintf("You'll get messages from %s again. Reply STOP to stop them.", nameOf(b))
	}
	if err := tx.PutConsent(ctx, c); err != nil || confirm == "" {
		return false, err
	}
	payload, err := json.Marshal(botJob{BrandID: b.ID, ConversationID: convID, Text: confirm, Purpose: consent.Reply})
	if err != nil {
		return true, err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobBotMessage, Payload: payload, CreatedAt: t})
	return true, err
}

// recipient is what the consent engine weighs of c (and, for promotional
// messages, of the relationship rel from the person to the brand) at now.
func recipient(c *dm.Consent, rel *dm.Relationship, now time.Time) consent.Recipient {
	r := consent.Recipient{OptedIn: c.OptedIn, OptedOut: c.OptedOut, Unanswered: c.Unanswered,
		PromosLast7Days: len(recentPromos(c.Promos, now))}
	if c.LastInbound != nil {
		r.LastInbound = *c.LastInbound
	}
	if rel != nil {
		r.Follows, r.Blocked = rel.AFollowsB, rel.Blocked()
	}
	return r
}

// zones caches loaded time zones by name: loading one reads the zone
// database, and the plan of a campaign asks for one per recipient.
var zones sync.Map

// zone returns the location of an IANA name, nil for "" or an unknown
// name (the brand's zone then applies).
func zone(name string) *time.Location {
	if name == "" {
		return nil
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	zones.Store(name, l)
	return l
}

// promoWindow is the frequency cap's rolling window.
const promoWindow = 7 * 24 * time.Hour

// recentPromos keeps the promotional times within the window before now
// (what the consent row keeps, so it stays small).
func recentPromos(ts []time.Time, now time.Time) []time.Time {
	out := ts[:0:0]
	for _, t := range ts {
		if now.Sub(t) < promoWindow {
			out = append(out, t)
		}
	}
	return out
}

func containsWord(words []string, k string) bool {
	for _, w := range words {
		if w == k {
			return true
		}
	}
	return false
}

// nameOf is how a brand names itself in a message: its display name, or its handle.
func nameOf(b *dm.Account) string {
	if b.DisplayName != "" {
		return b.DisplayName
	}
	return "@" + b.Handle
}
