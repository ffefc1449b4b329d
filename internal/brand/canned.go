package brand

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

const (
	maxCannedTitleRunes = 64
	// maxCanned bounds the canned replies of one owner, and the team's
	// shared ones, as maxMacros bounds macros: without it any agent could
	// save replies without end, and every member's list reads them all.
	maxCanned = 200
)

// CannedReplies lists the canned replies the caller may use: the team's
// shared ones and the caller's own (any team member).
func (s *Service) CannedReplies(ctx context.Context, me *dm.Account, handle string) ([]dm.CannedReply, error) {
	out := []dm.CannedReply{}
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		all, err := tx.CannedReplies(ctx, a.brand.ID)
		for _, c := range all {
			if cannedVisible(&c, me) {
				out = append(out, c)
			}
		}
		return err
	})
	return out, err
}

// cannedVisible: a shared reply is the whole team's; an agent's own is
// theirs alone (to anyone else it does not exist).
func cannedVisible(c *dm.CannedReply, me *dm.Account) bool {
	return c.OwnerID == "" || c.OwnerID == me.ID
}

// mayEdit tells whether the caller may change or delete something shared
// (owners and admins) or owned (its owner only); a stranger's own is a 404.
func mayEdit(a *access, ownerID, what, id string) error {
	switch {
	case ownerID == a.me.ID:
		return nil
	case ownerID != "":
		return dm.Errorf(dm.ENOTFOUND, "No %s %q.", what, dm.Truncate(id, 40))
	case !a.manager():
		return dm.Errorf(dm.EFORBIDDEN, "Only the brand's owners and admins change the team's shared %ss; save your own instead.", what)
	}
	return nil
}

// checkCanned validates a reply's title and text; the text's placeholders
// are parsed now, so that a broken reply is refused when saved.
func checkCanned(title, text string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		return "", dm.Errorf(dm.EINVALID, "title is empty.")
	}
	if err := dm.ValidateTitle(title); err != nil {
		return "", err
	}
	if len([]rune(title)) > maxCannedTitleRunes {
		return "", dm.Errorf(dm.EINVALID, "title has at most %d characters.", maxCannedTitleRunes)
	}
	if err := dm.ValidateText(text); err != nil {
		return "", err
	}
	if _, err := ParseTemplate(text); err != nil {
		return "", err
	}
	return title, nil
}

// CannedUpdate changes a canned reply; nil fields stay.
type CannedUpdate struct {
	Title *string
	Text  *string
	// Personal keeps a new reply for the caller alone. Agents' replies
	// always are; owners' and admins' are shared unless they say so.
	Personal bool
}

// PutCannedReply creates (id "") or updates a canned reply: any member
// keeps their own; owners and admins also keep the team's shared ones.
// ECONFLICT when another reply of the same owner has the title.
func (s *Service) PutCannedReply(ctx context.Context, me *dm.Account, handle, id string, u CannedUpdate) (*dm.CannedReply, error) {
	if id == "" && (u.Title == nil || u.Text == nil) {
		return nil, dm.Errorf(dm.EINVALID, "A canned reply needs a title and a text.")
	}
	var out *dm.CannedReply
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		t := s.now()
		c := &dm.CannedReply{ID: dm.NewID(), BrandID: a.brand.ID, CreatedAt: t}
		if u.Personal || !a.manager() {
			c.OwnerID = me.ID
		}
		if id == "" {
			all, err := tx.CannedReplies(ctx, a.brand.ID)
			if err != nil {
				return err
			}
			n := 0
			for _, x := range all {
				if x.OwnerID == c.OwnerID {
					n++
				}
			}
			if n >= maxCanned {
				whose := "of your own"
				if c.OwnerID == "" {
					whose = "shared by the team"
				}
				return dm.Errorf(dm.EINVALID, "At most %d canned replies %s; delete some first.", maxCanned, whose)
			}
		} else {
			if c, err = tx.CannedReply(ctx, a.brand.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
				return dm.Errorf(dm.ENOTFOUND, "No canned reply %q.", dm.Truncate(id, 40))
			} else if err != nil {
				return err
			}
			if err := mayEdit(a, c.OwnerID, "canned reply", id); err != nil {
				return err
			}
		}
		if u.Title != nil {
			c.Title = *u.Title
		}
		if u.Text != nil {
			c.Text = *u.Text
		}
		if c.Title, err = checkCanned(c.Title, c.Text); err != nil {
			return err
		}
		c.UpdatedAt = t
		err = tx.PutCannedReply(ctx, c)
		if dm.IsCode(err, dm.ECONFLICT) {
			return dm.Errorf(dm.ECONFLICT, "A canned reply is already titled %q.", c.Title)
		}
		out = c
		return err
	})
	return out, err
}

// DeleteCannedReply deletes a canned reply (its owner; shared ones: owners
// and admins).
func (s *Service) DeleteCannedReply(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := tx.CannedReply(ctx, a.brand.ID, id)
		if err == nil {
			if err := mayEdit(a, c.OwnerID, "canned reply", id); err != nil {
				return err
			}
			err = tx.DeleteCannedReply(ctx, a.brand.ID, id)
		}
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No canned reply %q.", dm.Truncate(id, 40))
		}
		return err
	})
}
