package brand

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// TestRecipientPromos: the frequency cap counts the promotional messages
// of the last 7 days only, on the injected clock.
func TestRecipientPromos(t *testing.T) {
	now := time.Date(2026, 6, 8, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		promos []time.Time
		want   int
	}{
		{"none", nil, 0},
		{"two this week", []time.Time{now.Add(-time.Hour), now.Add(-6 * 24 * time.Hour)}, 2},
		{"one just out of the window", []time.Time{now.Add(-7 * 24 * time.Hour), now.Add(-time.Minute)}, 1},
		{"all old", []time.Time{now.Add(-30 * 24 * time.Hour), now.Add(-8 * 24 * time.Hour)}, 0},
	}
	for _, c := range cases {
		r := recipient(&dm.Consent{Promos: c.promos}, nil, now)
		if r.PromosLast7Days != c.want {
			t.Errorf("%s: %d promos in the window, want %d", c.name, r.PromosLast7Days, c.want)
		}
		if kept := recentPromos(c.promos, now); len(kept) != c.want {
			t.Errorf("%s: kept %d, want %d", c.name, len(kept), c.want)
		}
	}
	r := recipient(&dm.Consent{OptedIn: true}, &dm.Relationship{AFollowsB: true, BBlocksA: true}, now)
	if !r.Follows || !r.Blocked || !r.OptedIn {
		t.Errorf("recipient %+v", r)
	}
}

// TestStopKeyword: a message is a STOP or START word as a whole, in any
// case, with punctuation around it.
func TestStopKeyword(t *testing.T) {
	for _, c := range []struct {
		text string
		stop bool
	}{
		{"STOP", true}, {" stop! ", true}, {"Arrêt", true}, {"¡Baja!", true}, {"please stop", false}, {"stopping", false},
		// As keyboards write it: full width, a decomposed accent, an
		// invisible character, quotes.
		{"ＳＴＯＰ", true}, {"ARRE\u0302T", true}, {"stop\u200b", true}, {"\ufeffSTOP", true}, {`"STOP"`, true}, {"“stop”", true},
		{"STOP\u200bPING", false}, {"please ＳＴＯＰ", false},
		// What only looks like a stop word (a brand's button in Cyrillic
		// or Greek letters, a zero for the O) is one: it shows as STOP.
		// Spaces around it, as far as a word may be padded (maxKeywordBytes).
		{strings.Repeat(" ", 100) + "STOP!" + strings.Repeat("\n", 100), true},
		{"ЅТОР", true}, {"ѕтор", true}, {"SΤΟP", true}, {"ST0P", true}, {"ВАЈА", true}, {"СТОП", false}, {"ЅТОРЅ", false},
	} {
		if got := containsWord(stopWords, keyword(c.text)); got != c.stop {
			t.Errorf("%q: stop %v, want %v", c.text, got, c.stop)
		}
	}
	if zone("Asia/Tokyo") == nil || zone("") != nil || zone("Nowhere/City") != nil {
		t.Error("zone: a known name loads, an empty or unknown one is nil")
	}
}

// TestConsentWordsCopy: the word lists of a message are new lists; the
// brand's settings, which concurrent sends share, are not written, even
// where their lists have room to spare (as JSON leaves them: 20 words have
// room for 32).
func TestConsentWordsCopy(t *testing.T) {
	cs := &dm.ConsentSettings{StopWords: make([]string, 20, 32), StartWords: make([]string, 12, 16)}
	for i := range cs.StopWords {
		cs.StopWords[i] = "NOMORE"
	}
	stop, start := consentWords(cs)
	if len(stop) != 20+len(stopWords) || len(start) != 12+len(startWords) || !containsWord(stop, "STOP") || !containsWord(start, "START") {
		t.Fatalf("words %v %v", stop, start)
	}
	for i, w := range cs.StopWords[:cap(cs.StopWords)] {
		if i >= 20 && w != "" {
			t.Fatalf("the shared settings' stop words were written past their length: [%d] = %q", i, w)
		}
	}
	for i, w := range cs.StartWords[:cap(cs.StartWords)] {
		if i >= 12 && w != "" {
			t.Fatalf("the shared settings' start words were written past their length: [%d] = %q", i, w)
		}
	}
}
