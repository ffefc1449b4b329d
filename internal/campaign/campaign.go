// Package campaign holds the pure rules of brand campaigns: what a valid
// campaign is, how an audience expression combines its leaves, which A/B
// variant a recipient gets, and how fast deliveries go. It reads no store
// and has no clock; internal/brand/campaigns.go joins it to the store, the
// consent gate and the job queue.
package campaign

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// Types of campaign. Only "message" is built; offers, event invitations and
// surveys are later kinds of step.
const TypeMessage = "message"

// Limits.
const (
	MaxNameRunes     = 80
	MaxVariants      = 5
	MaxSteps         = 3 // the message and at most 2 follow-ups
	MaxDelayMinutes  = 30 * 24 * 60
	MaxQuickReplies  = 13
	MaxQuickReply    = 20
	DefaultRate      = 600     // messages per minute
	MaxRate          = 600_000 // 10,000 a second
	MaxAudienceDepth = 8
	MaxAudienceNodes = 50
	MaxLabelRunes    = 50
	MaxWroteDays     = 3650
)

// Variant is one version of a step's message; Weight is its share of the
// split (the weights need not add up to 100).
type Variant struct {
	Name   string `json:"name"`
	Text   string `json:"text"`
	Weight int    `json:"weight"`
}

// QuickReply is a button under the message.
type QuickReply struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// Step is one message of a campaign: one variant, or several with a split.
//
// Steps after the first are follow-ups: DelayMinutes after the step before
// was planned, they go to those who got it and did not answer (wrote to
// the brand, tapped an RSVP, redeemed a code) since.
type Step struct {
	Variants     []Variant    `json:"variants"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	DelayMinutes int          `json:"delay_minutes,omitempty"`
	// TopPick sends each recipient their own top product pick of the
	// brand's recommender as a card with the message (issue 12); a
	// recipient with no pick (an empty catalog) is skipped ("no_pick").
	TopPick bool `json:"top_pick,omitempty"`
}

// FollowUpAt is when step k (> 0) is planned, for a campaign planned at t.
func FollowUpAt(steps []Step, k int, planned time.Time) time.Time {
	for i := 1; i <= k && i < len(steps); i++ {
		planned = planned.Add(time.Duration(steps[i].DelayMinutes) * time.Minute)
	}
	return planned
}

// Invalid is a validation error; its text starts with the field's path.
type Invalid struct{ Msg string }

func (e *Invalid) Error() string { return e.Msg }

func invalid(format string, args ...any) error { return &Invalid{fmt.Sprintf(format, args...)} }

// ValidateName checks a campaign's name.
func ValidateName(name string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n == 0 || n > MaxNameRunes || !utf8.ValidString(name) {
		return invalid("name: 1 to %d characters.", MaxNameRunes)
	}
	if !controlFree(name, false) {
		return invalid("name: one line, without control characters.")
	}
	return nil
}

// controlFree reports whether s has no control character: NUL, escapes and
// the like, and line breaks too unless multiline. Names, buttons and
// questions are shown to the team and to customers, where such characters
// misprint or hide text, and PostgreSQL refuses a NUL in text outright (a
// 500 at the insert instead of a 400 here).
func controlFree(s string, multiline bool) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	})
}

// ValidateRate checks messages per minute (0 means the default).
func ValidateRate(r int) error {
	if r < 0 || r > MaxRate {
		return invalid("rate_per_minute: 1 to %d (0: the default %d).", MaxRate, DefaultRate)
	}
	return nil
}

// ValidateSteps checks the steps; checkText validates one message text
// (the brand layer's template parser), and gets the field's path.
func ValidateSteps(steps []Step, checkText func(path, text string) error) error {
	if len(steps) == 0 || len(steps) > MaxSteps {
		return invalid("steps: 1 to %d steps.", MaxSteps)
	}
	for i, s := range steps {
		if i == 0 && s.DelayMinutes != 0 {
			return invalid("steps[0].delay_minutes: the first step has none.")
		}
		if i > 0 && (s.DelayMinutes < 1 || s.DelayMinutes > MaxDelayMinutes) {
			return invalid("steps[%d].delay_minutes: 1 to %d.", i, MaxDelayMinutes)
		}
		if len(s.Variants) == 0 || len(s.Variants) > MaxVariants {
			return invalid("steps[%d].variants: 1 to %d variants.", i, MaxVariants)
		}
		names := map[string]bool{}
		for j, v := range s.Variants {
			p := fmt.Sprintf("steps[%d].variants[%d]", i, j)
			if v.Name == "" || utf8.RuneCountInString(v.Name) > 20 {
				return invalid("%s.name: 1 to 20 characters.", p)
			}
			if !controlFree(v.Name, false) {
				return invalid("%s.name: one line, without control characters.", p)
			}
			if names[v.Name] {
				return invalid("%s.name: %q is used twice.", p, v.Name)
			}
			names[v.Name] = true
			if v.Weight < 0 || v.Weight > 100 || (len(s.Variants) > 1 && v.Weight == 0) {
				return invalid("%s.weight: 1 to 100.", p)
			}
			if err := checkText(p+".text", v.Text); err != nil {
				return err
			}
		}
		if len(s.QuickReplies) > MaxQuickReplies {
			return invalid("steps[%d].quick_replies: at most %d.", i, MaxQuickReplies)
		}
		for j, q := range s.QuickReplies {
			if n := utf8.RuneCountInString(strings.TrimSpace(q.Title)); n == 0 || n > MaxQuickReply {
				return invalid("steps[%d].quick_replies[%d].title: 1 to %d characters.", i, j, MaxQuickReply)
			}
			if !controlFree(q.Title, false) {
				return invalid("steps[%d].quick_replies[%d].title: one line, without control characters.", i, j)
			}
			// What the button shows is the text a tap sends: no direction
			// controls or invisible characters (dm.ValidateButtonTitle).
			f := fmt.Sprintf("steps[%d].quick_replies[%d].title", i, j)
			if err := dm.ValidateButtonTitle(f, q.Title, MaxQuickReply); err != nil {
				return invalid("%s: %s", f, strings.TrimPrefix(dm.ErrorMessage(err), f+" "))
			}
			if len(q.Payload) > 200 {
				return invalid("steps[%d].quick_replies[%d].payload: at most 200 bytes.", i, j)
			}
			if !controlFree(q.Payload, false) {
				return invalid("steps[%d].quick_replies[%d].payload: without control characters.", i, j)
			}
		}
	}
	return nil
}

// PickVariant chooses the variant of a recipient, stably (the same
// recipient of the same campaign always gets the same one, on any node and
// after any restart) and in proportion to the weights.
func PickVariant(vs []Variant, campaignID, userID string) Variant {
	if len(vs) == 1 {
		return vs[0]
	}
	total := 0
	for _, v := range vs {
		total += v.Weight
	}
	h := fnv.New64a()
	h.Write([]byte(campaignID))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	x := int(h.Sum64() % uint64(total))
	for _, v := range vs {
		if x < v.Weight {
			return v
		}
		x -= v.Weight
	}
	return vs[len(vs)-1]
}

// Pace is how one sending lane spends its share of the rate: Batch
// deliveries every Every.
type Pace struct {
	Batch int
	Every time.Duration
}

// PaceOf splits ratePerMinute over lanes sending at once.
func PaceOf(ratePerMinute, lanes int) Pace {
	if ratePerMinute <= 0 {
		ratePerMinute = DefaultRate
	}
	perSecond := float64(ratePerMinute) / 60 / float64(lanes)
	if perSecond >= 1 {
		b := int(perSecond + 0.5)
		return Pace{Batch: b, Every: time.Duration(float64(b) / perSecond * float64(time.Second))}
	}
	return Pace{Batch: 1, Every: time.Duration(float64(time.Second) / perSecond)}
}

// Split is the same pace in smaller batches: at most most deliveries each,
// and no more than one batch every minEvery (fewer, larger batches at
// high rates). A lane that claims and sends a small batch at a time holds
// the store's writer briefly each time, and keeps its rate smooth.
func (p Pace) Split(most int, minEvery time.Duration) Pace {
	if p.Batch <= 1 || p.Every <= 0 {
		return p
	}
	b := int64(p.Batch)
	n := (b*int64(minEvery) + int64(p.Every) - 1) / int64(p.Every) // at least minEvery apart
	n = min(b, max(1, min(n, int64(most))))
	if n == b {
		return p
	}
	return Pace{Batch: int(n), Every: time.Duration(int64(p.Every) * n / b)}
}

// ParseSteps reads stored steps.
func ParseSteps(raw json.RawMessage) ([]Step, error) {
	var s []Step
	err := json.Unmarshal(raw, &s)
	return s, err
}
