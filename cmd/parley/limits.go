package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/ratelimit"
	"github.com/parleyhq/parley/internal/server"
)

// limitSetting is one abuse limit's flag: --limit-<name>, PARLEY_LIMIT_<NAME>.
type limitSetting struct {
	name string // the limit's name in /metrics (chat.Limit*)
	rate func(l *chat.Limits) *ratelimit.Rate
	help string
}

var limitSettings = []limitSetting{
	{chat.LimitGroupCreate, func(l *chat.Limits) *ratelimit.Rate { return &l.GroupCreate }, "groups an account creates"},
	{chat.LimitRequests, func(l *chat.Limits) *ratelimit.Rate { return &l.Requests }, "people who don't follow an account that it puts in their Requests (direct conversations, groups, adds)"},
	{chat.LimitRequestsPerTarget, func(l *chat.Limits) *ratelimit.Rate { return &l.RequestsPerTarget }, "times an account puts the same stranger in Requests"},
	{chat.LimitMemberChange, func(l *chat.Limits) *ratelimit.Rate { return &l.MemberChange }, "member adds and removals by an account"},
	{chat.LimitEdit, func(l *chat.Limits) *ratelimit.Rate { return &l.Edit }, "edits (messages, group titles) by an account"},
	{chat.LimitEditPerTarget, func(l *chat.Limits) *ratelimit.Rate { return &l.EditPerTarget }, "edits of one message or group title"},
	{chat.LimitReaction, func(l *chat.Limits) *ratelimit.Rate { return &l.Reaction }, "reaction changes by an account"},
	{chat.LimitReactionPerTarget, func(l *chat.Limits) *ratelimit.Rate { return &l.ReactionPerTarget }, "reaction changes by an account on one message"},
	{chat.LimitTyping, func(l *chat.Limits) *ratelimit.Rate { return &l.Typing }, "typing notices by an account, across its conversations"},
}

func flagName(limit string) string { return strings.ReplaceAll(limit, "_", "-") }
func envName(limit string) string  { return "PARLEY_LIMIT_" + strings.ToUpper(limit) }

// limitFlags registers the abuse and transport limits' flags on cfg, with
// their PARLEY_* variables as defaults (a bad variable is reported by
// checkLimitEnv).
func limitFlags(fs *flag.FlagSet, cfg *server.Config) {
	cfg.Limits = chat.DefaultLimits()
	for _, s := range limitSettings {
		r := s.rate(&cfg.Limits)
		if v, ok := os.LookupEnv(envName(s.name)); ok {
			r.Set(v)
		}
		fs.Var(r, "limit-"+flagName(s.name), fmt.Sprintf("abuse limit on %s: B+N/P is B at once, then N per P (s, m, h, d), or off (%s)", s.help, envName(s.name)))
	}
	fs.IntVar(&cfg.Limits.RequestMessages, "limit-request-messages", envInt("PARLEY_LIMIT_REQUEST_MESSAGES", cfg.Limits.RequestMessages), "messages that may wait in a request nobody has accepted or answered yet (PARLEY_LIMIT_REQUEST_MESSAGES)")
	fs.DurationVar(&cfg.Limits.NewAccount, "new-account", envDuration("PARLEY_NEW_ACCOUNT", cfg.Limits.NewAccount), "how long an account counts as new, with stricter abuse limits (PARLEY_NEW_ACCOUNT)")
	fs.DurationVar(&cfg.HeaderTimeout, "header-timeout", envDuration("PARLEY_HEADER_TIMEOUT", server.DefaultHeaderTimeout), "time a client has to send a request's headers (PARLEY_HEADER_TIMEOUT)")
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", envDuration("PARLEY_BODY_TIMEOUT", server.DefaultBodyTimeout), "time a client has to send a request's body, plus 1s per 64 KiB received (PARLEY_BODY_TIMEOUT)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", envDuration("PARLEY_IDLE_TIMEOUT", server.DefaultIdleTimeout), "an idle keep-alive connection is closed after this (PARLEY_IDLE_TIMEOUT)")
	fs.IntVar(&cfg.MaxConnsPerAddr, "max-conns-per-addr", envInt("PARLEY_MAX_CONNS_PER_ADDR", server.DefaultMaxConnsPerAddr), "open connections per client address; with --trust-proxy, requests in flight per forwarded address; -1: no bound (PARLEY_MAX_CONNS_PER_ADDR)")
	fs.IntVar(&cfg.MaxStreamsPerAccount, "max-streams-per-account", envInt("PARLEY_MAX_STREAMS_PER_ACCOUNT", server.DefaultMaxStreamsPerAccount), "WebSocket event streams per account on this node; -1: no bound (PARLEY_MAX_STREAMS_PER_ACCOUNT)")
}

// checkLimitEnv reports the first PARLEY_LIMIT_* variable that is not a rate.
func checkLimitEnv() error {
	for _, s := range limitSettings {
		if v, ok := os.LookupEnv(envName(s.name)); ok {
			if _, err := ratelimit.ParseRate(v); err != nil {
				return fmt.Errorf("%s: %w", envName(s.name), err)
			}
		}
	}
	return nil
}

// envDuration returns the PARLEY_* variable as a duration, or a default.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}
