package campaign

import (
	"crypto/rand"
	"strings"
)

// TypeOffer is an exclusive offer: each recipient's message carries a code
// of their own, from a pool the brand uploads (CSV, one code a line) or
// generated, redeemable once through the API.
const TypeOffer = "offer"

// Offer is an exclusive offer's settings.
type Offer struct {
	// Generate makes a code per recipient instead of taking one from the
	// uploaded pool.
	Generate bool   `json:"generate"`
	Prefix   string `json:"prefix,omitempty"`
}

// Limits of offers.
const (
	MaxCodeBytes  = 40
	MaxPoolUpload = 100_000
	// MaxPool bounds an offer's pool, all uploads together: a code is a
	// row kept for good, one per recipient at most (an audience larger
	// than this takes generated codes).
	MaxPool = 1_000_000
)

// Validate checks an offer.
func (o *Offer) Validate() error {
	if len(o.Prefix) > 10 || strings.IndexFunc(o.Prefix, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') }) >= 0 {
		return invalid("offer.prefix: up to 10 of A-Z, 0-9 and -.")
	}
	return nil
}

// ParseCodes reads an uploaded pool: one code a line (a CSV's first
// column), blank lines and a header named "code" skipped, duplicates once.
// A byte order mark before the first line (spreadsheets write one in
// their "CSV UTF-8") is no part of it.
func ParseCodes(body string) ([]string, error) {
	body = strings.TrimPrefix(body, "\ufeff")
	seen := map[string]bool{}
	var out []string
	for i, line := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		code, _, _ := strings.Cut(line, ",")
		code = strings.Trim(strings.TrimSpace(code), `"`)
		if code == "" || i == 0 && strings.EqualFold(code, "code") {
			continue
		}
		if len(code) > MaxCodeBytes || strings.IndexFunc(code, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			return nil, invalid("line %d: a code is 1 to %d printable ASCII characters without spaces.", i+1, MaxCodeBytes)
		}
		if !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
		if len(out) > MaxPoolUpload {
			return nil, invalid("at most %d codes an upload.", MaxPoolUpload)
		}
	}
	if len(out) == 0 {
		return nil, invalid("no codes: one code a line.")
	}
	return out, nil
}

// NewCode makes a random code: the prefix and 10 characters of an alphabet
// without look-alikes (50 bits).
func NewCode(prefix string) string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}
