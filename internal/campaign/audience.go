package campaign

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Audience is an audience expression: exactly one of its fields is set.
// Leaves: Followers (the brand's followers), Label (customers whose
// conversation has the label), Attribute (customers with an attribute
// value), WroteWithinDays (customers who wrote to the brand in the last N
// days), SurveyBelow (who answered a survey with a score below a bound),
// RSVP (who answered an invitation so). And, Or and Not combine them; Not
// is relative to everyone the brand knows (its followers and every
// customer who ever wrote).
type Audience struct {
	Followers       bool         `json:"followers,omitempty"`
	Label           string       `json:"label,omitempty"`
	Attribute       *Attribute   `json:"attribute,omitempty"`
	WroteWithinDays int          `json:"wrote_within_days,omitempty"`
	SurveyBelow     *SurveyBelow `json:"survey_below,omitempty"`
	RSVP            *RSVPAnswer  `json:"rsvp,omitempty"`
	And             []*Audience  `json:"and,omitempty"`
	Or              []*Audience  `json:"or,omitempty"`
	Not             *Audience    `json:"not,omitempty"`
}

// Attribute is a customer attribute's key and value.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SurveyBelow matches who answered a survey (CSAT or NPS) with a score
// below Below.
type SurveyBelow struct {
	SurveyID string `json:"survey_id"`
	Below    int    `json:"below"`
}

// RSVPAnswer matches who answered an event invitation with Answer (yes,
// the default, no or maybe; a Yes on the waitlist is a yes).
type RSVPAnswer struct {
	CampaignID string `json:"campaign_id"`
	Answer     string `json:"answer"`
}

// Validate checks an expression's shape and limits; path names it in errors.
func (a *Audience) Validate(path string) error {
	n := 0
	return a.validate(path, 0, &n)
}

func (a *Audience) validate(path string, depth int, n *int) error {
	if a == nil {
		return invalid("%s: an audience is required.", path)
	}
	*n++
	if *n > MaxAudienceNodes {
		return invalid("%s: at most %d terms.", path, MaxAudienceNodes)
	}
	if depth > MaxAudienceDepth {
		return invalid("%s: nested at most %d deep.", path, MaxAudienceDepth)
	}
	set := 0
	if a.Followers {
		set++
	}
	if a.Label != "" {
		set++
		if utf8.RuneCountInString(a.Label) > MaxLabelRunes {
			return invalid("%s.label: at most %d characters.", path, MaxLabelRunes)
		}
		if !controlFree(a.Label, false) {
			return invalid("%s.label: without control characters.", path)
		}
	}
	if a.Attribute != nil {
		set++
		if a.Attribute.Key == "" || len(a.Attribute.Key) > 40 || len(a.Attribute.Value) > 200 {
			return invalid("%s.attribute: a key of 1 to 40 bytes and a value of at most 200.", path)
		}
		if !controlFree(a.Attribute.Key, false) || !controlFree(a.Attribute.Value, false) {
			return invalid("%s.attribute: key and value without control characters.", path)
		}
	}
	if a.WroteWithinDays != 0 {
		set++
		if a.WroteWithinDays < 1 || a.WroteWithinDays > MaxWroteDays {
			return invalid("%s.wrote_within_days: 1 to %d.", path, MaxWroteDays)
		}
	}
	if b := a.SurveyBelow; b != nil {
		set++
		if b.SurveyID == "" || len(b.SurveyID) > 64 {
			return invalid("%s.survey_below.survey_id: the id of one of the brand's surveys.", path)
		}
		if b.Below < 1 || b.Below > 11 {
			return invalid("%s.survey_below.below: 1 to 11 (a score below it matches).", path)
		}
	}
	if r := a.RSVP; r != nil {
		set++
		if r.CampaignID == "" || len(r.CampaignID) > 64 {
			return invalid("%s.rsvp.campaign_id: the id of one of the brand's event invitations.", path)
		}
		switch r.Answer {
		case "", RSVPYes, RSVPNo, RSVPMaybe:
		default:
			return invalid("%s.rsvp.answer: yes (the default), no or maybe.", path)
		}
	}
	for _, l := range []struct {
		name string
		xs   []*Audience
	}{{"and", a.And}, {"or", a.Or}} {
		if l.xs == nil {
			continue
		}
		set++
		if len(l.xs) == 0 {
			return invalid("%s.%s: at least one term.", path, l.name)
		}
		for i, x := range l.xs {
			if err := x.validate(fmt.Sprintf("%s.%s[%d]", path, l.name, i), depth+1, n); err != nil {
				return err
			}
		}
	}
	if a.Not != nil {
		set++
		if err := a.Not.validate(path+".not", depth+1, n); err != nil {
			return err
		}
	}
	if set != 1 {
		return invalid("%s: exactly one of followers, label, attribute, wrote_within_days, survey_below, rsvp, and, or, not.", path)
	}
	return nil
}

// Leaves resolves the leaves of an expression: each returns sorted ids.
type Leaves struct {
	Followers func() ([]string, error)
	Label     func(label string) ([]string, error)
	Attribute func(key, value string) ([]string, error)
	WroteDays func(days int) ([]string, error)
	// SurveyBelow and RSVP resolve the answers' leaves.
	SurveyBelow func(surveyID string, below int) ([]string, error)
	RSVP        func(campaignID, answer string) ([]string, error)
	// Everyone is the universe of Not.
	Everyone func() ([]string, error)
}

// Resolve evaluates a valid expression to its sorted, distinct member ids.
func (a *Audience) Resolve(l Leaves) ([]string, error) {
	var everyone []string
	loaded := false
	universe := func() ([]string, error) {
		if !loaded {
			var err error
			if everyone, err = l.Everyone(); err != nil {
				return nil, err
			}
			loaded = true
		}
		return everyone, nil
	}
	return a.resolve(l, universe)
}

func (a *Audience) resolve(l Leaves, universe func() ([]string, error)) ([]string, error) {
	switch {
	case a.Followers:
		return l.Followers()
	case a.Label != "":
		return l.Label(strings.TrimSpace(a.Label))
	case a.Attribute != nil:
		return l.Attribute(a.Attribute.Key, a.Attribute.Value)
	case a.WroteWithinDays != 0:
		return l.WroteDays(a.WroteWithinDays)
	case a.SurveyBelow != nil:
		return l.SurveyBelow(a.SurveyBelow.SurveyID, a.SurveyBelow.Below)
	case a.RSVP != nil:
		ans := a.RSVP.Answer
		if ans == "" {
			ans = RSVPYes
		}
		return l.RSVP(a.RSVP.CampaignID, ans)
	case a.Not != nil:
		u, err := universe()
		if err != nil {
			return nil, err
		}
		x, err := a.Not.resolve(l, universe)
		if err != nil {
			return nil, err
		}
		return Minus(u, x), nil
	case a.And != nil:
		// Negated terms subtract from the others rather than from everyone.
		var acc []string
		first := true
		var minus [][]string
		for _, x := range a.And {
			if x.Not != nil && len(a.And) > 1 {
				m, err := x.Not.resolve(l, universe)
				if err != nil {
					return nil, err
				}
				minus = append(minus, m)
				continue
			}
			ids, err := x.resolve(l, universe)
			if err != nil {
				return nil, err
			}
			if first {
				acc, first = ids, false
			} else {
				acc = Intersect(acc, ids)
			}
		}
		if first { // only negated terms
			u, err := universe()
			if err != nil {
				return nil, err
			}
			acc = u
		}
		for _, m := range minus {
			acc = Minus(acc, m)
		}
		return acc, nil
	default:
		var acc []string
		for _, x := range a.Or {
			ids, err := x.resolve(l, universe)
			if err != nil {
				return nil, err
			}
			acc = Union(acc, ids)
		}
		return acc, nil
	}
}

// Intersect, Union and Minus work on sorted, distinct id lists.
func Intersect(a, b []string) []string {
	out := make([]string, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

func Union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func Minus(a, b []string) []string {
	out := make([]string, 0, len(a))
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

// Sorted sorts and dedups ids in place.
func Sorted(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}
