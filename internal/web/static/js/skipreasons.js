// Why a campaign's message was held back, as people read it: every reason
// the consent engine (internal/consent) and the delivery engine
// (internal/brand/skipreasons.go) record on a delivery row. A test
// (internal/web) checks that each reason the server can record has a label
// here.

export const REASON_LABELS = {
  // The consent engine.
  blocked: 'blocked the brand',
  opted_out: 'said STOP',
  no_consent: 'not following, no opt-in',
  window_closed: 'outside the 24 h window',
  follow_up_limit: 'follow-up limit reached',
  frequency_cap: 'frequency cap (per 7 days)',
  daily_cap: 'daily cap reached',
  quiet_hours: 'waiting for quiet hours to end',
  // The delivery engine.
  gone: 'account or survey gone',
  invalid_template: 'message template invalid',
  no_code: 'no code left in the pool',
  no_pick: 'no product pick',
  answered: 'answered already',
  not_sent: 'did not get the message before',
  refused: 'refused by the chat',
  invalid: 'message refused as invalid',
  error: 'delivery error',
  // The chat's rules.
  not_accepting: 'accepts no new messages',
  not_followed: 'accepts only people they follow',
};

// reasonLabel is a reason's label, or the reason itself if unknown (a
// newer server).
export function reasonLabel(reason) {
  return Object.hasOwn(REASON_LABELS, reason) ? REASON_LABELS[reason] : reason.replace(/_/g, ' ');
}

// skippedText lists skipped counts by reason, largest first:
// "3 said STOP · 1 blocked the brand".
export function skippedText(skipped) {
  return Object.entries(skipped || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n} ${reasonLabel(r)}`).join(' · ');
}
