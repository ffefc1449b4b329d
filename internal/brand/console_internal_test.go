package brand

import (
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"@carol please check", []string{"carol"}},
		{"cc @Carol, @dan_2 and @carol again", []string{"carol", "dan_2"}},
		{"mail bob@example.com", nil}, // an address is not a mention
		{"@ab is too short, @@x neither", nil},
		{"(@erin) [@fay]", []string{"erin", "fay"}},
		{"@a1b @a2b @a3b @a4b @a5b @a6b @a7b @a8b @a9b @a10b @a11b", []string{"a1b", "a2b", "a3b", "a4b", "a5b", "a6b", "a7b", "a8b", "a9b", "a10b"}},
	} {
		if got := mentions(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("mentions(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestSLAState(t *testing.T) {
	mon9 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) // a Monday
	at := func(d time.Duration) *time.Time { v := mon9.Add(d); return &v }
	always := newSchedule(&dm.BrandSettings{TimeZone: "UTC"})
	office := newSchedule(&dm.BrandSettings{TimeZone: "UTC", HoursEnabled: true, Hours: []dm.OpenSpan{{Day: 1, Open: 9 * 60, Close: 17 * 60}, {Day: 2, Open: 9 * 60, Close: 17 * 60}}})
	levels := &dm.ServiceLevels{FirstResponseMinutes: 60, NextResponseMinutes: 15}
	for _, tc := range []struct {
		name   string
		sc     schedule
		now    time.Time
		it     dm.InboxItem
		status string
		want   *dm.SLAState
	}{
		{"nobody waits", always, mon9, dm.InboxItem{}, dm.InboxOpen, nil},
		{"resolved", always, mon9, dm.InboxItem{WaitingSince: at(0)}, dm.InboxResolved, nil},
		{"snoozed", always, mon9, dm.InboxItem{WaitingSince: at(0)}, dm.InboxSnoozed, nil},
		{"first, running", always, mon9.Add(20 * time.Minute), dm.InboxItem{WaitingSince: at(0)}, dm.InboxOpen,
			&dm.SLAState{Kind: "first_response", TargetSeconds: 3600, RemainingSeconds: 2400}},
		{"first, breached", always, mon9.Add(61 * time.Minute), dm.InboxItem{WaitingSince: at(0)}, dm.InboxPending,
			&dm.SLAState{Kind: "first_response", TargetSeconds: 3600, RemainingSeconds: -60, Breached: true}},
		{"next", always, mon9.Add(5 * time.Minute), dm.InboxItem{WaitingSince: at(0), FirstResponseAt: at(-time.Hour)}, dm.InboxOpen,
			&dm.SLAState{Kind: "next_response", TargetSeconds: 900, RemainingSeconds: 600}},
		{"overnight counts business time only", office, mon9.Add(24*time.Hour + 10*time.Minute), dm.InboxItem{WaitingSince: at(7*time.Hour + 50*time.Minute)}, dm.InboxOpen,
			&dm.SLAState{Kind: "first_response", TargetSeconds: 3600, RemainingSeconds: 3600 - 20*60}},
	} {
		c := &slaClock{levels: levels, sc: tc.sc, now: tc.now}
		got := c.state(&tc.it, tc.status)
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	off := &slaClock{levels: &dm.ServiceLevels{}, sc: always, now: mon9}
	if s := off.state(&dm.InboxItem{WaitingSince: at(0)}, dm.InboxOpen); s != nil {
		t.Errorf("no target: %+v", s)
	}
}
