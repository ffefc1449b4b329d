package brand

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

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

// OptInPayload is the payload of the quick reply that opts a person in to
// a brand's messages (dm.OptInPayload; its title is always dm.OptInTitle).
const OptInPayload = dm.OptInPayload

// keyword returns the message as a STOP/START word candidate, as the
// person meant it rather than as their keyboard wrote it: in compatibility
// form (NFKC: full-width letters from a Chinese or Japanese input method
// become ASCII, a decomposed accent is composed), without invisible format
// characters (a zero-width space, a word joiner, a byte order mark), in
// upper case, without the spaces, punctuation and quotes around it. A STOP
// that did not count kept the person getting automated messages.
//
// A text of more than maxKeywordBytes is returned as it is: no word is that
// long, even in full-width letters with spaces around it, and most messages
// skip normalising the whole of a long text (about 20 µs for 2,000 bytes).
func keyword(text string) string {
	if len(text) > maxKeywordBytes {
		return text
	}
	// ASCII (most messages, and the built-in words) is its own
	// compatibility form and holds no format character.
	s := text
	if !isASCII(text) {
		s = strings.Map(func(r rune) rune {
			if unicode.Is(unicode.Cf, r) {
				return -1
			}
			return r
		}, norm.NFKC.String(text))
	}
	return strings.ToUpper(strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(keywordPunct, r)
	}))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxKeywordBytes bounds the texts keyword reads as a word candidate:
// maxConsentWordRunes runes of 4 bytes, and as much again around them.
const maxKeywordBytes = 8 * maxConsentWordRunes

// keywordPunct is what may surround a STOP or START word.
const keywordPunct = ".!¡?¿\"'«»‹›“”„‘’‚"

func loadConsent(ctx context.Context, tx dm.Tx, brandID, userID string) (*dm.Consent, error) {
	c, err := tx.Consent(ctx, brandID, userID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return &dm.Consent{BrandID: brandID, UserID: userID}, nil
	}
	return c, err
}

// gate asks the consent engine about an automated message from b to
// customer, and counts it when it goes out. set and cs are the brand's
// settings and consent settings, from its state as of tx.
func (s *Step) gate(ctx context.Context, tx dm.Tx, b, customer *dm.Account, set *dm.BrandSettings, cs *dm.ConsentSettings, p chat.SendParams) error {
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
	pol, err := s.policyWith(ctx, tx, b.ID, cs, now)
	if err != nil {
		return err
	}
	d := consent.Decide(purpose, r, pol, newSchedule(set).loc, now)
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
	if purpose != consent.Reply && pol.DailyCap > 0 {
		// Counted against the cap in one statement: the count Decide read
		// may be behind a concurrent send's (PostgreSQL, several nodes).
		ok, err := tx.AddDailySent(ctx, b.ID, utcDay(now), pol.DailyCap)
		if err != nil {
			return err
		}
		if !ok {
			e := dm.Errorf(dm.EFORBIDDEN, "The consent engine held this automated message back: %s.", consent.ReasonDailyCap)
			e.Reason = consent.ReasonDailyCap
			return e
		}
	}
	c.Unanswered++
	c.UpdatedAt = now
	return tx.PutConsent(ctx, c)
}

// inboundRefresh is how stale a person's last-inbound time may be before a
// message of theirs rewrites it. The 24-hour reply window is measured from
// the stored time, so it can close up to this much early, never late.
const inboundRefresh = time.Minute

// customerConsent records a customer message for the consent engine. A
// STOP or START changes the person's consent and is confirmed with one
// message; it reports whether the message was one of those (the bot then
// does nothing else with it). So does the opt-in button (a quick reply
// with the payload OptInPayload, which a campaign or the bot may offer),
// except after a STOP, which it does not undo.
//
// cs is the brand's consent settings when the caller has them (nil: read).
//
// row is the customer's consent row as the caller read it in this
// transaction (dm.BrandConversation; nil: none yet).
func (s *Step) customerConsent(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, cs *dm.ConsentSettings, row *dm.Consent, convID, text, payload string, t time.Time) (bool, error) {
	c := &dm.Consent{BrandID: b.ID, UserID: customer.ID}
	if row != nil {
		c = ptr(*row)
		c.Promos = slices.Clone(row.Promos)
	}
	var err error
	var confirm string
	k := keyword(text)
	stop, start := stopWords, startWords
	// A brand's own words are read only for a message short enough to be one.
	if utf8.RuneCountInString(k) <= maxConsentWordRunes {
		if cs == nil {
			if cs, err = loadConsentSettings(ctx, tx, b.ID); err != nil {
				return false, err
			}
		}
		stop, start = consentWords(cs)
	}
	switch {
	case containsWord(stop, k):
		c.OptedOut = true
		// The funnel: opted out after the campaign messages they got.
		if _, err := tx.MarkBrandFunnel(ctx, b.ID, customer.ID, dm.FunnelOptedOut, t); err != nil {
			return false, err
		}
		funnels.markedBrand(b.ID)
		confirm = fmt.Sprintf("You won't get automated messages from %s anymore. Reply START to get them again.", nameOf(b))
	case payload == OptInPayload:
		// The button's title is the brand's to write: a title that is a
		// stop word is a STOP (above), and the button does not undo one
		// ("Confirm unsubscribe" with this payload would opt back in
		// whoever tapped it). Only the person's own words (START) or
		// "Manage messages" do.
		if c.OptedOut || c.OptedIn {
			break
		}
		c.OptedIn = true
		confirm = fmt.Sprintf("You'll get messages from %s. Reply STOP to stop them.", nameOf(b))
	case containsWord(start, k) && c.OptedOut:
		c.OptedOut, c.OptedIn = false, true
		confirm = fmt.Sprintf("You'll get messages from %s again. Reply STOP to stop them.", nameOf(b))
	}
	if confirm == "" && c.Unanswered == 0 && c.LastInbound != nil && !t.Before(*c.LastInbound) && t.Sub(*c.LastInbound) < inboundRefresh {
		// Nothing the engine weighs has changed but a reply window moved
		// by under a minute: the row is not rewritten (a customer writing
		// several messages in a row costs one write, not one per message).
		return false, nil
	}
	c.LastInbound, c.Unanswered, c.UpdatedAt = &t, 0, t
	if err := tx.PutConsent(ctx, c); err != nil || confirm == "" {
		return false, err
	}
	body, err := json.Marshal(botJob{BrandID: b.ID, ConversationID: convID, Text: confirm, Purpose: consent.Reply})
	if err != nil {
		return true, err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobBotMessage, Payload: body, CreatedAt: t})
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

// consentWords are a brand's stop and start words followed by the built-in
// ones, in new lists. cs may be the brand's cached state (state.go), which
// concurrent sends share: appending the built-in words to its lists wrote
// into their spare capacity (a brand with 17 to 20 stop words, or 9 to 12
// start words, has some once read from JSON), a data race on every message.
func consentWords(cs *dm.ConsentSettings) (stop, start []string) {
	return slices.Concat(cs.StopWords, stopWords), slices.Concat(cs.StartWords, startWords)
}

// containsWord tells whether k (a keyword) is one of words. A brand's
// words were stored as keyword made them when they were saved; they are
// read through keyword again so that words saved before it changed match
// as today's do. A word also matches what only looks like it (skeleton):
// a button titled "ЅТОР" in Cyrillic letters shows as STOP, and a person
// who taps it has said STOP.
func containsWord(words []string, k string) bool {
	// No word is longer than maxConsentWordRunes: a longer message (most
	// of them) is none, without a look at each word.
	if len(k) > utf8.UTFMax*maxConsentWordRunes || utf8.RuneCountInString(k) > maxConsentWordRunes {
		return false
	}
	sk := skeleton(k)
	for _, w := range words {
		if w == k {
			return true
		}
		if kw := keyword(w); kw == k || skeleton(kw) == sk {
			return true
		}
	}
	return false
}

// skeleton maps the capitals of other scripts that look like Latin
// capitals (Cyrillic and Greek, as keyword leaves them: upper case) and the
// digit zero to the Latin letter they show as, so that two words that look
// the same compare equal. It is for comparing with the STOP and START
// words only.
func skeleton(k string) string {
	if isASCII(k) && !strings.Contains(k, "0") {
		return k
	}
	return strings.Map(func(r rune) rune {
		if l, ok := lookAlikes[r]; ok {
			return l
		}
		return r
	}, k)
}

// lookAlikes are the capitals of other scripts drawn as a Latin capital.
var lookAlikes = map[rune]rune{
	'0': 'O',
	// Cyrillic
	'А': 'A', 'В': 'B', 'С': 'C', 'Е': 'E', 'Н': 'H', 'І': 'I', 'Ј': 'J', 'К': 'K', 'М': 'M',
	'О': 'O', 'Р': 'P', 'Ѕ': 'S', 'Т': 'T', 'Х': 'X', 'Ү': 'Y', 'Ԛ': 'Q', 'Ԝ': 'W',
	// Greek
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N',
	'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// nameOf is how a brand names itself in a message: its display name, or its handle.
func nameOf(b *dm.Account) string {
	if b.DisplayName != "" {
		return b.DisplayName
	}
	return "@" + b.Handle
}

// Limits are the operator's bounds on what brands' automated messages may
// do; a brand may only be stricter.
type Limits struct {
	// MaxFrequencyCap is the most promotional messages a brand may send
	// one person in a rolling 7 days (default 2); brands may set less.
	MaxFrequencyCap int
	// BrandDailyCap bounds each brand's promotional messages and
	// follow-ups per UTC day (0: no cap).
	BrandDailyCap int
}

// Limits of a brand's consent settings.
const (
	maxConsentWords     = 20
	maxConsentWordRunes = 30
)

func loadConsentSettings(ctx context.Context, tx dm.Tx, brandID string) (*dm.ConsentSettings, error) {
	set, err := tx.ConsentSettings(ctx, brandID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return &dm.ConsentSettings{BrandID: brandID, StopWords: []string{}, StartWords: []string{}}, nil
	}
	return set, err
}

// policy is a brand's consent policy now: the engine's defaults, the
// brand's choices within the operator's bounds, and today's count.
func (s *Step) policy(ctx context.Context, tx dm.Tx, brandID string, now time.Time) (consent.Policy, error) {
	set, err := loadConsentSettings(ctx, tx, brandID)
	if err != nil {
		return consent.DefaultPolicy(), err
	}
	return s.policyWith(ctx, tx, brandID, set, now)
}

// policyWith is policy with the brand's consent settings already read (a
// send has them in the brand's state).
func (s *Step) policyWith(ctx context.Context, tx dm.Tx, brandID string, set *dm.ConsentSettings, now time.Time) (consent.Policy, error) {
	var err error
	p := consent.DefaultPolicy()
	p.FrequencyCap = s.limits.MaxFrequencyCap
	if set.FrequencyCap > 0 && set.FrequencyCap < p.FrequencyCap {
		p.FrequencyCap = set.FrequencyCap
	}
	p.Window24h = set.Window24h
	if s.limits.BrandDailyCap > 0 {
		p.DailyCap = s.limits.BrandDailyCap
		if p.SentToday, err = tx.DailySent(ctx, brandID, utcDay(now)); err != nil {
			return p, err
		}
	}
	return p, nil
}

func utcDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// ConsentSettings returns a brand's consent settings (the team).
func (s *Service) ConsentSettings(ctx context.Context, me *dm.Account, handle string) (*dm.ConsentSettings, error) {
	var out *dm.ConsentSettings
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = loadConsentSettings(ctx, tx, a.brand.ID)
		return err
	})
	return out, err
}

// PutConsentSettings replaces a brand's consent settings (owners and
// admins). The frequency cap may only be lowered: raising it above the
// operator's maximum is refused.
func (s *Service) PutConsentSettings(ctx context.Context, me *dm.Account, handle string, in dm.ConsentSettings) (*dm.ConsentSettings, error) {
	words := func(name string, ws []string) ([]string, error) {
		if len(ws) > maxConsentWords {
			return nil, dm.Errorf(dm.EINVALID, "%s: at most %d.", name, maxConsentWords)
		}
		out := []string{}
		for i, w := range ws {
			k, field := keyword(w), fmt.Sprintf("%s[%d]", name, i)
			// ValidateField lets a tab through on one line; a word has none.
			if err := dm.ValidateField(field, k, maxConsentWordRunes, false, false); err != nil {
				return nil, err
			}
			if strings.Contains(k, "\t") {
				return nil, dm.Errorf(dm.EINVALID, "%s must be on one line.", field)
			}
			out = append(out, k)
		}
		return out, nil
	}
	var err error
	if in.StopWords, err = words("stop_words", in.StopWords); err != nil {
		return nil, err
	}
	if in.StartWords, err = words("start_words", in.StartWords); err != nil {
		return nil, err
	}
	if in.FrequencyCap < 0 || in.FrequencyCap > s.step.limits.MaxFrequencyCap {
		return nil, dm.Errorf(dm.EINVALID, "frequency_cap: 0 (the most allowed) to %d; raising it is the operator's setting.", s.step.limits.MaxFrequencyCap)
	}
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		in.BrandID, in.UpdatedAt = a.brand.ID, s.now()
		return tx.PutConsentSettings(ctx, &in)
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// MessagesConsent is what a person allowed a brand, as they see it.
type MessagesConsent struct {
	Brand    *dm.Account
	Follows  bool
	OptedIn  bool
	OptedOut bool
}

// MyConsent returns what me allowed the brand of handle ("Manage messages
// from Acme"). A handle that is not a brand is not found.
func (s *Service) MyConsent(ctx context.Context, me *dm.Account, handle string) (*MessagesConsent, error) {
	var out *MessagesConsent
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		out, err = myConsent(ctx, tx, me, handle)
		return err
	})
	return out, err
}

func myConsent(ctx context.Context, tx dm.Tx, me *dm.Account, handle string) (*MessagesConsent, error) {
	b, err := tx.AccountByHandle(ctx, dm.NormalizeHandle(handle))
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && b.Kind != dm.KindBrand {
		return nil, dm.Errorf(dm.ENOTFOUND, "No brand @%s.", dm.Truncate(handle, 40))
	}
	if err != nil {
		return nil, err
	}
	c, err := loadConsent(ctx, tx, b.ID, me.ID)
	if err != nil {
		return nil, err
	}
	rel, err := tx.Relationship(ctx, me.ID, b.ID)
	if err != nil {
		return nil, err
	}
	return &MessagesConsent{Brand: b, Follows: rel.AFollowsB, OptedIn: c.OptedIn, OptedOut: c.OptedOut}, nil
}

// SetMyConsent changes what me allows the brand of handle: opted_out true
// is STOP, false is START; opted_in is the explicit opt-in. Nil fields
// stay. It takes effect at once, for every campaign of the brand.
func (s *Service) SetMyConsent(ctx context.Context, me *dm.Account, handle string, optedIn, optedOut *bool) (*MessagesConsent, error) {
	var out *MessagesConsent
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		mc, err := myConsent(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := loadConsent(ctx, tx, mc.Brand.ID, me.ID)
		if err != nil {
			return err
		}
		if optedIn != nil {
			c.OptedIn = *optedIn
		}
		if optedOut != nil {
			if *optedOut && !c.OptedOut {
				if _, err := tx.MarkBrandFunnel(ctx, mc.Brand.ID, me.ID, dm.FunnelOptedOut, s.now()); err != nil {
					return err
				}
				funnels.markedBrand(mc.Brand.ID)
			}
			c.OptedOut = *optedOut
		}
		c.UpdatedAt = s.now()
		if err := tx.PutConsent(ctx, c); err != nil {
			return err
		}
		mc.OptedIn, mc.OptedOut = c.OptedIn, c.OptedOut
		out = mc
		return nil
	})
	return out, err
}
