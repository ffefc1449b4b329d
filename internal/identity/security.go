package identity

import (
	"context"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// This file is account security: changing a password, the owner's list of
// sessions, ending sessions (one, all others, all), the revocations that
// tell every node, and password reset links issued by an operator.

const (
	maxUserAgent = 256
	// ResetLinkTTL is how long a password reset link works by default.
	ResetLinkTTL = 24 * time.Hour
	// sessionIDLen is the length of a session's public id: a prefix of the
	// hex SHA-256 of its token (the stored hash), which reveals nothing usable.
	sessionIDLen = 16
)

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n] // a rune cut in two becomes invalid bytes, which go next
	}
	return strings.ToValidUTF8(s, "")
}

// TokenHash is the stored hash of a session token (what revocations name).
func TokenHash(token string) string { return hashToken(token) }

// SessionView is one of the caller's sessions.
type SessionView struct {
	ID         string
	Current    bool
	CreatedAt  time.Time // zero if opened before it was recorded
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	Address    string
}

// publishRevocation drops ended sessions from this node's cache and tells
// the other nodes (dm.Revocation). A bus failure is logged: the sessions are
// gone from the store, so other nodes still end them within sessionTTL.
func (s *Service) publishRevocation(ctx context.Context, userID string, hashes []string) {
	if len(hashes) == 0 {
		return
	}
	for _, h := range hashes {
		s.sessions.drop(h)
	}
	if s.cfg.Bus == nil {
		return
	}
	err := s.cfg.Bus.Publish(context.WithoutCancel(ctx), dm.Notification{
		UserID:  dm.RevocationChannel,
		Revoked: &dm.Revocation{UserID: userID, TokenHashes: hashes},
	})
	if err != nil {
		s.cfg.Log.Warn("session revocation not published", "user", userID, "err", err)
	}
}

// Revoked applies a revocation heard on the bus to this node's cache.
func (s *Service) Revoked(r dm.Revocation) {
	for _, h := range r.TokenHashes {
		s.sessions.drop(h)
	}
}

// Sessions lists the caller's sessions; token is the caller's own.
func (s *Service) Sessions(ctx context.Context, me *dm.Account, token string) ([]SessionView, error) {
	var infos []dm.SessionInfo
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		infos, err = tx.Sessions(ctx, me.ID, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	cur := hashToken(token)
	out := make([]SessionView, 0, len(infos))
	for _, si := range infos {
		out = append(out, SessionView{ID: si.TokenHash[:sessionIDLen], Current: si.TokenHash == cur, CreatedAt: si.CreatedAt,
			LastSeenAt: si.LastSeenAt, ExpiresAt: si.ExpiresAt, UserAgent: si.UserAgent, Address: si.Address})
	}
	return out, nil
}

// EndSession ends one of the caller's sessions by its id (ENOTFOUND if the
// caller has none with that id).
func (s *Service) EndSession(ctx context.Context, me *dm.Account, id string) error {
	notFound := dm.Errorf(dm.ENOTFOUND, "No session with that id.")
	if len(id) != sessionIDLen {
		return notFound
	}
	var hash string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		infos, err := tx.Sessions(ctx, me.ID, time.Unix(0, 0))
		if err != nil {
			return err
		}
		for _, si := range infos {
			if si.TokenHash[:sessionIDLen] == id {
				hash = si.TokenHash
				return tx.DeleteSession(ctx, hash)
			}
		}
		return notFound
	})
	if err != nil {
		return err
	}
	s.publishRevocation(ctx, me.ID, []string{hash})
	return nil
}

// EndOtherSessions ends every session of the caller but the one of token
// ("" : all of them, "log out everywhere"), and returns how many ended.
func (s *Service) EndOtherSessions(ctx context.Context, me *dm.Account, token string) (int, error) {
	except := ""
	if token != "" {
		except = hashToken(token)
	}
	return s.endSessions(ctx, me.ID, except, nil)
}

// endSessions deletes a user's sessions but except, running more in the same
// transaction, then publishes the revocation.
func (s *Service) endSessions(ctx context.Context, userID, except string, more func(tx dm.Tx) error) (int, error) {
	var ended []string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		if more != nil {
			if err := more(tx); err != nil {
				return err
			}
		}
		var err error
		ended, err = tx.DeleteUserSessions(ctx, userID, except)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.publishRevocation(ctx, userID, ended)
	return len(ended), nil
}

// EndAllSessions ends every session of a user (suspension).
func (s *Service) EndAllSessions(ctx context.Context, userID string) error {
	_, err := s.endSessions(ctx, userID, "", nil)
	return err
}

// ChangePassword replaces the caller's password after checking the current
// one, and ends every other session of the caller (token is the caller's
// own, which stays). Wrong current passwords count like failed logins.
func (s *Service) ChangePassword(ctx context.Context, me *dm.Account, token, current, next, remote string) error {
	if err := dm.ValidatePassword(next); err != nil {
		return err
	}
	t := s.now()
	key := "h:" + me.Handle + "@" + ratelimit.NetworkKey(remote)
	if d := s.loginLimitFor(key).Wait(key, t); d > 0 {
		return &dm.Error{Code: dm.ERATELIMITED, Message: "Too many wrong passwords. Try again later.", RetryAfter: d}
	}
	var hash string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		hash, err = tx.PasswordHash(ctx, me.ID)
		return err
	})
	if err != nil {
		return err
	}
	if len(current) > 256 || !checkPassword(hash, current) {
		s.loginLimitFor(key).Take(key, t)
		return dm.Errorf(dm.EFORBIDDEN, "The current password is wrong.")
	}
	newHash := s.hashPassword(next)
	_, err = s.endSessions(ctx, me.ID, hashToken(token), func(tx dm.Tx) error {
		return tx.SetPasswordHash(ctx, me.ID, newHash)
	})
	return err
}

// IssueResetLink makes a single-use password reset token for an account,
// valid for ttl (ResetLinkTTL if 0) on the service's clock. Only its hash is
// stored; the token is returned once, for the operator to pass on.
func (s *Service) IssueResetLink(ctx context.Context, handle string, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 {
		ttl = ResetLinkTTL
	}
	acc, err := s.AccountByHandle(ctx, handle)
	if err != nil {
		return "", time.Time{}, err
	}
	token, t := newToken(), s.clock()
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.CreatePasswordReset(ctx, hashToken(token), acc.ID, t, t.Add(ttl))
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, t.Add(ttl), nil
}

// ResetPassword sets a new password with a reset token, which it uses up,
// and ends every session of the account. A token that is unknown, used or
// expired is EFORBIDDEN; a password that is refused does not use it up.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*dm.Account, error) {
	return s.ResetPasswordFrom(ctx, token, password, "")
}

// ResetPasswordFrom is ResetPassword from the address remote, which may
// try only so often ("": no bound, for the operator's command line). The
// new password is hashed before the token is known to be good (the hash is
// slow on purpose, outside the transaction that uses the token up): each
// try costs an argon2 hash, 19 MiB and tens of milliseconds, so without a
// bound anyone could post made-up tokens to tie up the server's memory and
// CPU, as sign-ups could before their limit.
func (s *Service) ResetPasswordFrom(ctx context.Context, token, password, remote string) (*dm.Account, error) {
	if err := dm.ValidatePassword(password); err != nil {
		return nil, err
	}
	bad := dm.Errorf(dm.EFORBIDDEN, "This reset link is not valid: it was used, it expired, or it was mistyped. Ask for a new one.")
	if token == "" || len(token) > 128 {
		return nil, bad
	}
	if remote != "" {
		if d := s.resetLimit.Take("a:"+ratelimit.NetworkKey(remote), s.cfg.Now()); d > 0 {
			return nil, &dm.Error{Code: dm.ERATELIMITED, Message: "Too many password reset tries from this address. Try again later.", RetryAfter: d}
		}
	}
	newHash := s.hashPassword(password)
	var userID string
	var acc *dm.Account
	var ended []string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		var err error
		if userID, err = tx.UsePasswordReset(ctx, hashToken(token), s.clock()); err != nil {
			return err
		}
		if acc, err = tx.Account(ctx, userID); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, userID, newHash); err != nil {
			return err
		}
		ended, err = tx.DeleteUserSessions(ctx, userID, "")
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	s.publishRevocation(ctx, userID, ended)
	return acc, nil
}

// RefreshAccount makes every node read an account again on its next request
// (its role changed): it ends nothing, but drops the account's sessions from
// this node's cache. Other nodes see the change within the cache lifetime.
func (s *Service) RefreshAccount(ctx context.Context, userID string) error {
	s.sessions.dropUser(userID)
	return nil
}
