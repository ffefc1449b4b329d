package e2e

import (
	"errors"
	"fmt"
	"net/http"
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

// TestHostile5OfferCodesWithBOM: the pool of an offer is uploaded as a CSV,
// and a spreadsheet's "CSV UTF-8" starts with a byte order mark. The mark
// was read as part of the first line, which failed as a code that is not
// printable ASCII: "line 1" of a file whose line 1 is the header "code",
// and nothing of the file was taken. Now the mark is skipped; every code
// is taken as written.
func TestHostile5OfferCodesWithBOM(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	deli := e.brandAccount("deli", "Deli")
	c, err := deli.CreateCampaign(ctx, "deli", client.CampaignInput{Name: "bagels", Type: "offer", Audience: &client.Audience{Followers: true},
		Offer: &client.CampaignOffer{}, Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "A treat for you", Weight: 100}}}}})
	must(t, err, "the offer")
	for _, body := range []string{"\ufeffcode,note\r\nBAGEL-1,first\r\nBAGEL-2,second\r\n", "\ufeffBAGEL-3\nBAGEL-4\n"} {
		added, tally, err := deli.AddOfferCodes(ctx, "deli", c.ID, body)
		if !ok(t, err, "codes after a byte order mark") {
			continue
		}
		if added != 2 {
			t.Errorf("%q: %d codes added (pool %+v), want 2", body, added, tally)
		}
	}
	_, tally, err := deli.AddOfferCodes(ctx, "deli", c.ID, "BAGEL-1\n")
	must(t, err, "a code again")
	if tally.Pool != 4 {
		t.Errorf("the pool holds %d codes, want 4 (BAGEL-1 to 4, no mark in any)", tally.Pool)
	}
}

// TestHostile5SurveysBounded: a brand's owners and admins save surveys,
// and nothing bounded how many: a script saved them without end (a survey
// is kept for good, there is no delete), and the team's list shows the
// newest 200, so the others were lost to the console. Now a brand keeps
// at most 200: the next is a 400 that says to change one instead, and
// nothing is stored; changing one at the bound still works.
func TestHostile5SurveysBounded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	const bound = 200
	for i := range bound {
		_, err := acme.CreateSurvey(ctx, "acme", client.SurveyInput{Name: fmt.Sprintf("s%d", i), Kind: "csat", Question: "How did we do?"})
		must(t, err, fmt.Sprintf("survey %d", i))
	}
	_, err := acme.CreateSurvey(ctx, "acme", client.SurveyInput{Name: "one too many", Kind: "csat", Question: "How did we do?"})
	if ce := wantStatus(t, err, http.StatusBadRequest, "a survey over the bound"); ce != nil && !strings.Contains(ce.Message, "at most 200 surveys") {
		t.Errorf("the refusal %q does not say the bound", ce.Message)
	}
	svs, err := acme.Surveys(ctx, "acme")
	must(t, err, "surveys")
	if len(svs) != bound {
		t.Fatalf("the brand lists %d surveys, want %d", len(svs), bound)
	}
	_, err = acme.UpdateSurvey(ctx, "acme", svs[0].ID, client.SurveyInput{Name: "renamed", Question: "How was it?"})
	ok(t, err, "a survey changed at the bound")
}

// TestHostile5CampaignsBounded: a campaign is kept for good (a draft is
// cancelled, never deleted), and the team's list reads the newest 200.
// Nothing bounded how many a brand created: a script made drafts without
// end, each row kept, each pushing the brand's real campaigns off the
// list. Now a brand creates at most 200 in any 24 hours; the next is a 429
// with a Retry-After, nothing is stored, a draft can still be edited, and
// another brand is not slowed.
func TestHostile5CampaignsBounded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	other := e.brandAccount("other", "Other")
	in := func(name string) client.CampaignInput {
		return client.CampaignInput{Name: name, Audience: &client.Audience{Followers: true},
			Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "Sale!", Weight: 100}}}}}
	}
	const bound = 200
	var first *client.Campaign
	for i := range bound {
		c, err := acme.CreateCampaign(ctx, "acme", in(fmt.Sprintf("c%d", i)))
		must(t, err, fmt.Sprintf("campaign %d", i))
		if i == 0 {
			first = c
		}
	}
	_, err := acme.CreateCampaign(ctx, "acme", in("one too many"))
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status == http.StatusTooManyRequests {
		if ce.RetryAfter <= 0 {
			t.Errorf("the refusal has no Retry-After: %+v", ce)
		}
	} else {
		t.Errorf("campaign %d in a day: %v, want 429", bound+1, err)
	}
	var list struct {
		Campaigns []client.Campaign `json:"campaigns"`
	}
	_, err = acme.Do(ctx, "GET", "/api/v1/brands/acme/campaigns", nil, &list)
	must(t, err, "campaigns")
	if len(list.Campaigns) != bound || list.Campaigns[0].Name == "one too many" {
		t.Errorf("the brand lists %d campaigns (%+v); want %d, none refused", len(list.Campaigns), list.Campaigns[:min(1, len(list.Campaigns))], bound)
	}
	_, err = acme.UpdateCampaign(ctx, "acme", first.ID, in("edited"))
	ok(t, err, "a draft edited at the bound")
	_, err = other.CreateCampaign(ctx, "other", in("theirs"))
	ok(t, err, "another brand's campaign")
}
