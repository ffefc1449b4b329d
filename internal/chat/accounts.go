package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// SignupParams are the fields of a new account.
type SignupParams struct {
	Handle      string
	Password    string
	DisplayName string
	Kind        string // dm.KindPerson (default) or dm.KindBrand
	// Remote is the caller's address, for throttling sign-ups from one
	// place; "" (the demo seeder, tools) is not throttled.
	Remote string
}

// Signup creates an account.
func (s *Service) Signup(ctx context.Context, p SignupParams) (*dm.Account, error) {
	handle := dm.NormalizeHandle(p.Handle)
	if err := dm.ValidateHandle(handle); err != nil {
		return nil, err
	}
	if err := dm.ValidatePassword(p.Password); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(p.DisplayName)
	if err := dm.ValidateDisplayName(name); err != nil {
		return nil, err
	}
	// No name given stays "": apps show the handle then, and a template's
	// {{first_name|there}} falls back instead of greeting "Hi dan1".
	kind := p.Kind
	switch kind {
	case "":
		kind = dm.KindPerson
	case dm.KindPerson, dm.KindBrand:
	default:
		return nil, dm.Errorf(dm.EINVALID, "kind is %q or %q.", dm.KindPerson, dm.KindBrand)
	}
	// Each sign-up costs an argon2 hash (19 MiB, tens of ms): one address may
	// not make them without end.
	if p.Remote != "" {
		if d := s.signupLimit.take("a:"+p.Remote, time.Now()); d > 0 {
			return nil, &dm.Error{Code: dm.ERATELIMITED, Message: "Too many sign-ups from this address. Try again later.", RetryAfter: d}
		}
	}
	a := &dm.Account{ID: dm.NewID(), Handle: handle, DisplayName: name, Kind: kind, CreatedAt: now()}
	hash := hashPassword(p.Password) // slow on purpose: outside the transaction
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.CreateAccount(ctx, a, dm.DefaultSettings(), hash)
	})
	if dm.IsCode(err, dm.ECONFLICT) {
		return nil, dm.Errorf(dm.ECONFLICT, "The handle @%s is taken.", handle)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Session is a logged-in session. Token is shown once, to its owner; only its
// hash is stored.
type Session struct {
	Token   string
	Account *dm.Account
}

// dummyHash makes a login for an unknown handle cost as much as a wrong
// password, so timing does not tell which handles exist.
// It is computed on first use, not when the package loads (argon2 costs 19 MiB).
var dummyHash = sync.OnceValue(func() string { return hashPassword("parley-dummy-password") })

// Login checks a handle and password and opens a session. remote is the
// caller's address, for throttling repeated failures.
func (s *Service) Login(ctx context.Context, handle, password, remote string) (*Session, error) {
	handle = dm.NormalizeHandle(handle)
	t := now()
	// Failures count per handle from one address (ten, then one try every
	// 30 s) and per address over all handles (fifty). Keying by handle alone
	// would let anyone lock a chosen person out from elsewhere.
	keys := []string{"h:" + handle + "@" + remote, "a:" + remote}
	for _, k := range keys {
		if d := s.loginLimitFor(k).wait(k, t); d > 0 {
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
		checkPassword(dummyHash(), password)
		hash = ""
	}
	if hash == "" || !checkPassword(hash, password) {
		for _, k := range keys {
			s.loginLimitFor(k).take(k, t)
		}
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Wrong handle or password.")
	}
	token := newToken()
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.CreateSession(ctx, hashToken(token), acc.ID, t.Add(s.cfg.SessionTTL))
	})
	if err != nil {
		return nil, err
	}
	return &Session{Token: token, Account: acc}, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := hashToken(token)
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.DeleteSession(ctx, hash)
	})
	// After the commit: a request authenticated meanwhile may have cached it again.
	s.sessions.drop(hash)
	return err
}

// Authenticate returns the account of a session token.
func (s *Service) Authenticate(ctx context.Context, token string) (*dm.Account, error) {
	if token == "" || len(token) > 128 {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Log in first.")
	}
	hash, t := hashToken(token), now()
	if acc := s.sessions.get(hash, t); acc != nil {
		return acc, nil
	}
	var acc *dm.Account
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		acc, err = tx.SessionAccount(ctx, hash, t)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "The session has ended. Log in again.")
	}
	if err != nil {
		return nil, err
	}
	s.sessions.put(hash, acc, t)
	return acc, nil
}

// loginLimitFor picks the bucket set of a login throttling key.
func (s *Service) loginLimitFor(key string) *limiter {
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

// Me returns the caller's account and settings.
func (s *Service) Me(ctx context.Context, me *dm.Account) (*dm.Account, dm.Settings, error) {
	var acc *dm.Account
	var set dm.Settings
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if acc, err = tx.Account(ctx, me.ID); err != nil {
			return err
		}
		set, err = tx.Settings(ctx, me.ID)
		return err
	})
	return acc, set, err
}

// MeUpdate holds the fields of PATCH /me; nil fields stay as they are.
type MeUpdate struct {
	DisplayName   *string
	Bio           *string
	AllowIncoming *string
	ReadReceipts  *bool
}

// UpdateMe changes the caller's profile and settings.
func (s *Service) UpdateMe(ctx context.Context, me *dm.Account, u MeUpdate) (*dm.Account, dm.Settings, error) {
	if u.DisplayName != nil {
		v := strings.TrimSpace(*u.DisplayName)
		if err := dm.ValidateDisplayName(v); err != nil {
			return nil, dm.Settings{}, err
		}
		if v == "" {
			return nil, dm.Settings{}, dm.Errorf(dm.EINVALID, "display_name is empty.")
		}
		u.DisplayName = &v
	}
	if u.Bio != nil {
		if err := dm.ValidateBio(*u.Bio); err != nil {
			return nil, dm.Settings{}, err
		}
	}
	if u.AllowIncoming != nil {
		switch *u.AllowIncoming {
		case dm.AllowEveryone, dm.AllowFollowing, dm.AllowNobody:
		default:
			return nil, dm.Settings{}, dm.Errorf(dm.EINVALID, "allow_incoming is everyone, following or nobody.")
		}
	}
	var acc *dm.Account
	var set dm.Settings
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		var err error
		if acc, err = tx.Account(ctx, me.ID); err != nil {
			return err
		}
		if set, err = tx.Settings(ctx, me.ID); err != nil {
			return err
		}
		if u.DisplayName != nil {
			acc.DisplayName = *u.DisplayName
		}
		if u.Bio != nil {
			acc.Bio = *u.Bio
		}
		if u.AllowIncoming != nil {
			set.AllowIncoming = *u.AllowIncoming
		}
		if u.ReadReceipts != nil {
			set.ReadReceipts = *u.ReadReceipts
		}
		return tx.UpdateAccount(ctx, acc, set)
	})
	// Sessions carry the account: the new name must show on the next request.
	s.sessions.dropUser(me.ID)
	return acc, set, err
}

// Search finds accounts by handle or name prefix, leaving out accounts that
// block the caller or that the caller blocks.
func (s *Service) Search(ctx context.Context, me *dm.Account, q string, limit int) ([]dm.Account, error) {
	q = strings.TrimPrefix(strings.TrimSpace(q), "@")
	if err := dm.ValidateQuery(q); err != nil {
		return nil, err
	}
	if q == "" {
		return []dm.Account{}, nil
	}
	out := []dm.Account{}
	err := s.store.View(ctx, func(tx dm.Tx) error {
		found, err := tx.SearchAccounts(ctx, q, limit+10)
		if err != nil {
			return err
		}
		for _, a := range found {
			if len(out) == limit {
				break
			}
			if a.ID != me.ID {
				r, err := tx.Relationship(ctx, me.ID, a.ID)
				if err != nil {
					return err
				}
				if r.Blocked() {
					continue
				}
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// SessionTTL is how long a new session lasts.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }
