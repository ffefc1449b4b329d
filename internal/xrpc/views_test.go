package xrpc

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// TestFitText: a native text (up to 4,000 characters) is cut to the
// lexicon's 1,000 graphemes and 10,000 bytes of messageView.text, at a
// grapheme boundary; a text within both bounds is left alone. The official
// TypeScript client refuses a whole getMessages page over one longer text.
func TestFitText(t *testing.T) {
	family := "👨‍👩‍👧" // one grapheme, 18 bytes
	for _, tc := range []struct {
		name string
		in   string
		same bool
	}{
		{"short", "hello", true},
		{"exactly 1000", strings.Repeat("x", 1000), true},
		{"1000 graphemes of several runes", strings.Repeat("e\u0301", 1000), true},
		{"1001 ascii", strings.Repeat("x", 1001), false},
		{"4000 ascii", strings.Repeat("x", 4000), false},
		{"1001 graphemes of several runes", strings.Repeat("e\u0301", 1001), false},
		{"over 10000 bytes in 600 graphemes", strings.Repeat(family, 600), false},
	} {
		got := fitText(tc.in)
		if tc.same {
			if got != tc.in {
				t.Errorf("%s: changed", tc.name)
			}
			continue
		}
		if n := uniseg.GraphemeClusterCount(got); n > maxTextGraphemes || len(got) > maxTextBytes || !utf8.ValidString(got) {
			t.Errorf("%s: %d graphemes, %d bytes", tc.name, n, len(got))
		}
		body := strings.TrimSuffix(got, clipMark)
		if body == got || !strings.HasPrefix(tc.in, body) || uniseg.GraphemeClusterCount(body)+1 != uniseg.GraphemeClusterCount(got) {
			t.Errorf("%s: not a prefix cut at a grapheme boundary and marked: %q...", tc.name, got[:20])
		}
	}
	// A family emoji is never split.
	if got := strings.TrimSuffix(fitText(strings.Repeat(family, 600)), clipMark); len(got)%len(family) != 0 {
		t.Errorf("a grapheme was split: %d bytes", len(got))
	}
}
