package brand

import (
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
)

// Reasons the delivery engine records on a campaign's delivery row, beside
// the consent engine's (consent.Reasons). They are part of the API: the
// progress and the funnel count skipped recipients by reason, and the
// console shows each with a label (js/skipreasons.js).
const (
	SkipGone            = "gone"             // the recipient or the brand's thing it needs no longer exists
	SkipInvalidTemplate = "invalid_template" // the step's text no longer parses
	SkipNoCode          = "no_code"          // an offer's uploaded pool ran out
	SkipNoPick          = "no_pick"          // a top-pick step with no pick for this person
	SkipAnswered        = "answered"         // a follow-up to someone who answered since
	SkipNotSent         = "not_sent"         // a follow-up to someone the step before never reached
	SkipRefused         = "refused"          // the chat refused the message, with no reason given
	SkipInvalid         = "invalid"          // the chat found the message invalid
	// FailedError is the reason of a failed row (retries exhausted).
	FailedError = "error"
)

// SkipReasons lists every reason a delivery row can carry: the consent
// engine's, the delivery engine's, and the chat's refusals passed through
// (a block on either side is counted as consent.ReasonBlocked).
func SkipReasons() []string {
	out := append([]string(nil), consent.Reasons...)
	return append(out, SkipGone, SkipInvalidTemplate, SkipNoCode, SkipNoPick, SkipAnswered, SkipNotSent, SkipRefused, SkipInvalid,
		FailedError, dm.ReasonNotAccepting, dm.ReasonNotFollowed)
}
