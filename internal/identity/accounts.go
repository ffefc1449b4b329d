package identity

import (
	"context"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/ratelimit"
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
	// Each sign-up costs an argon2 hash (19 MiB, tens of ms in production):
	// one address may not make them without end.
	if p.Remote != "" {
		if d := s.signupLimit.Take("a:"+ratelimit.NetworkKey(p.Remote), s.cfg.Now()); d > 0 {
			return nil, &dm.Error{Code: dm.ERATELIMITED, Message: "Too many sign-ups from this address. Try again later.", RetryAfter: d}
		}
	}
	a := &dm.Account{ID: dm.NewID(), Handle: handle, DisplayName: name, Kind: kind, CreatedAt: s.now()}
	hash := s.hashPassword(p.Password) // slow on purpose: outside the transaction
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		if err := checkNameNotHandle(ctx, tx, a.Handle, name); err != nil {
			return err
		}
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
	TimeZone      *string
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
	if u.TimeZone != nil && *u.TimeZone != "" {
		if len(*u.TimeZone) > 64 || *u.TimeZone == "Local" {
			return nil, dm.Settings{}, dm.Errorf(dm.EINVALID, "time_zone is an IANA time zone name such as Europe/Paris, or empty.")
		}
		if _, err := time.LoadLocation(*u.TimeZone); err != nil {
			return nil, dm.Settings{}, dm.Errorf(dm.EINVALID, "time_zone is an IANA time zone name such as Europe/Paris, or empty.")
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
		if u.DisplayName != nil && *u.DisplayName != acc.DisplayName {
			if err := checkNameNotHandle(ctx, tx, acc.Handle, *u.DisplayName); err != nil {
				return err
			}
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
		if u.TimeZone != nil {
			set.TimeZone = *u.TimeZone
		}
		return tx.UpdateAccount(ctx, acc, set)
	})
	// Sessions carry the account: the new name must show on the next request.
	s.sessions.dropUser(me.ID)
	return acc, set, err
}

// AccountByID returns the account with an id, as anyone may see it (the
// XRPC surface names accounts by DIDs built from their ids).
func (s *Service) AccountByID(ctx context.Context, id string) (*dm.Account, error) {
	var acc *dm.Account
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		acc, err = tx.Account(ctx, id)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No account with that id.")
	}
	return acc, err
}

// AccountByHandle returns the account with a handle, as anyone may see it
// (the XRPC surface resolves handles to DIDs before a login).
func (s *Service) AccountByHandle(ctx context.Context, handle string) (*dm.Account, error) {
	h := dm.NormalizeHandle(handle)
	notFound := dm.Errorf(dm.ENOTFOUND, "No account @%s.", h)
	if dm.ValidateHandle(h) != nil {
		return nil, notFound
	}
	var acc *dm.Account
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		acc, err = tx.AccountByHandle(ctx, h)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, notFound
	}
	return acc, err
}

// checkNameNotHandle refuses a display name that reads as another
// account's handle (case and look-alike letters aside, dm.FoldForHandle):
// "@alice" or "Аlice" in Cyrillic must not pass for @alice in a Requests
// list. The account's own handle is fine.
func checkNameNotHandle(ctx context.Context, tx dm.Tx, ownHandle, name string) error {
	f := dm.FoldForHandle(name)
	for _, h := range []string{f, strings.ReplaceAll(f, " ", "_")} {
		if h == ownHandle || dm.ValidateHandle(h) != nil {
			continue
		}
		_, err := tx.AccountByHandle(ctx, h)
		if err == nil {
			return dm.Errorf(dm.EINVALID, "display_name reads as the handle of another account (@%s): choose another name.", h)
		}
		if !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		}
	}
	return nil
}
