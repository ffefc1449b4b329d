package brand

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

const maxCannedTitleRunes = 64

// CannedReplies lists a brand's canned replies (any team member).
func (s *Service) CannedReplies(ctx context.Context, me *dm.Account, handle string) ([]dm.CannedReply, error) {
	var out []dm.CannedReply
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.CannedReplies(ctx, a.brand.ID)
		return err
	})
	return out, err
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
}

// PutCannedReply creates (id "") or updates a canned reply (owners and
// admins). ECONFLICT when another reply has the title.
func (s *Service) PutCannedReply(ctx context.Context, me *dm.Account, handle, id string, u CannedUpdate) (*dm.CannedReply, error) {
	if id == "" && (u.Title == nil || u.Text == nil) {
		return nil, dm.Errorf(dm.EINVALID, "A canned reply needs a title and a text.")
	}
	var out *dm.CannedReply
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		t := s.now()
		c := &dm.CannedReply{ID: dm.NewID(), BrandID: a.brand.ID, CreatedAt: t}
		if id != "" {
			if c, err = tx.CannedReply(ctx, a.brand.ID, id); dm.IsCode(err, dm.ENOTFOUND) {
				return dm.Errorf(dm.ENOTFOUND, "No canned reply %q.", dm.Truncate(id, 40))
			} else if err != nil {
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

// DeleteCannedReply deletes a canned reply (owners and admins).
func (s *Service) DeleteCannedReply(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		err = tx.DeleteCannedReply(ctx, a.brand.ID, id)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No canned reply %q.", dm.Truncate(id, 40))
		}
		return err
	})
}
