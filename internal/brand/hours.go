package brand

import (
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// schedule is a brand's business hours in its time zone.
type schedule struct {
	loc     *time.Location
	enabled bool
	spans   []dm.OpenSpan
}

func newSchedule(set *dm.BrandSettings) schedule {
	// From the cache of loaded zones (consent.go): loading one reads the
	// zone database, and every campaign message asks.
	loc := zone(set.TimeZone)
	if loc == nil {
		// "" is UTC; settings are validated when saved, and a zone that
		// vanished from the system's database falls back to UTC rather
		// than failing sends.
		loc = time.UTC
	}
	return schedule{loc: loc, enabled: set.HoursEnabled, spans: set.Hours}
}

// open reports whether t is within business hours. Without business hours
// the brand is always open.
func (sc schedule) open(t time.Time) bool {
	if !sc.enabled {
		return true
	}
	lt := t.In(sc.loc)
	day, minute := int(lt.Weekday()), lt.Hour()*60+lt.Minute()
	for _, s := range sc.spans {
		if s.Day == day && s.Open <= minute && minute < s.Close {
			return true
		}
	}
	return false
}

// day is t's calendar date in the brand's time zone, as "2006-01-02".
func (sc schedule) day(t time.Time) string { return t.In(sc.loc).Format(time.DateOnly) }

// maxBusinessDays bounds the walk of businessDuration: a response later
// than a year counts only its first year of business hours.
const maxBusinessDays = 400

// businessDuration is how much of [from, to) falls within business hours:
// the response time a customer would count if they only expected answers
// while the brand is open. Without business hours it is to - from.
func (sc schedule) businessDuration(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if !sc.enabled {
		return to.Sub(from)
	}
	var total time.Duration
	lf := from.In(sc.loc)
	y, m, d := lf.Date()
	for i := 0; i < maxBusinessDays; i++ {
		// time.Date normalises the day overflow and handles DST changes:
		// minute offsets are applied to the local wall clock.
		dayStart := time.Date(y, m, d+i, 0, 0, 0, 0, sc.loc)
		if !dayStart.Before(to) {
			break
		}
		wd := int(dayStart.Weekday())
		for _, s := range sc.spans {
			if s.Day != wd {
				continue
			}
			a := time.Date(y, m, d+i, 0, s.Open, 0, 0, sc.loc)
			b := time.Date(y, m, d+i, 0, s.Close, 0, 0, sc.loc)
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				total += b.Sub(a)
			}
		}
	}
	return total
}
