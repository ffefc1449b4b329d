package dm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Input hygiene for text that people see as a name: display names and
// group titles. A name is shown wherever its owner appears, so it must not
// be able to pass for something else: no direction controls, no invisible
// characters, not only blanks, and (see identity) not another person's
// handle.

// CheckJSONText refuses a JSON body whose strings hold an unpaired UTF-16
// surrogate escape ("\ud800" alone): encoding/json silently turns it into
// U+FFFD, so the text stored would not be the text sent. It refuses a NUL
// ("\u0000") too, in any string: no field takes one (texts and names refuse
// control characters), and PostgreSQL refuses it in text outright, so an
// id or a handle holding one was a 500 at the lookup. The error names the
// field (the last object key before the string).
func CheckJSONText(body []byte) error {
	key, inString, start := "", false, 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !inString {
			if c == '"' {
				inString, start = true, i+1
			}
			continue
		}
		switch c {
		case '"':
			inString = false
			s := string(body[start:i])
			// A string followed by ':' is an object key.
			j := i + 1
			for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r') {
				j++
			}
			if j < len(body) && body[j] == ':' && len(s) <= 64 && !strings.Contains(s, `\`) {
				key = s
			}
		case '\\':
			if i+1 >= len(body) {
				return nil // malformed: the JSON decoder says so
			}
			if body[i+1] != 'u' {
				i++
				continue
			}
			r, ok := hex4(body, i+2)
			if !ok {
				return nil
			}
			i += 5
			switch {
			case r == 0:
				return nulError(key)
			case r >= 0xd800 && r <= 0xdbff:
				// A high surrogate must be followed by a low one.
				if lo, ok := hex4(body, i+3); ok && i+2 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' && lo >= 0xdc00 && lo <= 0xdfff {
					i += 6
					continue
				}
				return surrogateError(key)
			case r >= 0xdc00 && r <= 0xdfff:
				return surrogateError(key)
			}
		}
	}
	return nil
}

func nulError(key string) error {
	if key == "" {
		return Errorf(EINVALID, "The request body holds a NUL character (\\u0000), which no field takes.")
	}
	return Errorf(EINVALID, "%s holds a NUL character (\\u0000), which no field takes.", key)
}

func surrogateError(key string) error {
	if key == "" {
		return Errorf(EINVALID, "The request body holds an unpaired UTF-16 surrogate (such as \\ud800): not valid Unicode.")
	}
	return Errorf(EINVALID, "%s holds an unpaired UTF-16 surrogate (such as \\ud800): not valid Unicode.", key)
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// IsBidiControl reports the bidirectional embedding, override, isolate and
// mark characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C),
// such as U+202E RIGHT-TO-LEFT OVERRIDE. Letters of right-to-left scripts
// are not controls and are welcome.
func IsBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// isFiller reports characters that are letters or symbols to Unicode yet
// draw nothing: the Hangul fillers and the blank Braille pattern, favourite
// ways to make an "empty" name.
func isFiller(r rune) bool {
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800:
		return true
	}
	return false
}

// isJoiner reports the invisible characters that real names and emoji
// need between visible ones: zero-width joiner and non-joiner (Persian,
// Indic scripts, emoji sequences such as a family), variation selectors and
// emoji tag characters (the flags of Scotland or Wales).
func isJoiner(r rune) bool {
	return r == 0x200c || r == 0x200d || r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0020 && r <= 0xe007f
}

// isInvisible reports the characters a name may not hold anywhere: format
// characters (U+200B, U+2060-U+2064, U+FEFF, the direction controls), the
// fillers, U+034F (combining grapheme joiner) and U+180E (Mongolian vowel
// separator).
func isInvisible(r rune) bool {
	return isFiller(r) || unicode.Is(unicode.Cf, r) || r == 0x034f || r == 0x180e
}

// drawsNothing reports the characters that show nothing on their own: the
// invisible ones and the joiners. A text of only these and spaces is
// blank: it would show as an empty message.
func drawsNothing(r rune) bool {
	return r >= 0x80 && (isInvisible(r) || isJoiner(r))
}

// checkName refuses, in a name, direction controls, invisible characters
// (format characters such as U+200B, U+2060-U+2064 and U+FEFF, the Hangul
// fillers, a blank Braille pattern) and a name with no visible character.
// Joiners (isJoiner) are allowed right after a visible character.
func checkName(field, s string) error {
	visible, prevVisible := false, false
	for _, r := range s {
		switch {
		case IsBidiControl(r):
			return Errorf(EINVALID, "%s may not contain right-to-left or left-to-right override characters.", field)
		case isJoiner(r):
			if !prevVisible {
				return Errorf(EINVALID, "%s has an invisible character (U+%04X) where no visible one precedes it.", field, r)
			}
			// Joiners chain (a tag sequence); what follows must be visible.
			continue
		case isInvisible(r):
			return Errorf(EINVALID, "%s may not contain invisible characters (U+%04X).", field, r)
		case unicode.IsSpace(r):
			prevVisible = false
		case unicode.IsMark(r):
			// A combining mark draws on what precedes it.
		default:
			visible, prevVisible = true, true
		}
	}
	if !visible && s != "" {
		return Errorf(EINVALID, "%s has no visible character.", field)
	}
	return nil
}

// confusables maps letters of other scripts that look like a-z onto them
// (a light fold, not Unicode's full confusables table: the letters a
// handle can be spelled with, in Cyrillic and Greek).
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i', 'ј': 'j', 'к': 'k', 'м': 'm', 'н': 'h',
	'о': 'o', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'γ': 'y', 'ℓ': 'l', 'ı': 'i',
}

// FoldForHandle folds a display name the way a reader might confuse it
// with a handle: compatibility forms to plain ones (fullwidth and
// mathematical letters, NFKC), lower case, look-alike Cyrillic and Greek
// letters to Latin, accents dropped, a leading "@" and surrounding spaces
// removed. The result is compared with handles; it is never stored.
func FoldForHandle(name string) string {
	s := norm.NFKD.String(norm.NFKC.String(strings.TrimSpace(name)))
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsMark(r) {
			continue
		}
		if c, ok := confusables[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	out = strings.TrimPrefix(out, "@")
	if !utf8.ValidString(out) {
		return ""
	}
	return out
}
