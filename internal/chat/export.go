package chat

import (
	"context"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The kinds of ExportItem, in the order Export hands them out.
const (
	ExportFollowing    = "following"
	ExportBlocked      = "blocked"
	ExportConversation = "conversation"
	ExportMessage      = "message"
)

// exportPage is how many conversations or messages one read of an export
// takes: each page is a read of its own, so an export of a busy account
// never holds one long transaction.
const exportPage = 200

// ExportItem is one record of a person's data (Export): an account they
// follow or block, a conversation as they see it, or one of its messages.
type ExportItem struct {
	Kind         string
	Account      *dm.Account
	Conversation *dm.Conversation
	Message      *dm.Message
}

// Export hands emit, item by item, what the person can read: the accounts
// they follow, those they block, then every conversation of their folders
// (inbox, requests, archived) as they see it, each followed by its messages
// newest first, as the API pages them (same membership and clear rules,
// decorated the same way). Attachments are their metadata, not their bytes.
// A conversation that moves between folders while the export runs is
// written once. One export runs at a time per account (ERATELIMITED for a
// second); emit's error stops the walk and is returned.
func (s *Service) Export(ctx context.Context, me *dm.Account, emit func(ExportItem) error) error {
	if _, running := s.exporting.LoadOrStore(me.ID, struct{}{}); running {
		return &dm.Error{Code: dm.ERATELIMITED, Message: "An export of your data is already running.", RetryAfter: exportWait}
	}
	defer s.exporting.Delete(me.ID)
	for _, following := range []bool{true, false} {
		kind, cursor := ExportFollowing, ""
		if !following {
			kind = ExportBlocked
		}
		for {
			var accs []dm.Account
			var next string
			var err error
			if following {
				accs, next, err = s.Followers(ctx, me, me.Handle, true, cursor, exportPage)
			} else {
				accs, next, err = s.Blocked(ctx, me, cursor, exportPage)
			}
			if err != nil {
				return err
			}
			for i := range accs {
				if err := emit(ExportItem{Kind: kind, Account: &accs[i]}); err != nil {
					return err
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	seen := map[string]bool{}
	for _, folder := range []string{dm.FolderInbox, dm.FolderRequests, dm.FolderArchived} {
		cursor := ""
		for {
			var convs []dm.Conversation
			var next string
			err := s.store.View(ctx, func(tx dm.Tx) error {
				var err error
				convs, next, err = tx.Conversations(ctx, me.ID, folder, cursor, exportPage)
				return err
			})
			if err != nil {
				return err
			}
			for i := range convs {
				c := &convs[i]
				if seen[c.ID] {
					continue
				}
				seen[c.ID] = true
				if err := emit(ExportItem{Kind: ExportConversation, Conversation: c}); err != nil {
					return err
				}
				if err := s.exportMessages(ctx, me, c.ID, emit); err != nil {
					return err
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return nil
}

// exportWait is the Retry-After of a second export while one runs.
const exportWait = 30 * time.Second

// exportMessages hands emit a conversation's messages as the person sees
// them, newest first, a page per read. A conversation the person left
// meanwhile ends its messages there.
func (s *Service) exportMessages(ctx context.Context, me *dm.Account, convID string, emit func(ExportItem) error) error {
	var before int64
	for {
		var page []dm.Message
		err := s.store.View(ctx, func(tx dm.Tx) error {
			if _, err := membershipFor(ctx, tx, convID, me.ID); err != nil {
				return err
			}
			var err error
			if page, err = tx.Messages(ctx, convID, me.ID, before, exportPage); err != nil {
				return err
			}
			return s.decorate(ctx, tx, page)
		})
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range page {
			if err := emit(ExportItem{Kind: ExportMessage, Message: &page[i]}); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		before = page[len(page)-1].Seq
	}
}
