package brand

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Tracked links: a URL in a brand's message becomes the server's
// /l/{token} address, so that a click is counted before the browser is
// sent on. The token is 128 random bits (22 URL-safe characters), given once
// in the message; the store keeps its SHA-256 only. Each link carries what
// it is attributed to (the recipient, the campaign step and variant, a
// product, a creator), so the funnel, the catalog and creator results
// count the same clicks.
//
// A click costs the redirect one read and one small write (the click, the
// link's counters and, on a recipient's first click of a campaign's link,
// the mark on their delivery), committed before the redirect. Whatever
// other packages do with a click (OnLinkClick) runs after the commit from
// a durable job, never in the redirect's time.

// JobLinkClick is the kind of the job that tells OnLinkClick handlers of a click.
const JobLinkClick = "link.click"

// Link limits.
const (
	// MaxLinkURLBytes bounds a destination URL.
	MaxLinkURLBytes = 2048
	// MaxLinksPerText bounds the URLs one text has rewritten; the rest
	// stay as they are.
	MaxLinksPerText = 20
	// MaxLinkAttrBytes bounds each attribution field (product id, variant ...).
	MaxLinkAttrBytes = 200
	// linkTokenLen is the length of a token: 16 random bytes, base64url.
	linkTokenLen = 22
)

// LinkSpec is a link to track: its destination and what it is attributed to
// (every attribution field is optional).
type LinkSpec struct {
	// URL is the destination: an absolute http or https URL without user
	// information, at most MaxLinkURLBytes. TrackLinksInText ignores it.
	URL         string
	RecipientID string
	CampaignID  string
	Step        int
	Variant     string
	ProductID   string
	CreatorID   string
}

// LinkClickFunc is told of a stored click of a tracked link (OnLinkClick).
// It runs from a durable job after the click committed, at least once: a
// handler that fails (returns an error) is run again, with the others, so
// each must be idempotent on c.ID.
type LinkClickFunc func(ctx context.Context, l dm.TrackedLink, c dm.LinkClick) error

// OnLinkClick adds fn to the handlers of clicks. Call it while wiring the
// server, before it serves.
func (s *Service) OnLinkClick(fn LinkClickFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clickFuncs = append(s.clickFuncs, fn)
}

func (s *Service) clickHandlers() []LinkClickFunc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clickFuncs
}

// PublicURL is the server's public address, which links in messages start
// with (no trailing slash).
func (s *Service) PublicURL() string {
	if s.publicURL == nil {
		return ""
	}
	return strings.TrimRight(s.publicURL(), "/")
}

// ValidLinkURL checks a destination URL and returns it in its normal form.
func ValidLinkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := func(why string) (string, error) {
		return "", dm.Errorf(dm.EINVALID, "url: %s", why)
	}
	if raw == "" {
		return bad("required.")
	}
	if len(raw) > MaxLinkURLBytes {
		return bad("at most 2048 bytes.")
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return bad("no spaces or control characters.")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL.")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("http or https only.")
	}
	if u.Host == "" || u.Hostname() == "" {
		return bad("a host is required.")
	}
	if u.User != nil {
		return bad("no user name or password in the URL.")
	}
	out := u.String()
	if len(out) > MaxLinkURLBytes {
		return bad("at most 2048 bytes.")
	}
	return out, nil
}

func validSpec(spec LinkSpec) error {
	for _, f := range []struct{ name, v string }{{"recipient_id", spec.RecipientID}, {"campaign_id", spec.CampaignID},
		{"variant", spec.Variant}, {"product_id", spec.ProductID}, {"creator_id", spec.CreatorID}} {
		if len(f.v) > MaxLinkAttrBytes || !utf8.ValidString(f.v) {
			return dm.Errorf(dm.EINVALID, "%s: at most %d bytes of UTF-8.", f.name, MaxLinkAttrBytes)
		}
	}
	if spec.Step < 0 || spec.Step > 100 {
		return dm.Errorf(dm.EINVALID, "step: 0 to 100.")
	}
	return nil
}

// newLinkToken returns a new token and the id the store keeps for it.
func newLinkToken() (token, id string) {
	var b [16]byte
	rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, linkID(token)
}

func linkID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Service) newLink(brandID, dest string, spec LinkSpec, now time.Time) (dm.TrackedLink, string) {
	token, id := newLinkToken()
	return dm.TrackedLink{ID: id, BrandID: brandID, URL: dest, RecipientID: spec.RecipientID, CampaignID: spec.CampaignID,
		Step: spec.Step, Variant: spec.Variant, ProductID: spec.ProductID, CreatorID: spec.CreatorID, CreatedAt: now}, s.linkURL(token)
}

func (s *Service) linkURL(token string) string { return s.PublicURL() + "/l/" + token }

// TrackLink stores a tracked link of brandID to spec.URL and returns its
// address (the server's public URL, /l/, the token).
func (s *Service) TrackLink(ctx context.Context, brandID string, spec LinkSpec) (string, error) {
	dest, err := ValidLinkURL(spec.URL)
	if err != nil {
		return "", err
	}
	if err := validSpec(spec); err != nil {
		return "", err
	}
	l, addr := s.newLink(brandID, dest, spec, s.now())
	err = s.store.Update(ctx, func(tx dm.Tx) error { return tx.PutTrackedLinks(ctx, []dm.TrackedLink{l}) })
	if err != nil {
		return "", err
	}
	return addr, nil
}

// urlInText finds http(s) URLs in a text, as the web app's linkify does.
var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"']+`)

// trimURL drops what ends a sentence rather than the URL: trailing
// punctuation, and a closing bracket the URL did not open.
func trimURL(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '*', '_', '~':
			u = u[:len(u)-1]
			continue
		case ')', ']', '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if strings.Count(u, string(open)) < strings.Count(u, string(c)) {
				u = u[:len(u)-1]
				continue
			}
		}
		return u
	}
	return u
}

// TrackLinksInText replaces every http(s) URL of text (up to
// MaxLinksPerText) by a tracked link of brandID with spec's attribution,
// stored in one write. A URL that is not a valid destination, that is
// this server's own (a tracked link already, a calendar link), or whose
// replacement would take the text over the message limit stays as it is.
func (s *Service) TrackLinksInText(ctx context.Context, brandID, text string, spec LinkSpec) (string, error) {
	out, links, err := s.rewriteLinks(brandID, text, spec)
	if err != nil || len(links) == 0 {
		return text, err
	}
	if err := s.store.Update(ctx, func(tx dm.Tx) error { return tx.PutTrackedLinks(ctx, links) }); err != nil {
		return text, err
	}
	return out, nil
}

// rewriteLinks is TrackLinksInText before the write: the new text and the
// links to store.
func (s *Service) rewriteLinks(brandID, text string, spec LinkSpec) (string, []dm.TrackedLink, error) {
	if err := validSpec(spec); err != nil {
		return text, nil, err
	}
	locs := urlInText.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return text, nil, nil
	}
	// This server's own addresses (a tracked link, an invitation's
	// calendar) stay as they are.
	own := s.PublicURL() + "/"
	now := s.now()
	runes := utf8.RuneCountInString(text)
	var b strings.Builder
	var links []dm.TrackedLink
	last := 0
	for _, loc := range locs {
		raw := trimURL(text[loc[0]:loc[1]])
		end := loc[0] + len(raw)
		b.WriteString(text[last:loc[0]])
		last = loc[0]
		if len(links) == MaxLinksPerText || strings.HasPrefix(raw, own) {
			continue
		}
		dest, err := ValidLinkURL(raw)
		if err != nil {
			continue
		}
		l, addr := s.newLink(brandID, dest, spec, now)
		grow := utf8.RuneCountInString(addr) - utf8.RuneCountInString(raw)
		if runes+grow > dm.MaxTextRunes {
			continue
		}
		runes += grow
		links = append(links, l)
		b.WriteString(addr)
		last = end
	}
	b.WriteString(text[last:])
	return b.String(), links, nil
}

// ClickFrom is who clicked: the client's address (for the rate limit), and
// whether the request counts (a GET from a browser; not a HEAD, nor this
// server's own link preview fetching the URL of a message).
type ClickFrom struct {
	Addr  string
	Count bool
}

// linkClickJob is the payload of a JobLinkClick job.
type linkClickJob struct {
	LinkID  string `json:"link_id"`
	ClickID string `json:"click_id"`
	At      int64  `json:"at"` // Unix milliseconds
	First   bool   `json:"first"`
}

// Click resolves a tracked link's token for the redirect and records the
// click: ENOTFOUND for an unknown token, ERATELIMITED when the address
// clicks too fast. It returns the destination.
func (s *Service) Click(ctx context.Context, token string, from ClickFrom) (string, error) {
	notFound := dm.Errorf(dm.ENOTFOUND, "No such link.")
	if len(token) != linkTokenLen {
		return "", notFound
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return "", notFound
	}
	if wait := s.clickLimit.Take(ratelimit.NetworkKey(from.Addr), s.clock()); wait > 0 {
		return "", &dm.Error{Code: dm.ERATELIMITED, Message: "Too many clicks from this address; try again shortly.", RetryAfter: wait}
	}
	id := linkID(token)
	var l *dm.TrackedLink
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		l, err = tx.TrackedLink(ctx, id)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return "", notFound
	}
	if err != nil {
		return "", err
	}
	if !from.Count {
		return l.URL, nil
	}
	handlers := len(s.clickHandlers()) > 0
	now := s.now()
	c := &dm.LinkClick{ID: dm.NewID(), LinkID: id, At: now}
	err = s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		if err := tx.RecordClick(ctx, c); err != nil {
			return err
		}
		if c.First && l.CampaignID != "" && l.RecipientID != "" {
			// The funnel: this recipient clicked (the link's step, and the
			// campaign's first step, which counts its recipients).
			if _, err := tx.MarkFunnel(ctx, l.CampaignID, l.Step, l.RecipientID, dm.FunnelClicked, now); err != nil {
				return err
			}
		}
		if l.CampaignID != "" {
			funnels.markedCampaign(l.CampaignID) // every click counts in the funnel's clicks
		}
		if !handlers {
			return nil
		}
		body, _ := json.Marshal(linkClickJob{LinkID: id, ClickID: c.ID, At: now.UnixMilli(), First: c.First})
		_, err := ob.Enqueue(ctx, &dm.Job{Kind: JobLinkClick, Payload: body, CreatedAt: now})
		return err
	})
	if err != nil {
		return "", err
	}
	return l.URL, nil
}

// tellClick is the JobLinkClick job: it runs the OnLinkClick handlers.
func (s *Service) tellClick(ctx context.Context, j *dm.Job) error {
	var p linkClickJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var l *dm.TrackedLink
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		l, err = tx.TrackedLink(ctx, p.LinkID)
		return err
	}); err != nil {
		if dm.IsCode(err, dm.ENOTFOUND) {
			return jobs.Permanent(err)
		}
		return err
	}
	c := dm.LinkClick{ID: p.ClickID, LinkID: p.LinkID, At: time.UnixMilli(p.At).UTC(), First: p.First}
	for _, fn := range s.clickHandlers() {
		if err := fn(ctx, *l, c); err != nil {
			return err
		}
	}
	return nil
}
