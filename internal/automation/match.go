package automation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold makes text comparable the way people expect of a keyword: case,
// accents and width do not matter ("Café" matches "cafe", "ＨＥＬＰ" matches
// "help"), whatever the language.
func fold(s string) string {
	if isASCII(s) {
		// Nothing to decompose and no marks: only case to fold (what the
		// general path below does to ASCII, for less).
		return strings.ToLower(s)
	}
	// NFKD splits accented letters into a base and combining marks (and
	// maps compatibility forms such as full-width letters to plain ones);
	// dropping the marks leaves the bases.
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// words splits folded text into words: runs of letters and digits. Anything
// else (spaces, punctuation, emoji) separates words, so "refund!" and
// "(refund)" both hold the word "refund".
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// unspaced reports whether s has letters of a script written without spaces
// between words, where a word boundary cannot be seen in the text.
func unspaced(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar) {
			return true
		}
	}
	return false
}

// phrase is a keyword ready to match: its folded words, or its folded text
// for scripts without spaces.
type phrase struct {
	words  []string
	substr string
}

func compilePhrase(k string) phrase {
	f := fold(k)
	if unspaced(f) {
		return phrase{substr: strings.Join(words(f), "")}
	}
	return phrase{words: words(f)}
}

// text is a message ready to be matched against phrases.
type text struct {
	words  []string
	joined string // the words without separators, for unspaced phrases
}

// prepareText prepares s; joined is only made when asked for (a program
// with phrases matched as substrings).
func prepareText(s string, joined bool) text {
	w := words(fold(s))
	if !joined {
		return text{words: w}
	}
	return text{words: w, joined: strings.Join(w, "")}
}

// matches reports whether the phrase occurs in the text on word boundaries
// (a whole-word, in-order run of the text's words).
func (p phrase) matches(t text) bool {
	if p.substr != "" {
		return strings.Contains(t.joined, p.substr)
	}
	for i := range t.words {
		if p.matchesAt(t, i) {
			return true
		}
	}
	return false
}

// matchesAt reports whether the phrase's words are the text's words from i on.
func (p phrase) matchesAt(t text, i int) bool {
	n := len(p.words)
	if n == 0 || i+n > len(t.words) {
		return false
	}
	for j := range n {
		if t.words[i+j] != p.words[j] {
			return false
		}
	}
	return true
}
