// Package identity is who is who in Parley: accounts and their settings,
// sign-up, login and sessions, password hashing, the limits on guessing
// passwords and on making accounts, and the anti-forgery token of cookie
// sessions. The messaging rules (internal/chat) take the *dm.Account it
// authenticates and never see a password or a session token.
package identity

import (
	"log/slog"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Config tunes the service. The zero value is the production setting.
type Config struct {
	// RateLimitOff turns off the login and sign-up limits (benchmarks and
	// load tests only).
	RateLimitOff bool
	// SessionTTL is how long a login lasts (default 30 days).
	SessionTTL time.Duration
	// PasswordCost is the argon2id cost of new password hashes; the zero
	// value is DefaultPasswordCost(). Only tests set it, to CheapPasswordCost(),
	// so that a suite signing up hundreds of accounts does not spend most of
	// its time hashing.
	PasswordCost PasswordCost
	// Bus, when set, carries session revocations to every node (see
	// dm.Revocation); without it they reach this node's cache only.
	Bus dm.Bus
	// Now is the clock of sessions (their start, last use and expiry),
	// sign-up limits and password reset links (time.Now by default).
	Now func() time.Time
	// Log reports revocations that could not be published.
	Log *slog.Logger
}

// Service is the identity service. It is safe for concurrent use.
type Service struct {
	store dm.Store
	cfg   Config

	loginLimit  *ratelimit.Limiter // failed logins, per handle and address
	addrLimit   *ratelimit.Limiter // failed logins, per address
	signupLimit *ratelimit.Limiter // sign-ups, per address
	resetLimit  *ratelimit.Limiter // password reset tries, per address
	openLimit   *ratelimit.Limiter // sessions opened without a password (OpenSession), per account
	sessions    sessionCache

	// dummyHash makes a login for an unknown handle cost as much as a wrong
	// password, so timing does not tell which handles exist. It is computed
	// on first use, at the service's cost, not at start-up (19 MiB).
	dummyHash func() string
}

// New returns an identity service over a store.
func New(store dm.Store, cfg Config) *Service {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.PasswordCost == (PasswordCost{}) {
		cfg.PasswordCost = DefaultPasswordCost()
	}
	s := &Service{store: store, cfg: cfg}
	s.dummyHash = sync.OnceValue(func() string { return s.hashPassword("parley-dummy-password") })
	if !cfg.RateLimitOff {
		// Ten wrong passwords in a row, then one try every 30 seconds.
		s.loginLimit = ratelimit.New(1.0/30, 10)
		s.addrLimit = ratelimit.New(1.0/6, 50)
		// Twenty sign-ups at once from one address, then one every 6 seconds.
		s.signupLimit = ratelimit.New(1.0/6, 20)
		// Ten reset tries at once from one address, then one a minute.
		s.resetLimit = ratelimit.New(1.0/60, 10)
		// Sixty sessions at once (thirty XRPC pairs), then one every 30
		// seconds: see AllowSessions.
		s.openLimit = ratelimit.New(1.0/30, 60)
	}
	return s
}

// SessionTTL is how long a new session lasts.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }

// now is the service's clock, in UTC and at millisecond precision, as stored.
// now is the service's clock (Config.Now) in UTC at millisecond precision,
// as stored: sessions begin, are touched and expire by it.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// clock is the injected clock, in UTC and at millisecond precision.
func (s *Service) clock() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }
