package dm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeHandle lower-cases a handle and strips one leading "@"; it does not validate.
func NormalizeHandle(h string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "@"))
}

// ValidateHandle checks a normalised handle: 3-30 of a-z, 0-9 and _.
func ValidateHandle(h string) error {
	if len(h) < 3 || len(h) > 30 {
		return Errorf(EINVALID, "A handle has 3 to 30 characters.")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return Errorf(EINVALID, "A handle may only use a-z, 0-9 and _.")
		}
	}
	return nil
}

// ValidatePassword checks a new password: 8 to 256 bytes of UTF-8.
func ValidatePassword(p string) error {
	if !utf8.ValidString(p) {
		return Errorf(EINVALID, "The password is not valid UTF-8.")
	}
	if utf8.RuneCountInString(p) < 8 {
		return Errorf(EINVALID, "A password needs at least 8 characters.")
	}
	if len(p) > 256 {
		return Errorf(EINVALID, "A password has at most 256 bytes.")
	}
	return nil
}

// ValidateText checks a message text: valid UTF-8, not blank, at most
// MaxTextRunes characters, no NUL or other control characters except
// newline and tab.
func ValidateText(s string) error {
	return validateString("text", s, MaxTextRunes, false, true)
}

// ValidateTitle checks a group title (may be empty).
func ValidateTitle(s string) error {
	if err := validateString("title", s, MaxTitleRunes, true, false); err != nil {
		return err
	}
	return checkName("title", s)
}

// ValidateQuery checks a search query (may be empty): one line, at most
// 100 characters.
func ValidateQuery(s string) error {
	return validateString("q", s, 100, true, false)
}

// ValidateDisplayName checks a display name (may be empty). Bidirectional
// embedding, override and isolate controls are refused: in a name they
// serve only to make it read as something else ("evil\u202eliam" shows as
// "evilmail"), and a name is shown wherever its owner appears. So are
// invisible characters and names with nothing visible (checkName).
func ValidateDisplayName(s string) error {
	if err := validateString("display_name", s, MaxDisplayName, true, false); err != nil {
		return err
	}
	return checkName("display_name", s)
}

// ValidateButtonTitle checks the title of a button a brand writes (a quick
// reply, a flow's option, an ice breaker, a menu entry): one line of 1 to
// max characters, without control characters, and with the rules of a name
// (checkName): no direction controls, no invisible characters. The title
// is what the button shows and the text a tap sends, so it must read as
// what it is: "\u202ePOTS" shows as STOP, and so does "STOP\u200b", and
// neither is the word, so a person tapped "STOP" and stayed subscribed.
func ValidateButtonTitle(field, s string, max int) error {
	if err := validateString(field, s, max, false, false); err != nil {
		return err
	}
	if strings.ContainsRune(s, '\t') {
		return Errorf(EINVALID, "%s must be on one line.", field)
	}
	return checkName(field, s)
}

// HasBidiControl reports whether s holds a bidirectional embedding,
// override, isolate or mark control (see IsBidiControl).
func HasBidiControl(s string) bool {
	return strings.IndexFunc(s, IsBidiControl) >= 0
}

// ValidateBio checks a profile bio (may be empty, may have newlines).
func ValidateBio(s string) error {
	return validateString("bio", s, MaxBioRunes, true, true)
}

// ValidateClientID checks a send's idempotency key: 1-64 printable ASCII bytes.
func ValidateClientID(s string) error {
	if len(s) > MaxClientIDBytes {
		return Errorf(EINVALID, "client_id has at most %d characters.", MaxClientIDBytes)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return Errorf(EINVALID, "client_id may only use printable ASCII characters.")
		}
	}
	return nil
}

// ValidateField checks free text of one named field with the rules of a
// message's text: valid UTF-8, at most max characters, no NUL or other
// control character (newlines only when multiline; tabs always), not blank
// unless emptyOK allows "". The error names the field.
func ValidateField(field, s string, max int, emptyOK, multiline bool) error {
	return validateString(field, s, max, emptyOK, multiline)
}

func validateString(field, s string, max int, emptyOK, multiline bool) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s is not valid UTF-8.", field)
	}
	n := 0
	blank := true
	for _, r := range s {
		n++
		if r == '\n' || r == '\t' || r == '\r' {
			if !multiline && r != '\t' {
				return Errorf(EINVALID, "%s must be on one line.", field)
			}
			continue
		}
		if unicode.IsControl(r) {
			return Errorf(EINVALID, "%s has a control character.", field)
		}
		if blank && !unicode.IsSpace(r) && !drawsNothing(r) {
			blank = false
		}
	}
	if n > max {
		return Errorf(EINVALID, "%s has %d characters; the limit is %d.", field, n, max)
	}
	if blank && !(emptyOK && n == 0) {
		if n == 0 {
			return Errorf(EINVALID, "%s is empty.", field)
		}
		return Errorf(EINVALID, "%s is blank.", field)
	}
	return nil
}

// ValidateEmoji checks a reaction: exactly one emoji. That is one symbol,
// optionally with a variation selector and a skin tone (one of each: more
// draw nothing more, and only made one emoji into several reactions that
// look the same), and optionally joined to further symbols by zero-width
// joiners (a family, a profession); a flag is a pair of regional
// indicators, or the black flag with tags (England, Scotland, Wales); a
// keycap is a digit, # or * with the keycap mark. Letters, digits alone,
// spaces, markup and runs of several emoji are refused.
func ValidateEmoji(s string) error {
	bad := Errorf(EINVALID, "A reaction is one emoji.")
	if s == "" || len(s) > 32 || !utf8.ValidString(s) {
		return bad
	}
	if isKeycap(s) {
		return nil
	}
	emoji, joined, indicators := 0, false, 0
	// base is the symbol that the marks which follow belong to (0 before
	// the first), vs and tone the marks it has.
	var base rune
	vs, tone := 0, 0
	for _, r := range s {
		switch {
		case r == 0x200d: // zero-width joiner: glues the next symbol to this emoji
			if base == 0 || joined {
				return bad
			}
			joined = true
		case r >= 0xfe00 && r <= 0xfe0f: // variation selector: of the symbol before
			vs++
			if base == 0 || joined || vs > 1 {
				return bad
			}
		case r >= 0x1f3fb && r <= 0x1f3ff: // skin tone: of the symbol before
			tone++
			if base == 0 || joined || tone > 1 {
				return bad
			}
		case r >= 0xe0020 && r <= 0xe007f: // tags: only a subdivision's flag has them
			if base != 0x1f3f4 || joined {
				return bad
			}
		case r >= 0x1f1e6 && r <= 0x1f1ff: // regional indicators pair into one flag
			indicators++
			if indicators%2 == 1 && !joined {
				emoji++
			}
			joined, base, vs, tone = false, r, 0, 0
		case r >= 0x2190 && r <= 0x2bff, r >= 0x1f000 && r <= 0x1faff, r == 0x00a9, r == 0x00ae,
			r == 0x203c, r == 0x2049, r == 0x2122, r == 0x2139, r == 0x3030, r == 0x303d:
			if !joined {
				emoji++
			}
			joined, base, vs, tone = false, r, 0, 0
		default:
			return bad
		}
	}
	if emoji != 1 || joined || indicators%2 == 1 {
		return bad
	}
	return nil
}

// isKeycap reports whether s is a keycap emoji: a digit, # or *, an
// optional emoji variation selector, and the combining keycap mark (1️⃣).
func isKeycap(s string) bool {
	if len(s) < 4 || !strings.ContainsRune("0123456789#*", rune(s[0])) {
		return false
	}
	rest := strings.TrimPrefix(s[1:], "\ufe0f")
	return rest == "\u20e3"
}

// Truncate cuts s to at most n bytes, never inside a UTF-8 sequence, so that
// user input quoted back in an error message stays short and stays text.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// A rune starts at most utf8.UTFMax-1 bytes before n; input that is not
	// UTF-8 has no such start and is cut at n.
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:n]
}

// ValidatePayload checks the payload of a tapped quick reply ("" for none).
func ValidatePayload(p string) error {
	if len(p) > MaxPayloadBytes {
		return Errorf(EINVALID, "quick_reply_payload has at most %d bytes.", MaxPayloadBytes)
	}
	if !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
		return Errorf(EINVALID, "quick_reply_payload is not valid text.")
	}
	return nil
}
