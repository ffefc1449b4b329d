package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// The tests of this file come from a fifth hostile probe: each attacks the
// running server through its public surface and asserts the secure outcome.

// TestHostile5EventICSFolded: an invitation's calendar file wrote each
// value on one line whatever its length. A title of 100 characters in a
// script of 4-byte characters made a SUMMARY line of over 400 octets,
// where RFC 5545 bounds a line at 75 (calendar programs that hold to it
// cut or refuse the file), and the event's link had its commas and
// semicolons escaped as text, so the calendar's URL was another address
// (a backslash before each). Now every line is folded at 75 octets, never
// inside a character, and unfolding gives the values back whole; the URL
// is as the brand wrote it.
func TestHostile5EventICSFolded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	club := e.brandAccount("club", "Club")
	title := strings.Repeat("𝄞", 100)
	place := strings.Repeat("Grand-Place, Bruxelles; ", 8)
	link := "https://club.example/e?a=1,2;b=3"
	c, err := club.CreateCampaign(ctx, "club", client.CampaignInput{Name: "party", Type: "event", Audience: &client.Audience{Followers: true},
		Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "Come along", Weight: 100}}}},
		Event: &client.CampaignEvent{Title: title, StartsAt: time.Now().Add(30 * 24 * time.Hour), TimeZone: "Europe/Brussels",
			Place: strings.TrimSpace(place), Link: link}})
	must(t, err, "the invitation")
	raw, _, err := club.Download(ctx, "/api/v1/campaigns/"+c.ID+"/event.ics")
	must(t, err, "the team's calendar file")
	ics := string(raw)
	if !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
		t.Errorf("the file does not end its last line: %q", ics[max(0, len(ics)-40):])
	}
	for i, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets, over RFC 5545's 75: %q", i+1, len(line), line)
		}
		if strings.ContainsRune(line, '\uFFFD') || !strings.HasPrefix(line, " ") && i > 0 && !strings.Contains(line, ":") {
			t.Errorf("line %d is broken: %q", i+1, line)
		}
	}
	unfolded := strings.ReplaceAll(ics, "\r\n ", "")
	esc := strings.NewReplacer(",", `\,`, ";", `\;`)
	for _, want := range []string{"SUMMARY:" + title + "\r\n", "LOCATION:" + esc.Replace(strings.TrimSpace(place)) + "\r\n", "URL:" + link + "\r\n"} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the unfolded file lacks %q:\n%s", want, unfolded)
		}
	}
}
