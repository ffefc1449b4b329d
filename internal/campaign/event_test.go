package campaign

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRSVPStatus(t *testing.T) {
	cases := []struct {
		answer, prev    string
		going, capacity int
		status          string
		freed           bool
	}{
		{RSVPYes, "", 0, 2, StatusGoing, false},
		{RSVPYes, "", 1, 2, StatusGoing, false},
		{RSVPYes, "", 2, 2, StatusWaitlist, false},
		{RSVPYes, "", 500, 0, StatusGoing, false}, // no bound
		{RSVPYes, StatusGoing, 2, 2, StatusGoing, false},
		{RSVPYes, StatusWaitlist, 1, 2, StatusWaitlist, false}, // keeps its place in line; promotion is in order
		{RSVPNo, StatusGoing, 2, 2, "", true},
		{RSVPMaybe, StatusGoing, 2, 2, "", true},
		{RSVPNo, StatusWaitlist, 2, 2, "", false},
		{RSVPMaybe, "", 0, 2, "", false},
	}
	for _, c := range cases {
		s, f := RSVPStatus(c.answer, c.prev, c.going, c.capacity)
		if s != c.status || f != c.freed {
			t.Errorf("%+v: got %q freed %v", c, s, f)
		}
	}
}

func TestParseRSVP(t *testing.T) {
	for _, a := range []string{RSVPYes, RSVPNo, RSVPMaybe} {
		id, ans, ok := ParseRSVP(RSVPPayload("c1", a))
		if !ok || id != "c1" || ans != a {
			t.Errorf("%s: %q %q %v", a, id, ans, ok)
		}
	}
	for _, p := range []string{"", "rsvp:", "rsvp:c1", "rsvp::yes", "rsvp:c1:later", "flow:c1:yes"} {
		if _, _, ok := ParseRSVP(p); ok {
			t.Errorf("%q parsed", p)
		}
	}
}

func TestEventICSAndValidate(t *testing.T) {
	e := Event{Title: "Launch, party; now", StartsAt: time.Date(2026, 6, 2, 18, 0, 0, 0, time.UTC), TimeZone: "Europe/Paris", Place: "Paris", Capacity: 10}
	if err := e.Validate(time.LoadLocation); err != nil {
		t.Fatal(err)
	}
	ics := e.ICS("c1@parley", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "DTSTART:20260602T180000Z\r\n", "DTEND:20260602T190000Z\r\n", `SUMMARY:Launch\, party\; now`, "LOCATION:Paris", "END:VCALENDAR\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("ics lacks %q:\n%s", want, ics)
		}
	}
	// Long values fold at 75 octets, never inside a character; the URL
	// keeps its commas.
	long := e
	long.Title, long.Link = strings.Repeat("é", 100), "https://x.example/a,b;c"
	ics = long.ICS("c1@parley", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, l := range strings.Split(ics, "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line %q: %d octets", l, len(l))
		}
	}
	if u := strings.ReplaceAll(ics, "\r\n ", ""); !strings.Contains(u, "SUMMARY:"+long.Title+"\r\n") || !strings.Contains(u, "URL:https://x.example/a,b;c\r\n") {
		t.Errorf("unfolded:\n%s", u)
	}
	loc, _ := time.LoadLocation("Europe/Paris")
	if d := e.Details(loc); d != "Launch, party; now · Tue 2 Jun 2026, 20:00 CEST · Paris" {
		t.Errorf("details %q", d)
	}
	bad := []Event{{}, {Title: "x"}, {Title: "x", StartsAt: e.StartsAt}, {Title: "x", StartsAt: e.StartsAt, TimeZone: "Nowhere/Town"}, {Title: "x", StartsAt: e.StartsAt, TimeZone: "Local"},
		{Title: "x", StartsAt: e.StartsAt, TimeZone: "UTC", Link: "javascript:alert(1)"}, {Title: "x", StartsAt: e.StartsAt, TimeZone: "UTC", Capacity: -1},
		{Title: "x", StartsAt: e.StartsAt, TimeZone: "UTC", Link: "https://x.example/a b"}, {Title: "x", StartsAt: e.StartsAt, TimeZone: "UTC", Link: "https://"},
		{Title: "x", StartsAt: e.StartsAt, TimeZone: "UTC", Link: "https://me:secret@x.example/"}}
	for _, b := range bad {
		if b.Validate(time.LoadLocation) == nil {
			t.Errorf("%+v is valid", b)
		}
	}
}

func TestParseCodes(t *testing.T) {
	got, err := ParseCodes("code,note\r\nA-1,first\r\n\"B-2\"\r\n\r\nA-1\r\nC-3")
	if err != nil || strings.Join(got, " ") != "A-1 B-2 C-3" {
		t.Errorf("codes %v, %v", got, err)
	}
	if got, err := ParseCodes("\ufeffcode\r\nA-1\r\n"); err != nil || strings.Join(got, " ") != "A-1" {
		t.Errorf("after a byte order mark: codes %v, %v", got, err)
	}
	for _, bad := range []string{"", "\n\n", "code\n", "has space\n", strings.Repeat("x", 41)} {
		if _, err := ParseCodes(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	a, b := NewCode("P-"), NewCode("P-")
	if a == b || len(a) != 12 || !strings.HasPrefix(a, "P-") {
		t.Errorf("codes %q %q", a, b)
	}
	if (&Offer{Prefix: "ok-1"}).Validate() == nil || (&Offer{Prefix: "OK-1"}).Validate() != nil {
		t.Error("prefix validation")
	}
}
