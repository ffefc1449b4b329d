// Package consent is the one gate that every message not typed by a person
// passes before it reaches someone: a bot's answer, an away message, a
// follow-up, a campaign. It makes "follow up, but don't spam" a rule of the
// code: Decide is a pure function of the recipient's state, the brand's
// policy and a clock, table-tested, and says allow, defer until a time, or
// skip with a reason that is counted.
//
// The rules, checked in this order:
//
//  1. Never to someone who blocked the brand.
//  2. A reply (the bot answering the customer's own message, a hand-off
//     confirmation, the confirmation of STOP or START) is service, not
//     marketing: it is allowed whenever the person wrote within the
//     reply window (24 h), whatever else holds.
//  3. STOP (or UNSUBSCRIBE, or the brand's words in other languages) takes
//     effect at once: nothing else automated until START.
//  4. Promotional messages go only to people who follow the brand or opted
//     in.
//  5. With the 24-hour window policy on (the Instagram rule), outside 24 h
//     after the person's last message only opted-in people get anything.
//  6. Follow-ups: after an automated message the person has not answered,
//     at most MaxFollowUps more (so with the default 2, three automated
//     messages in a row at most). A collaboration proposal counts too: it
//     is refused past the limit like a follow-up.
//  7. At most FrequencyCap promotional messages per rolling 7 days.
//  8. At most DailyCap messages a day from the brand (an operator cap).
//  9. Quiet hours in the person's time zone: deferred to the next allowed
//     time, never dropped.
package consent

import (
	"time"
)

// Purposes of an automated message.
const (
	// Reply answers the person's own message (a bot's answer, the away
	// message, a flow step, a hand-off or STOP confirmation).
	Reply = "reply"
	// FollowUp is sent without a new message from the person (a "no reply"
	// timer, a message after resolution).
	FollowUp = "follow_up"
	// Promotional is a campaign: an offer, an invitation, a survey.
	Promotional = "promotional"
	// Collaboration is a brand's first proposal to a creator, which a
	// team member sends from the console (internal/brand/creators.go). It
	// is one-to-one business, not marketing: it needs no follow or opt-in
	// (the creator's who-can-message-me setting decides, as for anyone's
	// first message), and is not put off by quiet hours, since a person
	// sends it now. It counts as unanswered, so the automated follow-ups
	// after it are bounded by rule 6, and it is itself refused past that
	// limit. Its follow-ups are sent as FollowUp.
	Collaboration = "collaboration"
)

// Reasons a message is held back. They are part of the API: campaign
// reports count skipped recipients by reason.
const (
	ReasonBlocked      = "blocked"
	ReasonOptedOut     = "opted_out"
	ReasonNoConsent    = "no_consent"
	ReasonWindowClosed = "window_closed"
	ReasonFollowUps    = "follow_up_limit"
	ReasonFrequencyCap = "frequency_cap"
	ReasonDailyCap     = "daily_cap"
	ReasonQuietHours   = "quiet_hours" // deferred, not dropped
)

// Reasons lists every reason above (the console has a label for each).
var Reasons = []string{ReasonBlocked, ReasonOptedOut, ReasonNoConsent, ReasonWindowClosed, ReasonFollowUps,
	ReasonFrequencyCap, ReasonDailyCap, ReasonQuietHours}

// Recipient is what the gate knows of one person and one brand.
type Recipient struct {
	Blocked  bool // either way
	Follows  bool // the person follows the brand
	OptedIn  bool // an explicit opt-in (a quick reply, START, the profile)
	OptedOut bool // STOP
	// LastInbound is the person's last message to the brand (zero: never).
	LastInbound time.Time
	// Unanswered counts automated messages since the person last wrote
	// (or ever, if they never did).
	Unanswered int
	// PromosLast7Days counts promotional messages in the last 7 days.
	PromosLast7Days int
	// Location is the person's time zone (nil: the brand's).
	Location *time.Location
}

// Policy is a brand's limits, with the operator's bounds applied.
type Policy struct {
	MaxFollowUps int // default 2
	FrequencyCap int // promotional per rolling 7 days, default 2
	DailyCap     int // per brand per day, 0: none
	// QuietFrom and QuietTo are minutes after midnight in the person's
	// time zone (default 21:00 to 09:00); equal values: no quiet hours.
	QuietFrom, QuietTo int
	Window24h          bool
	// SentToday is how many the brand sent today (for DailyCap).
	SentToday int
}

// DefaultPolicy is the policy of a brand that changed nothing.
func DefaultPolicy() Policy {
	return Policy{MaxFollowUps: 2, FrequencyCap: 2, QuietFrom: 21 * 60, QuietTo: 9 * 60}
}

// ReplyWindow is how long after the person's message a reply is service.
const ReplyWindow = 24 * time.Hour

// Decision is the gate's verdict.
type Decision struct {
	Allow bool
	// Reason says why not (or, with DeferUntil, why later).
	Reason string
	// DeferUntil, when not zero, is when to try again (quiet hours).
	DeferUntil time.Time
}

// Decide applies the rules to one message of purpose to r at now.
func Decide(purpose string, r Recipient, p Policy, loc *time.Location, now time.Time) Decision {
	if r.Blocked {
		return Decision{Reason: ReasonBlocked}
	}
	inWindow := !r.LastInbound.IsZero() && now.Sub(r.LastInbound) < ReplyWindow
	if purpose == Reply && inWindow {
		return Decision{Allow: true}
	}
	if r.OptedOut {
		return Decision{Reason: ReasonOptedOut}
	}
	if purpose == Promotional && !r.Follows && !r.OptedIn {
		return Decision{Reason: ReasonNoConsent}
	}
	if p.Window24h && !inWindow && !r.OptedIn {
		return Decision{Reason: ReasonWindowClosed}
	}
	if (purpose == FollowUp || purpose == Collaboration) && r.Unanswered > p.MaxFollowUps {
		return Decision{Reason: ReasonFollowUps}
	}
	if purpose == Promotional && r.PromosLast7Days >= p.FrequencyCap {
		return Decision{Reason: ReasonFrequencyCap}
	}
	if p.DailyCap > 0 && p.SentToday >= p.DailyCap {
		return Decision{Reason: ReasonDailyCap}
	}
	if purpose != Reply && purpose != Collaboration {
		if r.Location != nil {
			loc = r.Location
		}
		if until, quiet := quietUntil(p, now.In(loc)); quiet {
			return Decision{Reason: ReasonQuietHours, DeferUntil: until}
		}
	}
	return Decision{Allow: true}
}

// quietUntil reports whether local is in the quiet hours, and when they end.
func quietUntil(p Policy, local time.Time) (time.Time, bool) {
	if p.QuietFrom == p.QuietTo {
		return time.Time{}, false
	}
	m := local.Hour()*60 + local.Minute()
	in := false
	if p.QuietFrom < p.QuietTo {
		in = m >= p.QuietFrom && m < p.QuietTo
	} else {
		in = m >= p.QuietFrom || m < p.QuietTo
	}
	if !in {
		return time.Time{}, false
	}
	y, mo, d := local.Date()
	end := time.Date(y, mo, d, p.QuietTo/60, p.QuietTo%60, 0, 0, local.Location())
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC(), true
}
