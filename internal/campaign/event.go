package campaign

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// TypeEvent is an event invitation: the message carries the event and
// RSVP buttons (Yes / No / Maybe); the brand sees live tallies, a
// capacity-aware waitlist fills free places in order, the Yes people get a
// reminder before it starts, and an .ics link adds it to a calendar.
const TypeEvent = "event"

// RSVP answers, and the statuses of a Yes.
const (
	RSVPYes   = "yes"
	RSVPNo    = "no"
	RSVPMaybe = "maybe"

	StatusGoing    = "going"
	StatusWaitlist = "waitlist"
)

// Event is an event invitation's event.
type Event struct {
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
	// TimeZone is the IANA zone the time is shown in.
	TimeZone string `json:"time_zone"`
	Place    string `json:"place,omitempty"`
	Link     string `json:"link,omitempty"`
	// Capacity bounds the Yes answers that are going (0: no bound); the
	// others wait, in order, for a place to free.
	Capacity int `json:"capacity"`
	// ReminderMinutes before the start, the going people get a reminder
	// (0: none).
	ReminderMinutes int `json:"reminder_minutes_before,omitempty"`
}

// Validate checks an event; load resolves its zone.
func (e *Event) Validate(load func(string) (*time.Location, error)) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(e.Title)); n == 0 || n > 100 {
		return invalid("event.title: 1 to 100 characters.")
	}
	if !controlFree(e.Title, false) || !controlFree(e.Place, false) || !controlFree(e.Link, false) {
		return invalid("event: title, place and link are one line each, without control characters.")
	}
	if e.StartsAt.IsZero() {
		return invalid("event.starts_at: required.")
	}
	if e.TimeZone == "" {
		return invalid("event.time_zone: an IANA time zone such as Europe/Paris.")
	}
	// "Local" loads the server's own zone, which is no zone of the
	// event's: refused, as account and brand settings refuse it.
	if _, err := load(e.TimeZone); err != nil || e.TimeZone == "Local" || len(e.TimeZone) > 64 {
		return invalid("event.time_zone: an IANA time zone such as Europe/Paris.")
	}
	if utf8.RuneCountInString(e.Place) > 200 {
		return invalid("event.place: at most 200 characters.")
	}
	if len(e.Link) > 500 || e.Link != "" && !dm.ValidWebURL(e.Link) {
		return invalid("event.link: an http(s) URL with a host, no spaces and no user name, of at most 500 bytes.")
	}
	if e.Capacity < 0 || e.Capacity > 1_000_000 {
		return invalid("event.capacity: 0 (no bound) to 1000000.")
	}
	if e.ReminderMinutes < 0 || e.ReminderMinutes > 60*24*30 {
		return invalid("event.reminder_minutes_before: 0 to 43200.")
	}
	return nil
}

// RSVPPayload is the payload of an RSVP button.
func RSVPPayload(campaignID, answer string) string { return "rsvp:" + campaignID + ":" + answer }

// ParseRSVP reads an RSVP button's payload.
func ParseRSVP(payload string) (campaignID, answer string, ok bool) {
	rest, ok := strings.CutPrefix(payload, "rsvp:")
	if !ok {
		return "", "", false
	}
	id, ans, ok := strings.Cut(rest, ":")
	if !ok || id == "" {
		return "", "", false
	}
	switch ans {
	case RSVPYes, RSVPNo, RSVPMaybe:
		return id, ans, true
	}
	return "", "", false
}

// RSVPButtons are the quick replies of an invitation.
func RSVPButtons(campaignID string) []QuickReply {
	return []QuickReply{{"Yes", RSVPPayload(campaignID, RSVPYes)}, {"No", RSVPPayload(campaignID, RSVPNo)}, {"Maybe", RSVPPayload(campaignID, RSVPMaybe)}}
}

// RSVPStatus decides a person's status after an answer: going when there
// is a place (or they had one), on the waitlist when there is none (or
// they were there), none for No and Maybe. freed tells whether their
// answer gave a place back (the first on the waitlist then gets it).
func RSVPStatus(answer, prev string, going, capacity int) (status string, freed bool) {
	if answer != RSVPYes {
		return "", prev == StatusGoing
	}
	switch {
	case prev == StatusGoing:
		return StatusGoing, false
	case prev == StatusWaitlist:
		return StatusWaitlist, false
	case capacity == 0 || going < capacity:
		return StatusGoing, false
	}
	return StatusWaitlist, false
}

// Details is the event as a line under the invitation's text.
func (e *Event) Details(loc *time.Location) string {
	var b strings.Builder
	b.WriteString(e.Title)
	b.WriteString(" · ")
	b.WriteString(e.StartsAt.In(loc).Format("Mon 2 Jan 2006, 15:04 MST"))
	if e.Place != "" {
		b.WriteString(" · " + e.Place)
	}
	if e.Link != "" {
		b.WriteString(" · " + e.Link)
	}
	return b.String()
}

// ICS is the event as an iCalendar file (RFC 5545), one hour long. Text
// values are escaped; the URL is a URI value, which has no escapes (a
// comma escaped there is a backslash in the address). Every line is
// folded at 75 octets, as the RFC asks: a title of 100 characters in
// another script is 400 bytes, and calendar programs that hold to the
// limit cut or refuse the line.
func (e *Event) ICS(uid string, now time.Time) string {
	esc := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "")
	const f = "20060102T150405Z"
	lines := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Parley//Campaigns//EN", "BEGIN:VEVENT",
		"UID:" + uid, "DTSTAMP:" + now.UTC().Format(f), "DTSTART:" + e.StartsAt.UTC().Format(f),
		"DTEND:" + e.StartsAt.Add(time.Hour).UTC().Format(f), "SUMMARY:" + esc.Replace(e.Title)}
	if e.Place != "" {
		lines = append(lines, "LOCATION:"+esc.Replace(e.Place))
	}
	if e.Link != "" {
		lines = append(lines, "URL:"+e.Link)
	}
	lines = append(lines, "END:VEVENT", "END:VCALENDAR")
	var b strings.Builder
	for _, l := range lines {
		foldICS(&b, l)
	}
	return b.String()
}

// icsLineOctets is RFC 5545's bound on a content line, without its CRLF.
const icsLineOctets = 75

// foldICS writes one content line, folded (CRLF and a space) so that no
// line is longer than icsLineOctets, never inside a UTF-8 character.
func foldICS(b *strings.Builder, line string) {
	room := icsLineOctets
	for len(line) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		room = icsLineOctets - 1 // the space that starts the next line counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// ErrNotEvent is returned for event operations on another type.
var ErrNotEvent = fmt.Errorf("not an event invitation")
