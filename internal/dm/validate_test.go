package dm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateHandle(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"alice", true}, {"a_1", true}, {"abc", true}, {strings.Repeat("a", 30), true},
		{"ab", false}, {strings.Repeat("a", 31), false}, {"Alice", false}, {"al ice", false},
		{"al-ice", false}, {"", false}, {"ålice", false},
	} {
		if err := ValidateHandle(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateHandle(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	if got := NormalizeHandle("  @Alice "); got != "alice" {
		t.Errorf("NormalizeHandle = %q", got)
	}
}

func TestValidateText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "hello", true},
		{"multiline", "line one\nline two", true},
		{"emoji", "👋🏽", true},
		{"exactly the limit", strings.Repeat("é", MaxTextRunes), true},
		{"over the limit", strings.Repeat("a", MaxTextRunes+1), false},
		{"empty", "", false},
		{"blank", " \n\t ", false},
		{"invalid utf-8", "ab\xffcd", false},
		{"nul", "a\x00b", false},
		{"escape", "a\x1b[31mb", false},
	} {
		err := ValidateText(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ValidateText = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("%s: code %q, want %q", tc.name, ErrorCode(err), EINVALID)
		}
	}
}

func TestValidateEmoji(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"👍", true}, {"❤️", true}, {"👍🏽", true}, {"👨‍👩‍👧", true}, {"🇫🇷", true}, {"🙌", true},
		{"", false}, {"a", false}, {"👍 ", false}, {"<b>", false}, {"1", false},
		{strings.Repeat("👍", 11), false}, {"\xff", false},
		{"👍👍", false}, {"👍👍👍", false}, {"👍🏽👍", false}, {"🇫", false}, {"🇫🇷🇫🇷", false},
		{"‍👍", false}, {"👍‍", false}, {"🏽", false}, {"👩‍💻", true}, {"🏳️‍🌈", true},
	} {
		if err := ValidateEmoji(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateEmoji(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestNewIDUniqueAndSorted(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewID()
		if len(id) != 26 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		// Ids of later milliseconds sort after earlier ones.
		if id[:10] < prev {
			t.Fatalf("id %q sorts before %q", id, prev)
		}
		prev = id[:10]
	}
}

func TestErrorCode(t *testing.T) {
	if ErrorCode(Errorf(ENOTFOUND, "x")) != ENOTFOUND || ErrorCode(errString("boom")) != EINTERNAL {
		t.Fatal("ErrorCode maps wrong")
	}
	if ErrorMessage(errString("secret detail")) == "secret detail" {
		t.Fatal("internal error text leaks")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// FuzzValidateText checks that whatever ValidateText accepts is valid,
// non-blank UTF-8 within the limit, and that it never panics.
func FuzzValidateText(f *testing.F) {
	for _, s := range []string{"hi", "", " ", "a\x00", "\xff", "👋\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateText(s)
		if err == nil {
			if !utf8.ValidString(s) || strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > MaxTextRunes {
				t.Fatalf("accepted %q", s)
			}
		} else if ErrorCode(err) != EINVALID {
			t.Fatalf("code %q for %q", ErrorCode(err), s)
		}
	})
}

// FuzzValidateEmoji checks that accepted reactions are short, valid UTF-8
// with no ASCII at all (so no markup, letters or spaces).
func FuzzValidateEmoji(f *testing.F) {
	for _, s := range []string{"👍", "a", "❤️", "<", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateEmoji(s) != nil {
			return
		}
		if !utf8.ValidString(s) || len(s) > 32 {
			t.Fatalf("accepted %q", s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 0x80 {
				t.Fatalf("accepted ASCII in %q", s)
			}
		}
	})
}

func TestValidateBidiInNames(t *testing.T) {
	for _, s := range []string{"evil\u202eliam", "a\u202ab", "\u202dx", "x\u2066y\u2069", "\u2067z"} {
		if ValidateDisplayName(s) == nil {
			t.Errorf("ValidateDisplayName(%q) accepted a bidi control", s)
		}
		if ValidateTitle(s) == nil {
			t.Errorf("ValidateTitle(%q) accepted a bidi control", s)
		}
	}
	// Right-to-left letters and the marks LRM/RLM are fine.
	for _, s := range []string{"שלום עולם", "مرحبا", "Dan\u200f", "", "Zoë"} {
		if err := ValidateDisplayName(s); err != nil {
			t.Errorf("ValidateDisplayName(%q): %v", s, err)
		}
	}
	// A message may carry them (the app isolates and flags them).
	if err := ValidateText("invoice_\u202efdp.exe"); err != nil {
		t.Errorf("ValidateText with an override: %v", err)
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abcdef", 3, "abc"},
		{"", 0, ""},
		{"héllo", 2, "h"},  // é is 2 bytes: never cut in half
		{"héllo", 3, "hé"}, // a whole é fits
		{"a😀b", 4, "a"},    // the emoji is 4 bytes
		{"a😀b", 5, "a😀"},
		{"\x80\x80\x80\x80\x80", 2, "\x80\x80"}, // not UTF-8: cut at n
	} {
		got := Truncate(tc.s, tc.n)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
		if len(got) > tc.n || (utf8.ValidString(tc.s) && !utf8.ValidString(got)) {
			t.Errorf("Truncate(%q, %d) = %q: longer than n or no longer UTF-8", tc.s, tc.n, got)
		}
	}
}

func TestDirectKey(t *testing.T) {
	if DirectKey("a", "b") != DirectKey("b", "a") {
		t.Fatal("DirectKey must not depend on the order of the pair")
	}
	if DirectKey("a", "bc") == DirectKey("ab", "c") {
		t.Fatal("DirectKey must tell pairs apart")
	}
}

func TestDirectStaysOpen(t *testing.T) {
	accepted := Membership{Status: StatusAccepted}
	request := Membership{Status: StatusRequest}
	for _, tc := range []struct {
		name      string
		r         Relationship
		recipient Membership
		want      bool
	}{
		{"accepted, no block", Relationship{}, accepted, true},
		{"still a request", Relationship{}, request, false},
		{"sender blocks", Relationship{ABlocksB: true}, accepted, false},
		{"recipient blocks", Relationship{BBlocksA: true}, accepted, false},
	} {
		if got := DirectStaysOpen(tc.r, tc.recipient); got != tc.want {
			t.Errorf("%s: DirectStaysOpen = %v, want %v", tc.name, got, tc.want)
		}
	}
}
