package chat

import (
	"context"
	"strconv"

	"github.com/parleyhq/parley/internal/dm"
)

// ParseCursor reads an event cursor: a non-negative decimal event seq.
func ParseCursor(cursor string) (int64, error) {
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || n < 0 {
		return 0, dm.Errorf(dm.EINVALID, "cursor is an event seq (a non-negative whole number).")
	}
	return n, nil
}

// Events returns the caller's events after cursor, oldest first, and the
// cursor to continue from. An empty cursor starts from now.
func (s *Service) Events(ctx context.Context, me *dm.Account, cursor string, limit int) ([]dm.Event, string, error) {
	if cursor == "" {
		last, err := s.LastSeq(ctx, me)
		return []dm.Event{}, strconv.FormatInt(last, 10), err
	}
	var out []dm.Event
	var last int64
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if last, err = ParseCursor(cursor); err != nil {
			return err
		}
		out, err = tx.Events(ctx, me.ID, last, limit)
		if dm.IsCode(err, dm.EGONE) {
			return dm.Errorf(dm.EGONE, "The cursor is older than the event log; resync and start from a new cursor.")
		}
		if err != nil {
			return err
		}
		if len(out) > 0 {
			last = out[len(out)-1].Seq
			if out, last, err = s.filterPage(ctx, tx, me.ID, out, last, limit); err != nil {
				return err
			}
			return redactGone(ctx, tx, me.ID, out)
		}
		// A cursor beyond the log comes from another database (a reset, a
		// restore): waiting on it would never deliver anything.
		newest, err := tx.LastEventSeq(ctx, me.ID)
		if err == nil && last > newest {
			return dm.Errorf(dm.EGONE, "The cursor is ahead of the event log; resync and start from a new cursor.")
		}
		return err
	})
	if out == nil {
		out = []dm.Event{}
	}
	return out, strconv.FormatInt(last, 10), err
}

// filterPage lets the pipeline's EventFilters withhold events of a page
// read from after..last of readerID's log, and tops a page they shortened
// up from further on: a page shorter than asked still means the end of the
// log (the WebSocket's catch-up and clients stop there), and the cursor
// moves past what was withheld. It returns the page and its last seq read.
func (s *Service) filterPage(ctx context.Context, tx dm.Tx, readerID string, page []dm.Event, last int64, limit int) ([]dm.Event, int64, error) {
	if len(s.filters) == 0 {
		return page, last, nil
	}
	full := len(page) >= limit
	out, err := s.filterEvents(ctx, tx, readerID, page)
	for err == nil && full && len(out) < limit {
		var more []dm.Event
		if more, err = tx.Events(ctx, readerID, last, limit-len(out)); err != nil || len(more) == 0 {
			break
		}
		full, last = len(more) >= limit-len(out), more[len(more)-1].Seq
		if more, err = s.filterEvents(ctx, tx, readerID, more); err == nil {
			out = append(out, more...)
		}
	}
	return out, last, err
}

func (s *Service) filterEvents(ctx context.Context, tx dm.Tx, readerID string, evs []dm.Event) ([]dm.Event, error) {
	var err error
	for _, f := range s.filters {
		if evs, err = f.FilterEvents(ctx, tx, readerID, evs); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// LastSeq returns the newest seq of the caller's event log: from the
// store's memory when it knows it (dm.EventSeqPeeker: SQLite, no
// transaction), else in a read transaction. It is never older than the
// newest event of a change that has returned.
func (s *Service) LastSeq(ctx context.Context, me *dm.Account) (int64, error) {
	if pk, ok := s.store.(dm.EventSeqPeeker); ok {
		if seq, ok := pk.PeekLastEventSeq(me.ID); ok {
			return seq, nil
		}
	}
	var seq int64
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		seq, err = tx.LastEventSeq(ctx, me.ID)
		return err
	})
	return seq, err
}

// carried returns the messages an event carries: its message, and the last
// message of the conversation or inbox view it holds.
func carried(ev *dm.Event) []**dm.Message {
	var out []**dm.Message
	if ev.Message != nil {
		out = append(out, &ev.Message)
	}
	if ev.Conversation != nil && ev.Conversation.LastMessage != nil {
		out = append(out, &ev.Conversation.LastMessage)
	}
	if ev.Inbox != nil && ev.Inbox.LastMessage != nil {
		out = append(out, &ev.Inbox.LastMessage)
	}
	return out
}

// redactGone blanks, in a page of events read back from the log, the
// messages that are gone since the events were logged: deleted for
// everyone, or by the caller for themself. The log keeps each event as it
// was sent, so without this a client reading from an older cursor (another
// device, a stream catching up, the XRPC log) would get an unsent
// message's text back for as long as events are kept, in the event's
// message or in the last message of the conversation or inbox view it
// carries. A gone message reads as the message.deleted event shows it:
// deleted, without text, reactions or files. One statement for the page
// (dm.MessageTx.GoneMessages). The events are the store's fresh decodes,
// so they are changed in place.
func redactGone(ctx context.Context, tx dm.Tx, viewerID string, evs []dm.Event) error {
	var ids []string
	seen := map[string]bool{}
	for i := range evs {
		for _, pm := range carried(&evs[i]) {
			if m := *pm; !m.Deleted && !seen[m.ID] {
				seen[m.ID] = true
				ids = append(ids, m.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	gone, err := tx.GoneMessages(ctx, viewerID, ids)
	if err != nil || len(gone) == 0 {
		return err
	}
	for i := range evs {
		for _, pm := range carried(&evs[i]) {
			if m := *pm; gone[m.ID] {
				*pm = m.Gone()
			}
		}
	}
	return nil
}

// AllowNotice thins ephemeral notices (typing, presence): one a second per
// key is all a UI shows, so extra ones are dropped rather than fanned out.
func (s *Service) AllowNotice(key string) bool {
	return s.typing.Take(key, s.cfg.Now()) == 0
}

// Typing tells the other members of a conversation that the caller is
// typing. It is ephemeral: it goes over the bus only, never into the log.
func (s *Service) Typing(ctx context.Context, me *dm.Account, convID string) error {
	// The account's own allowance is looked at first, without spending
	// it: the thinning below keeps a bucket for every conversation id a
	// notice names, which is checked only after, so a flood of made-up ids
	// (a few bytes each on the WebSocket) grew it by one bucket per frame.
	// Now an id gets a bucket only while the account may still type.
	if err := s.typingSpent(me); err != nil {
		return err
	}
	if !s.AllowNotice("typing/" + me.ID + "/" + convID) {
		return nil
	}
	if err := s.checkTyping(me); err != nil {
		return err
	}
	var ns []dm.Notification
	err := s.store.View(ctx, func(tx dm.Tx) error {
		if _, err := membershipFor(ctx, tx, convID, me.ID); err != nil {
			return err
		}
		ms, err := tx.Memberships(ctx, convID)
		if err != nil {
			return err
		}
		ev := dm.Event{Type: dm.EventTyping, ConversationID: convID, At: s.now(), Actor: ptr(me.Profile())}
		direct := isDirect(ms)
		for _, x := range ms {
			if x.UserID == me.ID {
				continue
			}
			// A block hides even this, in both directions.
			r, err := tx.Relationship(ctx, me.ID, x.UserID)
			if err != nil {
				return err
			}
			if r.Blocked() {
				continue
			}
			// So do the settings of someone who has not accepted a direct
			// conversation and would refuse a message from the caller now
			// (allow_incoming "nobody", or "following"): a stranger turned
			// away cannot keep reaching their devices with notices.
			if direct && x.Status != dm.StatusAccepted {
				set, err := tx.Settings(ctx, x.UserID)
				if err != nil {
					return err
				}
				if refuseByAllowIncoming(set, &dm.Account{ID: x.UserID}, r) != nil {
					continue
				}
			}
			ns = append(ns, dm.Notification{UserID: x.UserID, Events: []dm.Event{ev}})
		}
		return nil
	})
	if err != nil || len(ns) == 0 {
		return err
	}
	return s.bus.Publish(ctx, ns...)
}
