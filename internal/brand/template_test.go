package brand

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

func TestTemplate(t *testing.T) {
	vars := map[string]string{"first_name": "Dan", "brand_name": "Acme Outdoor", "agent_first_name": "Bob", "handle": "dan"}
	for _, tc := range []struct {
		name, in, want string
		err            string // substring of the error; "" for none
	}{
		{"plain", "Hello!", "Hello!", ""},
		{"empty", "", "", ""},
		{"one", "Hi {{first_name}}", "Hi Dan", ""},
		{"spaces", "Hi {{ first_name }}", "Hi Dan", ""},
		{"fallback unused", "Hi {{first_name|there}}, thanks for reaching out to {{brand_name}}!", "Hi Dan, thanks for reaching out to Acme Outdoor!", ""},
		{"fallback used", "Hi {{name|there}}", "Hi there", ""},
		{"empty fallback", "Hi{{name|}}!", "Hi!", ""},
		{"agent", "— {{agent_first_name}} @ {{brand_name}}", "— Bob @ Acme Outdoor", ""},
		{"single braces", "a {b} c }} d", "a {b} c }} d", ""},
		{"adjacent", "{{handle}}{{handle}}", "dandan", ""},
		{"unicode fallback", "¡Hola {{name|amigo 👋}}!", "¡Hola amigo 👋!", ""},
		{"unknown", "Hi {{nickname}}", "", `unknown placeholder "nickname"`},
		{"unclosed", "Hi {{first_name", "", "not closed"},
		{"unclosed position", "ééé {{x", "", "character 5"},
		{"no name", "Hi {{}}", "", "no name"},
		{"no name with fallback", "Hi {{|x}}", "", "no name"},
		{"upper case", "Hi {{First_Name}}", "", "not a placeholder name"},
		{"brace in fallback", "Hi {{name|a{b}}", "", "braces"},
		{"nested", "{{first_name|{{name}}}}", "", "braces"},
		{"two pipes", "{{name|a|b}}", "", "braces, |"},
		{"long fallback", "{{name|" + strings.Repeat("x", 101) + "}}", "", "more than 100"},
		{"invalid utf-8", "Hi \xff", "", "UTF-8"},
	} {
		tpl, err := ParseTemplate(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || dm.ErrorCode(err) != dm.EINVALID {
				t.Errorf("%s: ParseTemplate(%q) = %v, want an invalid_request error with %q", tc.name, tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseTemplate(%q): %v", tc.name, tc.in, err)
			continue
		}
		if got := tpl.Render(vars); got != tc.want {
			t.Errorf("%s: Render = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTemplateVars(t *testing.T) {
	cust := &dm.Account{Handle: "dan", DisplayName: "Dan Rossi"}
	b := &dm.Account{Handle: "acme", DisplayName: "Acme Outdoor"}
	agent := &dm.Account{Handle: "bob", DisplayName: "Bob Okafor"}
	tpl, err := ParseTemplate("{{first_name}}/{{name}}/{{handle}}/{{brand_name}}/{{agent_first_name|?}}/{{agent_name|?}}")
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.Render(templateVars(cust, b, agent)); got != "Dan/Dan Rossi/dan/Acme Outdoor/Bob/Bob Okafor" {
		t.Errorf("with an agent: %q", got)
	}
	if got := tpl.Render(templateVars(cust, b, nil)); got != "Dan/Dan Rossi/dan/Acme Outdoor/?/?" {
		t.Errorf("as the brand: %q", got)
	}

	// No name given (an empty display name, or the handle that sign-up used
	// to copy into it): every name placeholder falls back.
	greet, err := ParseTemplate("Hi {{first_name|there}} ({{name|friend}}), {{agent_first_name|the team}} here")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cust, agent *dm.Account }{
		{&dm.Account{Handle: "dan1", DisplayName: ""}, &dm.Account{Handle: "bob", DisplayName: "  "}},
		{&dm.Account{Handle: "dan1", DisplayName: "dan1"}, &dm.Account{Handle: "bob", DisplayName: "Bob"}},
	} {
		got := greet.Render(templateVars(c.cust, b, c.agent))
		want := "Hi there (friend), the team here"
		if c.agent.DisplayName == "Bob" {
			want = "Hi there (friend), Bob here"
		}
		if got != want {
			t.Errorf("customer %+v, agent %+v: %q, want %q", c.cust, c.agent, got, want)
		}
	}
}

// FuzzTemplate checks that the parser never panics, that whatever it
// accepts renders to valid UTF-8, and that a text without "{{" renders to
// itself.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Hi {{first_name|there}}", "{{", "}}", "{{a}}", "{{name|}}", "x{{brand_name}}y", "{{|}}", "\xff"} {
		f.Add(s)
	}
	vars := map[string]string{"first_name": "Dan", "brand_name": "Acme"}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := ParseTemplate(s)
		if err != nil {
			if dm.ErrorCode(err) != dm.EINVALID {
				t.Fatalf("code %q for %q", dm.ErrorCode(err), s)
			}
			return
		}
		out := tpl.Render(vars)
		if !utf8.ValidString(out) {
			t.Fatalf("render of %q is not UTF-8: %q", s, out)
		}
		if !strings.Contains(s, "{{") && out != s {
			t.Fatalf("plain text %q rendered as %q", s, out)
		}
		for _, n := range tpl.Names() {
			if !knownPlaceholder(n) {
				t.Fatalf("accepted unknown placeholder %q in %q", n, s)
			}
		}
	})
}

func TestSchedule(t *testing.T) {
	// Monday to Friday, 09:00-17:00 in Paris (UTC+1 in winter, +2 in summer).
	var spans []dm.OpenSpan
	for d := 1; d <= 5; d++ {
		spans = append(spans, dm.OpenSpan{Day: d, Open: 9 * 60, Close: 17 * 60})
	}
	sc := newSchedule(&dm.BrandSettings{TimeZone: "Europe/Paris", HoursEnabled: true, Hours: spans})
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		when string
		open bool
	}{
		{"2026-11-23 09:00", true}, // Monday
		{"2026-11-23 08:59", false},
		{"2026-11-23 16:59", true},
		{"2026-11-23 17:00", false},
		{"2026-11-28 12:00", false}, // Saturday
	} {
		if got := sc.open(at(tc.when)); got != tc.open {
			t.Errorf("open(%s) = %v", tc.when, got)
		}
	}
	for _, tc := range []struct {
		from, to string
		want     time.Duration
	}{
		{"2026-11-23 10:00", "2026-11-23 10:30", 30 * time.Minute},
		{"2026-11-23 16:50", "2026-11-24 09:10", 20 * time.Minute},   // overnight
		{"2026-11-27 16:00", "2026-11-30 10:00", 2 * time.Hour},      // over a weekend
		{"2026-11-28 10:00", "2026-11-28 18:00", 0},                  // all on Saturday
		{"2026-03-27 16:00", "2026-03-30 10:00", 2 * time.Hour},      // over the switch to summer time
		{"2026-11-23 08:00", "2026-11-23 18:00", 8 * time.Hour},      // a whole day
		{"2026-11-23 10:00", "2026-11-23 09:00", 0},                  // backwards
		{"2026-11-23 10:00", "2026-12-07 10:00", 10 * 8 * time.Hour}, // two weeks
	} {
		if got := sc.businessDuration(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("businessDuration(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if d := sc.day(time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)); d != "2026-11-24" {
		t.Errorf("day in Paris = %s", d)
	}
	always := newSchedule(&dm.BrandSettings{TimeZone: "UTC"})
	if !always.open(at("2026-11-28 03:00")) || always.businessDuration(at("2026-11-28 03:00"), at("2026-11-28 04:00")) != time.Hour {
		t.Error("without business hours a brand is always open")
	}
}

func TestSummarize(t *testing.T) {
	m := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, x := range n {
			out = append(out, time.Duration(x)*time.Minute)
		}
		return out
	}
	for _, tc := range []struct {
		in       []time.Duration
		med, p90 float64
	}{
		{m(5), 300, 300},
		{m(20, 5), 750, 1200},
		{m(60, 5, 20, 10), 900, 3600},
		{m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 330, 540},
		{m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 360, 600},
	} {
		d := summarize(tc.in)
		if *d.Median != tc.med || *d.P90 != tc.p90 {
			t.Errorf("summarize(%v) = %v, %v; want %v, %v", tc.in, *d.Median, *d.P90, tc.med, tc.p90)
		}
	}
	if d := summarize(nil); d.Median != nil || d.P90 != nil {
		t.Error("no durations: no figures")
	}
}
