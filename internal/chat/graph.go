package chat

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// Profile is an account as another account sees it.
type Profile struct {
	Account        *dm.Account
	FollowersCount int
	FollowingCount int
	FollowedByMe   bool
	FollowsMe      bool
	BlockedByMe    bool
	CanMessage     bool
	// CannotMessageReason says why CanMessage is false, in words a UI can show.
	CannotMessageReason string
}

// Profile returns the account with a handle as me sees it.
func (s *Service) Profile(ctx context.Context, me *dm.Account, handle string) (*Profile, error) {
	var p Profile
	err := s.store.View(ctx, func(tx dm.Tx) error {
		acc, err := accountByHandle(ctx, tx, handle)
		if err != nil {
			return err
		}
		p.Account = acc
		if p.FollowersCount, p.FollowingCount, err = tx.FollowCounts(ctx, acc.ID); err != nil {
			return err
		}
		if acc.ID == me.ID {
			p.CannotMessageReason = "This is you."
			return nil
		}
		r, err := tx.Relationship(ctx, me.ID, acc.ID)
		if err != nil {
			return err
		}
		p.FollowedByMe, p.FollowsMe, p.BlockedByMe = r.AFollowsB, r.BFollowsA, r.ABlocksB
		err = canStartDirect(ctx, tx, me, acc, r)
		if err == nil {
			p.CanMessage = true
		} else if dm.IsCode(err, dm.EFORBIDDEN) {
			// An accepted conversation stays open whatever the settings say.
			if id, err2 := tx.DirectConversationID(ctx, me.ID, acc.ID); err2 == nil {
				if m, err3 := tx.Membership(ctx, id, acc.ID); err3 == nil && dm.DirectStaysOpen(r, *m) {
					p.CanMessage = true
					return nil
				}
			}
			p.CannotMessageReason = dm.ErrorMessage(err)
		} else {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// canStartDirect applies the rules for opening a conversation with to:
// no block either way, and to's allow_incoming setting. r is from me to to.
func canStartDirect(ctx context.Context, tx dm.Tx, me, to *dm.Account, r dm.Relationship) error {
	if r.ABlocksB {
		return forbidden(dm.ReasonBlockedByYou, "You blocked @%s. Unblock them to send a message.", to.Handle)
	}
	if r.BBlocksA {
		return forbidden(dm.ReasonBlocksYou, "You can't message @%s.", to.Handle)
	}
	set, err := tx.Settings(ctx, to.ID)
	if err != nil {
		return err
	}
	return refuseByAllowIncoming(set, to, r)
}

// refuseByAllowIncoming is canStartDirect's verdict from to's settings,
// once no block stands; to's handle only words a refusal.
func refuseByAllowIncoming(set dm.Settings, to *dm.Account, r dm.Relationship) error {
	switch set.AllowIncoming {
	case dm.AllowNobody:
		return forbidden(dm.ReasonNotAccepting, "@%s doesn't accept new messages.", to.Handle)
	case dm.AllowFollowing:
		if !r.BFollowsA {
			return forbidden(dm.ReasonNotFollowed, "@%s only accepts messages from people they follow.", to.Handle)
		}
	}
	return nil
}

// forbidden is an EFORBIDDEN error with its reason.
func forbidden(reason, format string, args ...any) error {
	e := dm.Errorf(dm.EFORBIDDEN, format, args...)
	e.Reason = reason
	return e
}

func accountByHandle(ctx context.Context, tx dm.Tx, handle string) (*dm.Account, error) {
	h := dm.NormalizeHandle(handle)
	if dm.ValidateHandle(h) != nil {
		return nil, dm.Errorf(dm.ENOTFOUND, "No account @%s.", h)
	}
	acc, err := tx.AccountByHandle(ctx, h)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No account @%s.", h)
	}
	return acc, err
}

// Follow makes me follow (on) or unfollow the account with a handle. Idempotent.
func (s *Service) Follow(ctx context.Context, me *dm.Account, handle string, on bool) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		acc, err := accountByHandle(ctx, tx, handle)
		if err != nil {
			return err
		}
		if acc.ID == me.ID {
			return dm.Errorf(dm.EINVALID, "You can't follow yourself.")
		}
		if on {
			r, err := tx.Relationship(ctx, me.ID, acc.ID)
			if err != nil {
				return err
			}
			if r.Blocked() {
				return dm.Errorf(dm.EFORBIDDEN, "You can't follow @%s.", acc.Handle)
			}
		}
		return tx.SetFollow(ctx, me.ID, acc.ID, on)
	})
}

// Block makes me block (on) or unblock the account with a handle. Blocking
// also ends follows both ways, as people expect. Idempotent.
func (s *Service) Block(ctx context.Context, me *dm.Account, handle string, on bool) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		acc, err := accountByHandle(ctx, tx, handle)
		if err != nil {
			return err
		}
		if acc.ID == me.ID {
			return dm.Errorf(dm.EINVALID, "You can't block yourself.")
		}
		if on {
			if err := tx.SetFollow(ctx, me.ID, acc.ID, false); err != nil {
				return err
			}
			if err := tx.SetFollow(ctx, acc.ID, me.ID, false); err != nil {
				return err
			}
			if err := s.Strike(ctx, tx, acc.ID, me.ID, dm.StrikeBlocked); err != nil {
				return err
			}
		}
		return tx.SetBlock(ctx, me.ID, acc.ID, on)
	})
}

// Blocked lists the accounts me blocks, by handle, so that they can be
// unblocked; nobody else may see it.
func (s *Service) Blocked(ctx context.Context, me *dm.Account, cursor string, limit int) ([]dm.Account, string, error) {
	var out []dm.Account
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) (err error) {
		out, next, err = tx.Blocked(ctx, me.ID, cursor, limit)
		return err
	})
	if out == nil {
		out = []dm.Account{}
	}
	return out, next, err
}

// Followers lists who follows the account with a handle (following=false),
// or whom it follows (following=true), as me may see it.
func (s *Service) Followers(ctx context.Context, me *dm.Account, handle string, following bool, cursor string, limit int) ([]dm.Account, string, error) {
	var out []dm.Account
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		acc, err := accountByHandle(ctx, tx, handle)
		if err != nil {
			return err
		}
		// Blocking hides both ways: neither side browses the other's
		// follows, and nobody in a list is someone who blocks me or whom I
		// block (the store leaves them out, as Search does below).
		if blocked, err := blockedWith(ctx, tx, me, acc.ID); err != nil || blocked {
			return err
		}
		if following {
			out, next, err = tx.Following(ctx, acc.ID, me.ID, cursor, limit)
		} else {
			out, next, err = tx.Followers(ctx, acc.ID, me.ID, cursor, limit)
		}
		return err
	})
	if out == nil {
		out = []dm.Account{}
	}
	return out, next, err
}

// blockedWith reports whether me and the account with id block each other
// in either direction (never for me myself).
func blockedWith(ctx context.Context, tx dm.Tx, me *dm.Account, id string) (bool, error) {
	if id == me.ID {
		return false, nil
	}
	r, err := tx.Relationship(ctx, me.ID, id)
	return r.Blocked(), err
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
			if blocked, err := blockedWith(ctx, tx, me, a.ID); err != nil {
				return err
			} else if !blocked {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}
