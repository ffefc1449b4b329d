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
		// Nothing visible is blank too: a message that shows as empty.
		{"zero-width spaces", "\u200b\u200b", false},
		{"zero-width joiner", "\u200d", false},
		{"byte order mark", "\ufeff", false},
		{"hangul filler", "\u3164", false},
		{"blank braille", "\u2800 \u2800", false},
		{"variation selector", "\ufe0f", false},
		{"invisible and spaces", " \u2060\n\u034f\u180e ", false},
		{"invisible around text", "\u200bhi\u200b", true},
		{"emoji with joiners", "👨\u200d👩\u200d👧", true},
		{"a lone accent", "\u0301", true},
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
		// Keycaps are emoji (they were refused); a keycap mark on anything
		// else is not.
		{"1️⃣", true}, {"1⃣", true}, {"#️⃣", true}, {"*⃣", true},
		{"a⃣", false}, {"11⃣", false}, {"👍⃣", false}, {"1️", false}, {"⃣", false}, {"1⃣⃣", false},
		// One variation selector and one skin tone per symbol: more draw
		// nothing, and made one person's 👍 into several reactions that
		// look the same.
		{"👍\ufe0f", true}, {"👍\ufe0f\ufe0f", false}, {"👍\ufe0f\ufe0f\ufe0f\ufe0f", false},
		{"👍🏻🏻", false}, {"👍🏻🏻🏻", false}, {"👍🏽\ufe0f", true}, {"🧑🏽‍💻", true}, {"👁️‍🗨️", true},
		{"❤️‍🔥", true}, {"👍\ufe0e\ufe0f", false},
		// Tags belong to a subdivision's flag only.
		{"🏴󠁧󠁢󠁳󠁣󠁴󠁿", true}, {"👍󠁧󠁢", false},
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
// with no ASCII but a keycap's digit, # or * (so no markup, letters or
// spaces), and at most one variation selector or skin tone in a row.
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
			if s[i] < 0x80 && (i > 0 || !strings.HasSuffix(s, "\u20e3")) {
				t.Fatalf("accepted ASCII in %q", s)
			}
		}
		for _, twice := range []string{"\ufe0f\ufe0f", "\ufe0e\ufe0f", "\ufe0f\ufe0e", "🏻🏻", "🏽🏽"} {
			if strings.Contains(s, twice) {
				t.Fatalf("accepted repeated marks in %q", s)
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
	// Right-to-left letters are fine. (The invisible marks LRM/RLM were
	// too until issue 16: they reorder what surrounds them, and nothing in
	// a name needs them, so TestValidateInvisibleInNames refuses them.)
	for _, s := range []string{"שלום עולם", "مرحبا", "", "Zoë"} {
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

func TestValidateInvisibleInNames(t *testing.T) {
	bad := []string{
		"\u3164", "\u3164\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", // fillers: "empty" names
		"\u200b", "a\u200bb", "Dan\u200f", "\u200eDan", "x\u200ey", "a\u061cb", // zero-width space, marks
		"a\u2060b", "a\u2061b", "a\u2064b", "\ufeffAnna", "a\u00adb", "a\u034fb", "a\u180eb",
		"\u200d", "\u200dAnna", " \u200c", "\ufe0f", // a joiner with nothing visible before it
		"\u0301", "\u0301\u0301", " ", // only marks or blanks: nothing visible
	}
	for _, s := range bad {
		if err := ValidateDisplayName(s); err == nil {
			t.Errorf("ValidateDisplayName(%q) accepted it", s)
		} else if !strings.Contains(ErrorMessage(err), "display_name") {
			t.Errorf("ValidateDisplayName(%q): %v, want the field named", s, err)
		}
		if err := ValidateTitle(s); err == nil {
			t.Errorf("ValidateTitle(%q) accepted it", s)
		} else if !strings.Contains(ErrorMessage(err), "title") {
			t.Errorf("ValidateTitle(%q): %v, want the field named", s, err)
		}
	}
	good := []string{
		"Anna", "Zoë", "José Ñúñez", "김민준", "山田 太郎", "Ørjan", "O'Brien", "Anne-Marie",
		"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  // Persian with a zero-width non-joiner
		"Family \U0001F468\u200d\U0001F469\u200d\U0001F467", // an emoji family (joiners)
		"\u2764\ufe0f club", // a variation selector after its emoji
		"\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F Fans", // the flag of Scotland
		"e\u0301t\u0065\u0301", // combining accents on letters
	}
	for _, s := range good {
		if err := ValidateDisplayName(s); err != nil {
			t.Errorf("ValidateDisplayName(%q): %v", s, err)
		}
		if err := ValidateTitle(s); err != nil {
			t.Errorf("ValidateTitle(%q): %v", s, err)
		}
	}
}

func TestFoldForHandle(t *testing.T) {
	for in, want := range map[string]string{
		"Alice":          "alice",
		"@alice":         "alice",
		" ALICE ":        "alice",
		"\u0430lice":     "alice", // Cyrillic a
		"\u0410LICE":     "alice", // Cyrillic capital A
		"\uff41lice":     "alice", // fullwidth a
		"\U0001d41alice": "alice", // mathematical bold a
		"Alicé":          "alice",
		"b\u03bfb":       "bob", // Greek omicron
		"Alice Smith":    "alice smith",
	} {
		if got := FoldForHandle(in); got != want {
			t.Errorf("FoldForHandle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckJSONText(t *testing.T) {
	for _, body := range []string{
		`{"text":"\ud800"}`, `{"text":"a\uD800b"}`, `{"text":"\udc00"}`, `{"text":"\ud800\u0041"}`,
		`{"a":"ok","text":"x\udbff"}`, `{"text":"\ud800\ud800"}`, `{"members":["\udfff"]}`,
	} {
		err := CheckJSONText([]byte(body))
		if err == nil {
			t.Errorf("CheckJSONText(%s) accepted a lone surrogate", body)
			continue
		}
		if !strings.Contains(ErrorMessage(err), "surrogate") {
			t.Errorf("CheckJSONText(%s): %v", body, err)
		}
	}
	if err := CheckJSONText([]byte(`{"text":"\ud800"}`)); !strings.HasPrefix(ErrorMessage(err), "text ") {
		t.Errorf("the error does not name the field: %v", err)
	}
	for body, key := range map[string]string{`{"text":"a\u0000b"}`: "text ", `{"members":["x","\u0000"]}`: "members ", `["\u0000"]`: "The request body "} {
		if err := CheckJSONText([]byte(body)); !strings.HasPrefix(ErrorMessage(err), key) || !strings.Contains(ErrorMessage(err), "NUL") {
			t.Errorf("CheckJSONText(%s) = %v, want a NUL refused at %q", body, err, key)
		}
	}
	for _, body := range []string{
		`{"text":"\\u0000"}`, `{"text":"\u0001"}`,
		`{"text":"\ud83d\ude00"}`, `{"text":"\\ud800"}`, `{"text":"plain \u00e9 \n \" \\"}`, `{"text":"\uD83D\uDE00"}`, `[]`, `{"x":1}`,
	} {
		if err := CheckJSONText([]byte(body)); err != nil {
			t.Errorf("CheckJSONText(%s): %v", body, err)
		}
	}
}
