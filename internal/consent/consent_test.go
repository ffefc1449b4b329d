package consent

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	// 14:00 in Paris (12:00 UTC): not quiet there; 21:00 in Tokyo: quiet.
	noon := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	recent := noon.Add(-time.Hour)
	old := noon.Add(-48 * time.Hour)
	def := DefaultPolicy()
	win := def
	win.Window24h = true
	capped := def
	capped.DailyCap, capped.SentToday = 100, 100

	type tc struct {
		name    string
		purpose string
		r       Recipient
		p       Policy
		now     time.Time
		allow   bool
		reason  string
		deferTo time.Time
	}
	cases := []tc{
		{"a reply to someone who just wrote", Reply, Recipient{LastInbound: recent}, def, noon, true, "", time.Time{}},
		{"a reply after STOP is still service", Reply, Recipient{LastInbound: recent, OptedOut: true}, def, noon, true, "", time.Time{}},
		{"a reply in quiet hours is not deferred", Reply, Recipient{LastInbound: recent, Location: tokyo}, def, noon, true, "", time.Time{}},
		{"never to a blocker, not even a reply", Reply, Recipient{LastInbound: recent, Blocked: true}, def, noon, false, ReasonBlocked, time.Time{}},
		{"a reply out of the window is a follow-up's equal", Reply, Recipient{LastInbound: old, OptedOut: true}, def, noon, false, ReasonOptedOut, time.Time{}},
		{"a follow-up after STOP", FollowUp, Recipient{LastInbound: recent, OptedOut: true}, def, noon, false, ReasonOptedOut, time.Time{}},
		{"first follow-up", FollowUp, Recipient{LastInbound: recent, Unanswered: 1}, def, noon, true, "", time.Time{}},
		{"second follow-up", FollowUp, Recipient{LastInbound: recent, Unanswered: 2}, def, noon, true, "", time.Time{}},
		{"a third follow-up", FollowUp, Recipient{LastInbound: recent, Unanswered: 3}, def, noon, false, ReasonFollowUps, time.Time{}},
		{"promotional to a stranger", Promotional, Recipient{}, def, noon, false, ReasonNoConsent, time.Time{}},
		{"promotional to a follower", Promotional, Recipient{Follows: true}, def, noon, true, "", time.Time{}},
		{"promotional to the opted-in", Promotional, Recipient{OptedIn: true}, def, noon, true, "", time.Time{}},
		{"promotional to a follower who said STOP", Promotional, Recipient{Follows: true, OptedOut: true}, def, noon, false, ReasonOptedOut, time.Time{}},
		{"promotional over the cap", Promotional, Recipient{Follows: true, PromosLast7Days: 2}, def, noon, false, ReasonFrequencyCap, time.Time{}},
		{"promotional under a lowered cap", Promotional, Recipient{Follows: true, PromosLast7Days: 1}, Policy{MaxFollowUps: 2, FrequencyCap: 1}, noon, false, ReasonFrequencyCap, time.Time{}},
		{"24 h window closed for a follower", Promotional, Recipient{Follows: true, LastInbound: old}, win, noon, false, ReasonWindowClosed, time.Time{}},
		{"24 h window closed, opted in", Promotional, Recipient{OptedIn: true, LastInbound: old}, win, noon, true, "", time.Time{}},
		{"24 h window open", Promotional, Recipient{Follows: true, LastInbound: recent}, win, noon, true, "", time.Time{}},
		{"the daily cap", Promotional, Recipient{Follows: true}, capped, noon, false, ReasonDailyCap, time.Time{}},
		{"quiet hours in the person's zone: deferred to 09:00 there", Promotional, Recipient{Follows: true, Location: tokyo}, def, noon, false, ReasonQuietHours,
			time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)}, // 09:00 JST
		{"quiet hours after midnight", FollowUp, Recipient{LastInbound: recent, Location: paris}, def, time.Date(2026, 6, 1, 1, 30, 0, 0, time.UTC), false, ReasonQuietHours,
			time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)}, // 09:00 CEST
		{"not quiet in the brand's zone", FollowUp, Recipient{LastInbound: recent}, def, noon, true, "", time.Time{}},
		{"the operator raised the cap to 3", Promotional, Recipient{Follows: true, PromosLast7Days: 2}, Policy{MaxFollowUps: 2, FrequencyCap: 3, QuietFrom: 21 * 60, QuietTo: 9 * 60}, noon, true, "", time.Time{}},
		{"a reply in the window passes the daily cap", Reply, Recipient{LastInbound: recent}, capped, noon, true, "", time.Time{}},
		{"a follow-up over the daily cap", FollowUp, Recipient{LastInbound: recent}, capped, noon, false, ReasonDailyCap, time.Time{}},
		{"opted in but blocked", Promotional, Recipient{OptedIn: true, Blocked: true}, def, noon, false, ReasonBlocked, time.Time{}},
		{"a collaboration proposal to a stranger", Collaboration, Recipient{}, def, noon, true, "", time.Time{}},
		{"a collaboration proposal in the creator's quiet hours is sent: a person sends it", Collaboration, Recipient{Location: tokyo}, def, noon, true, "", time.Time{}},
		{"a collaboration proposal to a blocker", Collaboration, Recipient{Blocked: true}, def, noon, false, ReasonBlocked, time.Time{}},
		{"a collaboration proposal after STOP", Collaboration, Recipient{OptedOut: true}, def, noon, false, ReasonOptedOut, time.Time{}},
		{"a collaboration proposal past the follow-up limit", Collaboration, Recipient{Unanswered: 3}, def, noon, false, ReasonFollowUps, time.Time{}},
		{"a collaboration proposal over the daily cap", Collaboration, Recipient{}, capped, noon, false, ReasonDailyCap, time.Time{}},
		{"opted in then STOP", Promotional, Recipient{OptedIn: true, OptedOut: true}, def, noon, false, ReasonOptedOut, time.Time{}},
		{"the cap before quiet hours: dropped, not deferred", Promotional, Recipient{Follows: true, PromosLast7Days: 2, Location: tokyo}, def, noon, false, ReasonFrequencyCap, time.Time{}},
		{"STOP before quiet hours", Promotional, Recipient{Follows: true, OptedOut: true, Location: tokyo}, def, noon, false, ReasonOptedOut, time.Time{}},
		{"no quiet hours", Promotional, Recipient{Follows: true, Location: tokyo}, Policy{MaxFollowUps: 2, FrequencyCap: 2}, noon, true, "", time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.purpose, c.r, c.p, paris, c.now)
			if d.Allow != c.allow || d.Reason != c.reason || !d.DeferUntil.Equal(c.deferTo) {
				t.Fatalf("Decide = %+v, want allow %v, reason %q, defer until %v", d, c.allow, c.reason, c.deferTo)
			}
		})
	}
}

// TestQuietHoursEveryMinute walks a whole day in steps of a minute: a
// deferral always lands on the end of the quiet hours, in the future, and
// nothing is deferred outside them.
func TestQuietHoursEveryMinute(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	p := DefaultPolicy()
	day := time.Date(2026, 3, 8, 0, 0, 0, 0, loc) // a day with a DST change
	for m := 0; m < 24*60; m++ {
		now := day.Add(time.Duration(m) * time.Minute)
		d := Decide(Promotional, Recipient{Follows: true}, p, loc, now)
		local := now.In(loc)
		min := local.Hour()*60 + local.Minute()
		quiet := min >= p.QuietFrom || min < p.QuietTo
		if quiet != (d.Reason == ReasonQuietHours) {
			t.Fatalf("%v: decision %+v, quiet %v", local, d, quiet)
		}
		if quiet {
			end := d.DeferUntil.In(loc)
			if !d.DeferUntil.After(now) || end.Hour() != 9 || end.Minute() != 0 || end.Sub(now) > 12*time.Hour+time.Hour {
				t.Fatalf("%v: deferred to %v", local, end)
			}
		}
	}
}
