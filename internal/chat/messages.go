package chat

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// SendParams is one message to send.
type SendParams struct {
	Text string
	// ClientID makes the send safe to retry: a second send with the same
	// ClientID from the same sender returns the first message.
	ClientID string
	ReplyTo  string
	// Payload is the payload of the quick reply, ice breaker or menu entry
	// the customer tapped to send Text (for a brand's bot).
	Payload string
	// Attachments are ids of the sender's uploads to put on the message
	// (internal/media's Step attaches them); with any, Text may be empty.
	Attachments []string

	// The fields below are set only by internal/brand, never from a
	// request body. Agent is the brand team member who writes as the brand
	// (the sender); Automated marks a bot's message; AgentName is the
	// writer's first name shown to the customer ("" shows none).
	Agent     *dm.Account
	Automated bool
	AgentName string
	// QuickReplies are buttons under a brand's message (set by the brand
	// layer's bot, validated there).
	QuickReplies []dm.QuickReply
	// Purpose is what an automated message is for, as the consent engine
	// weighs it (internal/consent: reply, follow_up, promotional; "" is a
	// reply).
	Purpose string
	// Within runs inside the send's transaction, after every step, so that
	// what it changes commits with the message or not at all (a brand
	// macro: the reply, then labels, status and assignment). An error
	// rolls the send back. It does not run for a retry that finds the
	// message of its ClientID.
	Within func(ctx context.Context, tx dm.Tx, out Outbox, msg *dm.Message) error
	// Campaign is the campaign delivery the message fulfils (set by the
	// brand layer's campaign sender): the brand's stage marks it sent in
	// the message's own transaction.
	Campaign *dm.CampaignSend
	// Product is the product card the message carries (set by the brand
	// layer from its catalog; its stage stores it with the message).
	Product *dm.ProductCard

	// charged is set by SendBatch, which spends the send limit for the
	// whole batch before its transaction.
	charged bool
}

// maxReactionsPerUser bounds how many different emoji one person puts on one message.
const maxReactionsPerUser = 10

// Send sends a message. created is false when ClientID named a message
// already sent, which is then returned unchanged.
func (s *Service) Send(ctx context.Context, me *dm.Account, convID string, p SendParams) (msg *dm.Message, created bool, err error) {
	if err := s.validSend(me, p); err != nil {
		return nil, false, err
	}
	err = s.update(ctx, func(tx dm.Tx, o *outbox) error {
		msg, created, err = s.send(ctx, tx, o, me, convID, p)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return msg, created, nil
}

// SendDirect sends a message to the direct conversation between me and
// to, opening it first when there is none, in one transaction: the first
// message to someone (a brand's campaign message) costs one write, not
// two, and a send refused (the consent engine, the chat rules) leaves no
// empty conversation behind. The checks are CreateConversation's and Send's.
func (s *Service) SendDirect(ctx context.Context, me, to *dm.Account, p SendParams) (msg *dm.Message, created bool, err error) {
	if err := s.validSend(me, p); err != nil {
		return nil, false, err
	}
	if to.ID == me.ID {
		return nil, false, dm.Errorf(dm.EINVALID, "members names at least one other account.")
	}
	err = s.update(ctx, func(tx dm.Tx, o *outbox) error {
		conv, _, err := s.openDirect(ctx, tx, o, me, to, false)
		if err != nil {
			return err
		}
		msg, created, err = s.send(ctx, tx, o, me, conv.ID, p)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return msg, created, nil
}

// SendItem is one message of SendBatch.
type SendItem struct {
	ConvID string
	Params SendParams
}

// SendBatch sends several messages (to one or several of the caller's
// conversations) in one transaction: all of them, or none when one is
// refused, so that a client that retries a refused batch sends nothing
// twice. The batch spends its whole share of the send limit at once, up
// front, and so may hold at most the limit's burst.
func (s *Service) SendBatch(ctx context.Context, me *dm.Account, items []SendItem) ([]*dm.Message, error) {
	for _, it := range items {
		if err := s.validSend(me, it.Params); err != nil {
			return nil, err
		}
	}
	if s.sendLimit != nil {
		if len(items) > s.cfg.SendBurst {
			return nil, dm.Errorf(dm.EINVALID, "A batch holds at most %d messages (the send limit's burst).", s.cfg.SendBurst)
		}
		if d := s.sendLimit.TakeN(me.ID, float64(len(items)), s.cfg.Now()); d > 0 {
			return nil, s.sendLimited(d)
		}
	}
	// The sends run in conversation order (a conversation's own messages
	// keep theirs), so that two batches of the same person lock their
	// conversations in one order and cannot deadlock on PostgreSQL; the
	// answer keeps the batch's order.
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(items[a].ConvID, items[b].ConvID) })
	msgs := make([]*dm.Message, len(items))
	err := s.update(ctx, func(tx dm.Tx, o *outbox) error {
		for _, i := range order {
			it := items[i]
			p := it.Params
			p.charged = true
			msg, _, err := s.send(ctx, tx, o, me, it.ConvID, p)
			if err != nil {
				return err
			}
			msgs[i] = msg
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

// validSend checks what a send needs before its transaction.
func (s *Service) validSend(me *dm.Account, p SendParams) error {
	// A suspended account sends nothing: its sessions are gone, and this
	// stops what acts for it without one (a brand's bot, away message, agents).
	if me.Suspended {
		return dm.Errorf(dm.EFORBIDDEN, "This account is suspended.")
	}
	if len(p.Attachments) == 0 || p.Text != "" {
		if err := dm.ValidateText(p.Text); err != nil {
			return err
		}
	}
	if len(p.Attachments) > dm.MaxAttachments {
		return dm.Errorf(dm.EINVALID, "A message carries at most %d attachments.", dm.MaxAttachments)
	}
	if err := dm.ValidateClientID(p.ClientID); err != nil {
		return err
	}
	return dm.ValidatePayload(p.Payload)
}

// send is Send's transaction.
func (s *Service) send(ctx context.Context, tx dm.Tx, o *outbox, me *dm.Account, convID string, p SendParams) (msg *dm.Message, created bool, err error) {
	// A store that can read what the send needs in one round trip does it
	// here (a no-op once the transaction ran a statement: SendDirect's open).
	if sp, ok := tx.(dm.SendPreparer); ok {
		if err := sp.PrepareSend(ctx, me.ID, convID, p.ClientID); err != nil {
			return nil, false, err
		}
	}
	if p.ClientID != "" {
		prev, err := tx.MessageByClientID(ctx, me.ID, p.ClientID)
		if err == nil {
			if prev.ConversationID != convID {
				return nil, false, dm.Errorf(dm.ECONFLICT, "client_id %q was already used in another conversation.", p.ClientID)
			}
			// Only a member gets the message back: to someone removed
			// from the group since (or who left it) the conversation
			// no longer exists, and the message as it stands now (its
			// reactions, an unsend) is what they may no longer see.
			ms, err := tx.Memberships(ctx, convID)
			if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
				return nil, false, err
			}
			if findMember(ms, me.ID) == nil {
				return nil, false, notFoundConversation(convID)
			}
			// The retry gets the message as history shows it
			// (attachments, a bot's mark), not the bare row.
			one := []dm.Message{*prev}
			if err := s.decorate(ctx, tx, one); err != nil {
				return nil, false, err
			}
			return &one[0], false, nil
		}
		if !dm.IsCode(err, dm.ENOTFOUND) {
			return nil, false, err
		}
	}
	// The rate limit counts new messages only: a retry is free. An
	// agent writing as a brand spends their own allowance, so that a
	// team is not held to one person's pace; a bot's message (the away
	// message) is bounded by the customer message that triggers it.
	limitKey := me.ID
	if p.Agent != nil {
		limitKey = p.Agent.ID
	}
	if !p.Automated && !p.charged {
		if d := s.sendLimit.Take(limitKey, s.cfg.Now()); d > 0 {
			return nil, false, s.sendLimited(d)
		}
	}
	// One read of the member list serves the membership check, the
	// rules and the fan-out: this transaction is the hot path.
	ms, err := tx.Memberships(ctx, convID)
	if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
		return nil, false, err
	}
	m := findMember(ms, me.ID)
	if m == nil {
		return nil, false, notFoundConversation(convID)
	}
	if err := s.checkSend(ctx, tx, me, ms); err != nil {
		return nil, false, err
	}
	if err := s.checkRequestMessages(ctx, tx, me, convID, ms, p); err != nil {
		return nil, false, err
	}
	if p.ReplyTo != "" {
		r, err := tx.Message(ctx, p.ReplyTo, me.ID)
		if err != nil || r.ConversationID != convID {
			if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
				return nil, false, err
			}
			return nil, false, dm.Errorf(dm.ENOTFOUND, "reply_to names no message of this conversation.")
		}
	}
	t := s.now()
	msg = &dm.Message{
		ID: dm.NewID(), ConversationID: convID, Sender: me.Profile(), Text: p.Text,
		ReplyTo: p.ReplyTo, Reactions: []dm.Reaction{}, CreatedAt: t,
		Automated: p.Automated, AgentName: p.AgentName, QuickReplies: p.QuickReplies, Product: p.Product,
	}
	if err := tx.InsertMessage(ctx, msg, p.ClientID); err != nil {
		return nil, false, err
	}
	created = true
	// Replying to a request accepts it.
	if m.Status != dm.StatusAccepted {
		if err := s.accept(ctx, tx, o, me, m); err != nil {
			return nil, false, err
		}
	}
	if len(s.steps) > 0 {
		sent := &Sent{Sender: me, Message: msg, Members: ms, Direct: isDirect(ms), Params: p}
		for _, st := range s.steps {
			if err := st.MessageStored(ctx, tx, Outbox{o: o, tx: tx}, sent); err != nil {
				return nil, false, err
			}
		}
	}
	if p.Within != nil {
		if err := p.Within(ctx, tx, Outbox{o: o, tx: tx}, msg); err != nil {
			return nil, false, err
		}
	}
	ev := dm.Event{Type: dm.EventMessageCreated, ConversationID: convID, At: t, Message: msg}
	ids := make([]string, len(ms))
	for i, x := range ms {
		ids[i] = x.UserID
	}
	if err := o.addAll(ctx, tx, ids, ev); err != nil {
		return nil, false, err
	}
	// Writing means having read what came before. The sender's marker
	// follows each of their messages, so a gap behind it means others
	// wrote since: only then do the other members get a receipt.
	othersWrote := m.LastReadSeq < msg.Seq-1
	m.LastReadSeq = msg.Seq
	if err := tx.UpdateMembership(ctx, m); err != nil {
		return nil, false, err
	}
	if othersWrote {
		return msg, created, s.readUpdated(ctx, tx, o, me, m, true)
	}
	return msg, created, nil
}

// checkSend applies the rules of a direct conversation: no block either way,
// and a recipient who has not accepted yet is still protected by their
// allow_incoming setting.
func (s *Service) checkSend(ctx context.Context, tx dm.Tx, me *dm.Account, ms []dm.Membership) error {
	other, r, ok, err := directRelationship(ctx, tx, me.ID, ms)
	if !ok || err != nil {
		return err
	}
	if dm.DirectStaysOpen(r, other) {
		return nil
	}
	if r.Blocked() {
		to, err := tx.Account(ctx, other.UserID)
		if err != nil {
			return err
		}
		return canStartDirect(ctx, tx, me, to, r)
	}
	return refuseBySettings(ctx, tx, me, other.UserID, r)
}

// refuseBySettings refuses what the allow_incoming setting of otherID
// would refuse of a new direct message from me (r is the pair's
// relationship, no block in it). Most pass on the settings alone; the
// other's account (its handle) is read only to word a refusal.
func refuseBySettings(ctx context.Context, tx dm.Tx, me *dm.Account, otherID string, r dm.Relationship) error {
	set, err := tx.Settings(ctx, otherID)
	if err != nil {
		return err
	}
	if refuseByAllowIncoming(set, &dm.Account{ID: otherID}, r) == nil {
		return nil
	}
	to, err := tx.Account(ctx, otherID)
	if err != nil {
		return err
	}
	return canStartDirect(ctx, tx, me, to, r)
}

// refuseDirectChange refuses a change the other member of a direct
// conversation would see (an edit, a new reaction) when a new message would
// be refused: while a block stands between the two, either way (a block
// hides and refuses in both directions), and while the other member has
// not accepted the conversation and their allow_incoming setting refuses
// the caller (a stranger whose request was turned away by "nobody" or
// "following" no longer reaches the recipient by rewriting or reacting to
// the messages waiting there). ms are the conversation's members. Taking a
// reaction back or deleting a message stays allowed. Groups are not direct
// conversations: a block does not stop sends there either.
func refuseDirectChange(ctx context.Context, tx dm.Tx, me *dm.Account, ms []dm.Membership) error {
	other, r, ok, err := directRelationship(ctx, tx, me.ID, ms)
	if !ok || err != nil {
		return err
	}
	switch {
	case r.ABlocksB:
		return dm.Errorf(dm.EFORBIDDEN, "You blocked the other member of this conversation. Unblock them first.")
	case r.BBlocksA:
		return dm.Errorf(dm.EFORBIDDEN, "You can't change messages in this conversation.")
	}
	if other.Status == dm.StatusAccepted {
		return nil
	}
	return refuseBySettings(ctx, tx, me, other.UserID, r)
}

// isDirect tells a direct conversation from its members, without reading the
// conversation: a direct one has two members and no owner, while a group
// always has exactly one owner (RemoveMember hands the role on when the
// owner leaves).
func isDirect(ms []dm.Membership) bool {
	return len(ms) == 2 && ms[0].Role != dm.RoleOwner && ms[1].Role != dm.RoleOwner
}

// directRelationship returns the member of a direct conversation (ms) who
// is not userID, and how the two stand; ok is false for a group.
func directRelationship(ctx context.Context, tx dm.Tx, userID string, ms []dm.Membership) (other dm.Membership, r dm.Relationship, ok bool, err error) {
	if !isDirect(ms) {
		return other, r, false, nil
	}
	other = ms[0]
	if other.UserID == userID {
		other = ms[1]
	}
	r, err = tx.Relationship(ctx, userID, other.UserID)
	return other, r, err == nil, err
}

// findMember returns a copy of userID's membership in ms, or nil.
func findMember(ms []dm.Membership, userID string) *dm.Membership {
	for i := range ms {
		if ms[i].UserID == userID {
			m := ms[i]
			return &m
		}
	}
	return nil
}

// Messages pages a conversation's history newest first, before a message id.
func (s *Service) Messages(ctx context.Context, me *dm.Account, convID, before string, limit int) ([]dm.Message, string, error) {
	out, next, _, err := s.MessagesPage(ctx, me, convID, before, limit)
	return out, next, err
}

// MessagesPage is Messages with the slot where the caller keeps the page's
// encoding while it stays unchanged (see Encoded). A page is kept for its
// reader while their event log stands where it stood when it was read
// (pagecache.go); the slice returned is shared: never modify it.
func (s *Service) MessagesPage(ctx context.Context, me *dm.Account, convID, before string, limit int) ([]dm.Message, string, *Encoded, error) {
	key := historyKey{userID: me.ID, convID: convID, before: before, limit: limit}
	if p, ok := peekKept(s, &s.history, me.ID, key); ok {
		return p.items, p.next, p.enc, nil
	}
	return keptRead(ctx, s, &s.history, me.ID, key, func(tx dm.Tx) ([]dm.Message, string, error) {
		if _, err := membershipFor(ctx, tx, convID, me.ID); err != nil {
			return nil, "", err
		}
		var beforeSeq int64
		if before != "" {
			b, err := tx.Message(ctx, before, me.ID)
			if err != nil || b.ConversationID != convID {
				if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
					return nil, "", err
				}
				return nil, "", dm.Errorf(dm.ENOTFOUND, "before names no message of this conversation.")
			}
			beforeSeq = b.Seq
		}
		// One more than asked tells whether there is a next page.
		out, err := tx.Messages(ctx, convID, me.ID, beforeSeq, limit+1)
		if err != nil {
			return nil, "", err
		}
		var next string
		if len(out) > limit {
			out = out[:limit]
			next = out[limit-1].ID
		}
		return out, next, s.decorate(ctx, tx, out)
	})
}

// messageFor returns a message the caller may see (ENOTFOUND otherwise) and
// the caller's membership in its conversation.
func messageFor(ctx context.Context, tx dm.Tx, id, userID string) (*dm.Message, *dm.Membership, error) {
	msg, err := tx.Message(ctx, id, userID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, nil, dm.Errorf(dm.ENOTFOUND, "No message %q.", dm.Truncate(id, 40))
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := tx.Membership(ctx, msg.ConversationID, userID)
	if dm.IsCode(err, dm.ENOTFOUND) || (err == nil && msg.Seq <= m.ClearedSeq) {
		return nil, nil, dm.Errorf(dm.ENOTFOUND, "No message %q.", dm.Truncate(id, 40))
	}
	if err != nil {
		return nil, nil, err
	}
	// A message the caller deleted for themself is gone for them too, as
	// history shows it: they neither react to it nor edit or unsend it.
	if !msg.Deleted {
		gone, err := tx.GoneMessages(ctx, userID, []string{msg.ID})
		if err != nil {
			return nil, nil, err
		}
		if gone[msg.ID] {
			return nil, nil, dm.Errorf(dm.ENOTFOUND, "No message %q.", dm.Truncate(id, 40))
		}
	}
	return msg, m, nil
}

// Edit changes the text of the caller's own message within dm.EditWindow.
func (s *Service) Edit(ctx context.Context, me *dm.Account, id, text string) (*dm.Message, error) {
	if err := dm.ValidateText(text); err != nil {
		return nil, err
	}
	var out *dm.Message
	err := s.update(ctx, func(tx dm.Tx, o *outbox) error {
		msg, _, err := messageFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		switch {
		case msg.Sender.ID != me.ID:
			return dm.Errorf(dm.EFORBIDDEN, "Only the sender edits a message.")
		case msg.Deleted:
			return dm.Errorf(dm.ECONFLICT, "The message was deleted.")
		case s.now().Sub(msg.CreatedAt) > dm.EditWindow:
			return dm.Errorf(dm.EFORBIDDEN, "A message can only be edited within %d minutes of sending.", int(dm.EditWindow.Minutes()))
		}
		if msg.Text == text {
			out = msg
			return nil
		}
		ms, err := tx.Memberships(ctx, msg.ConversationID)
		if err != nil {
			return err
		}
		if err := refuseDirectChange(ctx, tx, me, ms); err != nil {
			return err
		}
		cost, err := s.standing(ctx, tx, me)
		if err != nil {
			return err
		}
		if err := s.checkEdit(me, msg.ID, cost); err != nil {
			return err
		}
		t := s.now()
		msg.Text, msg.EditedAt = text, &t
		if err := tx.UpdateMessage(ctx, msg); err != nil {
			return err
		}
		return s.fanOutMessage(ctx, tx, o, dm.Event{Type: dm.EventMessageEdited, ConversationID: msg.ConversationID, At: t}, msg.ID, me.ID, &out)
	})
	return out, err
}

// fanOutMessage appends ev to every member's log, each with the message as
// that member sees it (reactions carry a per-viewer `me`); out receives
// the viewer's copy.
func (s *Service) fanOutMessage(ctx context.Context, tx dm.Tx, o *outbox, ev dm.Event, msgID, viewerID string, out **dm.Message) error {
	ms, err := tx.Memberships(ctx, ev.ConversationID)
	if err != nil {
		return err
	}
	copies := make([]dm.Message, len(ms))
	for i, x := range ms {
		msg, err := tx.Message(ctx, msgID, x.UserID)
		if err != nil {
			return err
		}
		copies[i] = *msg
	}
	// Fields the store does not keep (a bot's mark, an agent's name) must
	// survive an edit or a reaction, as in history: one call for all.
	if err := s.decorate(ctx, tx, copies); err != nil {
		return err
	}
	for i, x := range ms {
		msg := &copies[i]
		if x.UserID == viewerID && out != nil {
			*out = msg
		}
		if msg.Seq <= x.ClearedSeq {
			continue
		}
		e := ev
		e.Message = msg
		if err := o.add(ctx, tx, x.UserID, e); err != nil {
			return err
		}
	}
	for _, w := range s.watchers {
		if err := w.MessageChanged(ctx, tx, Outbox{o: o, tx: tx}, ev, msgID); err != nil {
			return err
		}
	}
	return nil
}

// MessageUpdated runs fn in a write transaction and then tells every
// member of the message's conversation, with an event of type typ carrying
// the message as they see it, that something a Step keeps about it changed
// (a link preview that arrived after the send). fn returning skip=true (the
// message is gone) sends nothing.
func (s *Service) MessageUpdated(ctx context.Context, typ, msgID string, fn func(tx dm.Tx) (skip bool, err error)) error {
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		skip, err := fn(tx)
		if err != nil || skip {
			return err
		}
		msg, err := tx.Message(ctx, msgID, "")
		if err != nil {
			return err
		}
		return s.fanOutMessage(ctx, tx, o, dm.Event{Type: typ, ConversationID: msg.ConversationID, At: s.now()}, msgID, "", nil)
	})
}

// Decorate fills the fields the pipeline's Decorators keep on messages read
// back from the store (for layers that read messages themselves: search).
func (s *Service) Decorate(ctx context.Context, tx dm.Tx, msgs []dm.Message) error {
	return s.decorate(ctx, tx, msgs)
}

// decorate lets the pipeline's Decorators fill the fields they keep on
// messages read back from the store.
func (s *Service) decorate(ctx context.Context, tx dm.Tx, msgs []dm.Message) error {
	for _, d := range s.decorators {
		if err := d.DecorateMessages(ctx, tx, msgs); err != nil {
			return err
		}
	}
	return nil
}

// Delete deletes a message for the caller only (forEveryone false), or, for
// its sender, for everyone: it keeps its place with deleted true and no text.
func (s *Service) Delete(ctx context.Context, me *dm.Account, id string, forEveryone bool) error {
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		msg, _, err := messageFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		t := s.now()
		if !forEveryone {
			if err := tx.HideMessage(ctx, id, me.ID); err != nil {
				return err
			}
			gone := *msg
			gone.Text, gone.Deleted, gone.Reactions = "", true, []dm.Reaction{}
			return o.add(ctx, tx, me.ID, dm.Event{Type: dm.EventMessageDeleted, ConversationID: msg.ConversationID, At: t, Message: &gone})
		}
		if msg.Sender.ID != me.ID {
			return dm.Errorf(dm.EFORBIDDEN, "Only the sender deletes a message for everyone.")
		}
		if msg.Deleted {
			return nil
		}
		msg.Text, msg.Deleted = "", true
		if err := tx.UpdateMessage(ctx, msg); err != nil {
			return err
		}
		return s.fanOutMessage(ctx, tx, o, dm.Event{Type: dm.EventMessageDeleted, ConversationID: msg.ConversationID, At: t}, id, me.ID, nil)
	})
}

// React adds (on) or removes the caller's emoji on a message. Idempotent.
func (s *Service) React(ctx context.Context, me *dm.Account, id, emoji string, on bool) error {
	if err := dm.ValidateEmoji(emoji); err != nil {
		// Taking a reaction back accepts what an older, laxer check let
		// in (several variation selectors or skin tones on one symbol),
		// so that such a reaction can still be removed.
		if on || emoji == "" || len(emoji) > 32 || !utf8.ValidString(emoji) {
			return err
		}
	}
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		msg, _, err := messageFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		if on {
			// The caller's reactions are counted under the lock of the
			// conversation, which the reaction's write takes anyway: on
			// PostgreSQL, twenty reactions of one person sent side by side
			// all counted the same few and all went in, past the bound.
			ms, err := tx.LockMemberships(ctx, msg.ConversationID)
			if err != nil {
				return err
			}
			if msg, err = tx.Message(ctx, id, me.ID); err != nil {
				return err
			}
			if msg.Deleted {
				return dm.Errorf(dm.ECONFLICT, "The message was deleted.")
			}
			mine := 0
			for _, r := range msg.Reactions {
				if r.Me {
					if r.Emoji == emoji {
						return nil
					}
					mine++
				}
			}
			if mine >= maxReactionsPerUser {
				return dm.Errorf(dm.EINVALID, "At most %d reactions per message.", maxReactionsPerUser)
			}
			if err := refuseDirectChange(ctx, tx, me, ms); err != nil {
				return err
			}
		}
		cost, err := s.standing(ctx, tx, me)
		if err != nil {
			return err
		}
		if err := s.checkReaction(me, id, cost); err != nil {
			return err
		}
		changed, err := tx.SetReaction(ctx, id, me.ID, emoji, on)
		if err != nil || !changed {
			return err
		}
		typ := dm.EventReactionRemoved
		if on {
			typ = dm.EventReactionAdded
		}
		ev := dm.Event{Type: typ, ConversationID: msg.ConversationID, At: s.now(), Actor: ptr(me.Profile()), Emoji: emoji}
		return s.fanOutMessage(ctx, tx, o, ev, id, me.ID, nil)
	})
}

// TakeSend spends one send of key's allowance, for senders that are not an
// account of their own (a brand's bot token, whose messages are automated
// and so skip Send's own limit): ERATELIMITED when it is spent, nil when
// limits are off.
func (s *Service) TakeSend(key string) error {
	if d := s.sendLimit.Take(key, s.cfg.Now()); d > 0 {
		return s.sendLimited(d)
	}
	return nil
}

// Message returns one message as the caller sees it (ENOTFOUND when the
// caller may not see it).
func (s *Service) Message(ctx context.Context, me *dm.Account, id string) (*dm.Message, error) {
	var out *dm.Message
	err := s.store.View(ctx, func(tx dm.Tx) error {
		msg, _, err := messageFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		ms := []dm.Message{*msg}
		if err := s.decorate(ctx, tx, ms); err != nil {
			return err
		}
		out = &ms[0]
		return nil
	})
	return out, err
}

// MessageAt returns the message with a seq in one of the caller's
// conversations (ENOTFOUND when there is none the caller may see), for
// surfaces that name read markers by message rather than by seq.
func (s *Service) MessageAt(ctx context.Context, me *dm.Account, convID string, seq int64) (*dm.Message, error) {
	var out *dm.Message
	err := s.store.View(ctx, func(tx dm.Tx) error {
		m, err := membershipFor(ctx, tx, convID, me.ID)
		if err != nil {
			return err
		}
		if seq <= m.ClearedSeq {
			return dm.Errorf(dm.ENOTFOUND, "No message %d.", seq)
		}
		page, err := tx.Messages(ctx, convID, me.ID, seq+1, 1)
		if err != nil {
			return err
		}
		if len(page) == 0 || page[0].Seq != seq {
			return dm.Errorf(dm.ENOTFOUND, "No message %d.", seq)
		}
		out = &page[0]
		return nil
	})
	return out, err
}
