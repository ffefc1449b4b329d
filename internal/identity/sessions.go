package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Session is a logged-in session. Token is shown once, to its owner; only its
// hash is stored.
type Session struct {
	Token   string
	Account *dm.Account
}

// Login checks a handle and password and opens a session. remote is the
// caller's address, for throttling repeated failures.
func (s *Service) Login(ctx context.Context, handle, password, remote string) (*Session, error) {
	return s.LoginFrom(ctx, handle, password, remote, "")
}

// LoginFrom is Login that also records the device (user agent) for the
// owner's list of sessions.
func (s *Service) LoginFrom(ctx context.Context, handle, password, remote, userAgent string) (*Session, error) {
	handle = dm.NormalizeHandle(handle)
	t := s.now()
	// Failures count per handle from one address (ten, then one try every
	// 30 s) and per address over all handles (fifty). Keying by handle alone
	// would let anyone lock a chosen person out from elsewhere.
	keys := []string{"h:" + handle + "@" + ratelimit.NetworkKey(remote), "a:" + ratelimit.NetworkKey(remote)}
	for _, k := range keys {
		if d := s.loginLimitFor(k).Wait(k, t); d > 0 {
			return nil, &dm.Error{Code: dm.ERATELIMITED, Message: "Too many failed logins. Try again later.", RetryAfter: d}
		}
	}
	var acc *dm.Account
	var hash string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		acc, hash, err = tx.Credentials(ctx, handle)
		return err
	})
	if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
		return nil, err
	}
	if err != nil || len(password) > 256 {
		checkPassword(s.dummyHash(), password)
		hash = ""
	}
	if hash == "" || !checkPassword(hash, password) {
		for _, k := range keys {
			s.loginLimitFor(k).Take(k, t)
		}
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Wrong handle or password.")
	}
	if acc.Suspended {
		return nil, dm.Errorf(dm.EFORBIDDEN, "This account is suspended.")
	}
	token := newToken()
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		if err := tx.CreateSession(ctx, hashToken(token), acc.ID, t.Add(s.cfg.SessionTTL)); err != nil {
			return err
		}
		return tx.TouchSession(ctx, hashToken(token), t, clip(userAgent, maxUserAgent), clip(remote, 64))
	})
	if err != nil {
		return nil, err
	}
	s.sessions.touchDue(hashToken(token), t) // just recorded: the first requests need not
	return &Session{Token: token, Account: acc}, nil
}

// OpenSession opens a session for an account that has already proved who it
// is (through Login), under a token the caller chose, for ttl. The XRPC
// surface (internal/xrpc) uses it to pair a short access session with a
// long refresh session, and to rotate them, without asking for the password
// again. token must be 32 to 128 bytes, at least 32 of them the caller's
// randomness.
//
// family, when not "", puts the session in that family (an XRPC login's
// sessions, which EndSessionFamily ends together).
func (s *Service) OpenSession(ctx context.Context, acc *dm.Account, token, family string, ttl time.Duration) error {
	if len(token) < 32 || len(token) > 128 {
		return dm.Errorf(dm.EINVALID, "A session token has 32 to 128 bytes.")
	}
	if acc.Suspended {
		return dm.Errorf(dm.EFORBIDDEN, "This account is suspended.")
	}
	t := s.now()
	return s.store.Update(ctx, func(tx dm.Tx) error {
		if err := tx.CreateSession(ctx, hashToken(token), acc.ID, t.Add(ttl)); err != nil {
			return err
		}
		if err := tx.TouchSession(ctx, hashToken(token), t, "", ""); err != nil {
			return err
		}
		if family != "" {
			if err := tx.SetSessionFamily(ctx, hashToken(token), family); err != nil {
				return err
			}
		}
		s.sessions.touchDue(hashToken(token), t)
		return nil
	})
}

// AllowSessions spends n of acc's allowance of sessions opened by
// OpenSession, or answers ERATELIMITED (nothing spent). A caller takes it
// before it changes anything: the XRPC surface before it rotates a refresh
// token, so that a refused refresh leaves the old token as it was. Opening
// a session costs no password hash there, so without it one account could
// fill the sessions table as fast as it sends requests (each rotated
// token's reuses in its grace, and theirs, each opening a pair).
func (s *Service) AllowSessions(acc *dm.Account, n int) error {
	if d := s.openLimit.TakeN(acc.ID, float64(n), s.now()); d > 0 {
		return &dm.Error{Code: dm.ERATELIMITED, Message: "Too many sessions opened. Try again later.", RetryAfter: d}
	}
	return nil
}

// EndSessionWithin makes the session of token end at most grace from now
// (a rotated XRPC refresh token: see internal/xrpc). Asked again, it never
// moves the end later.
func (s *Service) EndSessionWithin(ctx context.Context, token string, grace time.Duration) error {
	hash := hashToken(token)
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.ShortenSession(ctx, hash, s.now().Add(grace))
	})
	// After the commit, as in Logout: the cache holds the old expiry.
	s.sessions.drop(hash)
	return err
}

// SessionFamily returns the family of token's session, putting it in
// family first if it has none (a session opened before families). A
// session that has ended is EUNAUTHENTICATED.
func (s *Service) SessionFamily(ctx context.Context, token, family string) (string, error) {
	hash := hashToken(token)
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		if _, err := tx.SessionAccount(ctx, hash, s.now()); err != nil {
			return err
		}
		_, f, err := tx.SessionFamily(ctx, hash)
		if err != nil || f != "" {
			family = f
			return err
		}
		return tx.SetSessionFamily(ctx, hash, family)
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return "", dm.Errorf(dm.EUNAUTHENTICATED, "The session has ended. Log in again.")
	}
	return family, err
}

// EndSessionFamily ends the session of token and every other session of
// its family (all of it, only it when it has none), whether or not token's
// own session has expired: the XRPC deleteSession, which must end every
// pair the login's rotations made.
func (s *Service) EndSessionFamily(ctx context.Context, token string) error {
	hash := hashToken(token)
	var owner string
	var ended []string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		userID, family, err := tx.SessionFamily(ctx, hash)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil // ended already
		}
		if err != nil {
			return err
		}
		owner, ended = userID, []string{hash}
		if family == "" {
			return tx.DeleteSession(ctx, hash)
		}
		ended, err = tx.DeleteSessionFamily(ctx, userID, family)
		return err
	})
	s.sessions.drop(hash)
	if err == nil && owner != "" {
		s.publishRevocation(ctx, owner, ended)
	}
	return err
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := hashToken(token)
	owner := ""
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		owner = ""
		if acc, err := tx.SessionAccount(ctx, hash, time.Unix(0, 0)); err == nil {
			owner = acc.ID
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		}
		return tx.DeleteSession(ctx, hash)
	})
	// After the commit: a request authenticated meanwhile may have cached it again.
	s.sessions.drop(hash)
	if err == nil && owner != "" {
		s.publishRevocation(ctx, owner, []string{hash})
	}
	return err
}

// RefreshPrefix begins the stored secret of an XRPC refresh session
// (internal/xrpc): Authenticate refuses it, so a refresh token's secret is
// no bearer token of the native API or the WebSocket, nor, re-signed as an
// access token, of XRPC calls; only AuthenticateRefresh takes it.
const RefreshPrefix = "xrpc-refresh:"

// Authenticate returns the account of a session token (never of a refresh
// session: see RefreshPrefix).
func (s *Service) Authenticate(ctx context.Context, token string) (*dm.Account, error) {
	if strings.HasPrefix(token, RefreshPrefix) {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Log in first.")
	}
	return s.authenticate(ctx, token)
}

// AuthenticateRefresh returns the account of an XRPC refresh session
// (token begins with RefreshPrefix).
func (s *Service) AuthenticateRefresh(ctx context.Context, token string) (*dm.Account, error) {
	if !strings.HasPrefix(token, RefreshPrefix) {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Log in first.")
	}
	return s.authenticate(ctx, token)
}

func (s *Service) authenticate(ctx context.Context, token string) (*dm.Account, error) {
	if token == "" || len(token) > 128 {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Log in first.")
	}
	hash, t := hashToken(token), s.now()
	if acc := s.sessions.get(hash, t); acc != nil {
		return acc, nil
	}
	var acc *dm.Account
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		acc, err = tx.SessionAccount(ctx, hash, t)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && acc.Suspended {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "The session has ended. Log in again.")
	}
	if err != nil {
		return nil, err
	}
	if s.sessions.touchDue(hash, t) {
		// Last seen, for the owner's list; at most every touchEvery per node.
		err := s.store.Update(ctx, func(tx dm.Tx) error { return tx.TouchSession(ctx, hash, t, "", "") })
		if err != nil {
			return nil, err
		}
	}
	s.sessions.put(hash, acc, t)
	return acc, nil
}

// loginLimitFor picks the bucket set of a login throttling key.
func (s *Service) loginLimitFor(key string) *ratelimit.Limiter {
	if strings.HasPrefix(key, "a:") {
		return s.addrLimit
	}
	return s.loginLimit
}

// CSRFToken derives the anti-forgery token of a cookie session from its
// secret token: a page that cannot read the HttpOnly cookie cannot compute it.
func CSRFToken(token string) string {
	sum := sha256.Sum256([]byte("parley-csrf:" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func newToken() string {
	b := make([]byte, 32) // 256 random bits
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
