package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// A send (chat.Service.Send) asks the store, in turn: the client_id lookup
// (under its advisory lock), the members, the relationship of a direct
// conversation's two members, then the conversation and event-log locks
// with the insert, the events, the sender's membership update and COMMIT.
// One statement each was seven round trips. PrepareSend sends the reads and
// the locks in one round trip (with BEGIN), and a prepared send's writes wait
// in the transaction's queue (pipeTx) until COMMIT takes them in the
// second: its seqs are known because the locks read the counters they
// hold, and a write whose outcome the caller would have checked checks
// itself in SQL (parley_expect, migration 0940) with the same error code
// and message.
var _ dm.SendPreparer = (*tx)(nil)

// prepared is what PrepareSend read. It answers the calls that follow only
// while no other statement of the transaction has run (sent): the client_id
// lookup and the relationship once; the members (with the changes of the
// transaction's queued UpdateMembership calls) and their settings as often
// as asked, since a send that follows someone else's message asks again
// (chat's readUpdated: the sender's settings, the members, theirs).
type prepared struct {
	sent                   int
	sender, conv, clientID string
	byClient               *dm.Message // nil: no message has clientID
	members                []dm.Membership
	haveMembers            bool
	settings               map[string]dm.Settings // of each member
	other                  string
	rel                    dm.Relationship
	haveRel                bool
	membersLocked          map[string]bool // members read under the conversation's lock
}

func (p *prepared) fresh(t *tx) bool { return p != nil && p.sent == t.pipe.sent }

// prepareMembersSQL is Memberships($1) with each member's Settings and, on
// each row of a conversation of two members other than $2, Relationship($2,
// that member); NULL on the others (CASE: their lookups do not run).
const prepareMembersSQL = `
	SELECT ` + membershipCols + `, a.allow_incoming, a.read_receipts, a.time_zone,
		CASE WHEN o.two AND m.user_id <> $2 THEN
			EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = m.user_id) END,
		CASE WHEN o.two AND m.user_id <> $2 THEN
			EXISTS (SELECT 1 FROM follows WHERE follower_id = m.user_id AND followee_id = $2) END,
		CASE WHEN o.two AND m.user_id <> $2 THEN
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = m.user_id) END,
		CASE WHEN o.two AND m.user_id <> $2 THEN
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = m.user_id AND blocked_id = $2) END
	FROM members m JOIN accounts a ON a.id = m.user_id,
		(SELECT count(*) = 2 AS two FROM members WHERE conversation_id = $1) o
	WHERE m.conversation_id = $1 ORDER BY m.ord`

// PrepareSend reads and locks what a send will need, in one round trip. It
// does so only as a write transaction's first statement, so that its locks
// come in the order every send takes them: client_id, conversation,
// counters.
func (t *tx) PrepareSend(ctx context.Context, senderID, conversationID, clientID string) error {
	if !t.write || t.pipe.sent != 0 {
		return nil
	}
	p := &prepared{sender: senderID, conv: conversationID, clientID: clientID}
	b := &pgx.Batch{}
	if clientID != "" {
		b.Queue(advisoryLockSQL, "parley.client_id."+senderID+":"+clientID)
		b.Queue(messageQuery(`WHERE x.sender_id = $1 AND x.client_id = $2`, 2), senderID, clientID, senderID)
	}
	// lockConversation's two statements, in its order: the counters
	// are read in a snapshot taken once the row is ours.
	b.Queue(`SELECT last_seq FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, conversationID)
	b.Queue(lockLogsSQL, conversationID)
	b.Queue(prepareMembersSQL, conversationID, senderID)
	br := t.tx.SendBatch(ctx, b)
	err := t.readPrepared(br, p)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap(err, "send")
	}
	p.sent = t.pipe.sent
	t.prep = p
	return nil
}

func (t *tx) readPrepared(br pgx.BatchResults, p *prepared) error {
	if p.clientID != "" {
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		ms, err := collectMessages(rows)
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			p.byClient = &ms[0]
		}
	}
	locked := true
	var convSeq int64
	if err := br.QueryRow().Scan(&convSeq); errors.Is(err, pgx.ErrNoRows) {
		locked = false // no such conversation: Memberships finds no member
	} else if err != nil {
		return err
	}
	if err := t.lockedLogs(br.Query()); err != nil {
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	p.members = []dm.Membership{}
	p.settings = make(map[string]dm.Settings)
	for rows.Next() {
		var m dm.Membership
		var set dm.Settings
		var rel [4]*bool
		if err := rows.Scan(&m.ConversationID, &m.UserID, &m.Role, &m.Status, &m.Muted, &m.Archived,
			&m.LastReadSeq, &m.ClearedSeq, &m.JoinedAt, &set.AllowIncoming, &set.ReadReceipts, &set.TimeZone,
			&rel[0], &rel[1], &rel[2], &rel[3]); err != nil {
			rows.Close()
			return err
		}
		m.JoinedAt = m.JoinedAt.UTC()
		p.members = append(p.members, m)
		p.settings[m.UserID] = set
		if rel[0] != nil {
			p.other, p.haveRel = m.UserID, true
			p.rel = dm.Relationship{AFollowsB: *rel[0], BFollowsA: *rel[1], ABlocksB: *rel[2], BBlocksA: *rel[3]}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	p.haveMembers = true
	if locked {
		t.markLocked(p.conv)
		if t.convSeq == nil {
			t.convSeq = make(map[string]int64)
		}
		t.convSeq[p.conv] = convSeq
		p.membersLocked = make(map[string]bool, len(p.members))
		for _, m := range p.members {
			p.membersLocked[m.UserID] = true
		}
		if p.clientID != "" && p.byClient == nil {
			t.noClientID = p.sender + "\x00" + p.clientID
		}
	}
	return nil
}

// preparedClientID answers MessageByClientID from PrepareSend's lookup.
func (t *tx) preparedClientID(senderID, clientID string) (*dm.Message, bool) {
	p := t.prep
	if !p.fresh(t) || p.clientID == "" || p.clientID != clientID || p.sender != senderID {
		return nil, false
	}
	p.clientID = ""
	return p.byClient, true
}

// preparedMembers answers Memberships from PrepareSend's read, a copy each
// time (the caller may change it). The queued writes since keep it true:
// the message's insert changes no column of a Membership, and a queued
// UpdateMembership changes the copy kept here (preparedMemberUpdated).
func (t *tx) preparedMembers(conversationID string) ([]dm.Membership, bool) {
	p := t.prep
	if !p.fresh(t) || !p.haveMembers || p.conv != conversationID {
		return nil, false
	}
	return append([]dm.Membership{}, p.members...), true
}

// preparedMemberUpdated records m, whose update is queued, in what
// preparedMembers answers.
func (t *tx) preparedMemberUpdated(m *dm.Membership) {
	p := t.prep
	if !p.fresh(t) || !p.haveMembers || p.conv != m.ConversationID {
		return
	}
	for i := range p.members {
		if p.members[i].UserID == m.UserID {
			p.members[i] = *m
		}
	}
}

// preparedSettings answers Settings of a member from PrepareSend's read:
// no statement of the transaction has run since, so none changed them.
func (t *tx) preparedSettings(userID string) (dm.Settings, bool) {
	p := t.prep
	if !p.fresh(t) {
		return dm.Settings{}, false
	}
	s, ok := p.settings[userID]
	return s, ok
}

// preparedRelationship answers Relationship from PrepareSend's read.
func (t *tx) preparedRelationship(aID, bID string) (dm.Relationship, bool) {
	p := t.prep
	if !p.fresh(t) || !p.haveRel || p.sender != aID || p.other != bID {
		return dm.Relationship{}, false
	}
	p.haveRel = false
	return p.rel, true
}
