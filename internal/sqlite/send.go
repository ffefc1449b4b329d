package sqlite

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/internal/dm"
)

// A send (chat.Service.Send) asks the store, in turn: whether the sender
// used the client_id before, the members, and the relationship of a direct
// conversation's two members: three statements on the writer, the one
// goroutine every send waits for. PrepareSend reads the three in one
// statement, and the calls that follow answer from it as long as no other
// statement ran on the writer since (conn.ran): what they would read
// cannot have changed, since only the writer writes.
var _ dm.SendPreparer = (*tx)(nil)

// sendPrep is what PrepareSend read.
type sendPrep struct {
	ran                    uint64 // conn.ran after its statement
	sender, conv, clientID string
	clientUsed             bool // a message of sender has clientID
	members                []dm.Membership
	other                  string // the other member of two ("": not two)
	rel                    dm.Relationship
}

// qPrepareSend is Memberships(?1); on each row of a conversation of two
// members other than the sender (?2), Relationship(?2, that member), and
// zeros on the others (CASE: their lookups do not run); and on every row
// whether the sender used the client_id ?3.
const qPrepareSend = `SELECT m.conversation_id, m.user_id, m.role, m.status, m.muted, m.archived,
		m.last_read_seq, m.cleared_seq, m.joined_at, o.two AND m.user_id <> ?2,
		CASE WHEN o.two AND m.user_id <> ?2 THEN
			EXISTS (SELECT 1 FROM follows WHERE follower_id = ?2 AND followee_id = m.user_id) ELSE 0 END,
		CASE WHEN o.two AND m.user_id <> ?2 THEN
			EXISTS (SELECT 1 FROM follows WHERE follower_id = m.user_id AND followee_id = ?2) ELSE 0 END,
		CASE WHEN o.two AND m.user_id <> ?2 THEN
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ?2 AND blocked_id = m.user_id) ELSE 0 END,
		CASE WHEN o.two AND m.user_id <> ?2 THEN
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = m.user_id AND blocked_id = ?2) ELSE 0 END,
		o.used
	FROM members m, (SELECT count(*) = 2 AS two,
			?3 <> '' AND EXISTS (SELECT 1 FROM messages WHERE sender_id = ?2 AND client_id = ?3) AS used
		FROM members WHERE conversation_id = ?1) o
	WHERE m.conversation_id = ?1 ORDER BY m.ord`

// PrepareSend reads what a send of senderID to conversationID will ask for
// (writer only; a View asks each thing in turn). A conversation with no
// members prepares nothing: the calls that follow read for themselves.
func (t *tx) PrepareSend(ctx context.Context, senderID, conversationID, clientID string) error {
	if !t.write {
		return nil
	}
	t.c.prep = nil
	rows, err := t.query(ctx, qPrepareSend, conversationID, senderID, clientID)
	if err != nil {
		return wrap(err, "members")
	}
	defer rows.Close()
	p := &sendPrep{sender: senderID, conv: conversationID, clientID: clientID, members: []dm.Membership{}}
	for rows.Next() {
		var m dm.Membership
		var joined int64
		var other bool
		var r dm.Relationship
		if err := rows.Scan(&m.ConversationID, &m.UserID, &m.Role, &m.Status, &m.Muted, &m.Archived,
			&m.LastReadSeq, &m.ClearedSeq, &joined, &other,
			&r.AFollowsB, &r.BFollowsA, &r.ABlocksB, &r.BBlocksA, &p.clientUsed); err != nil {
			return wrap(err, "members")
		}
		m.JoinedAt = utc(joined)
		p.members = append(p.members, m)
		if other {
			p.other, p.rel = m.UserID, r
		}
	}
	if err := rows.Err(); err != nil {
		return wrap(err, "members")
	}
	if len(p.members) > 0 {
		p.ran = t.c.ran
		t.c.prep = p
	}
	return nil
}

// prepared returns what PrepareSend read, if no statement ran since.
func (t *tx) prepared() *sendPrep {
	if p := t.c.prep; t.write && p != nil && p.ran == t.c.ran {
		return p
	}
	return nil
}

// preparedClientID answers MessageByClientID when PrepareSend found that
// the sender never used clientID (the usual send); ok is false otherwise.
func (t *tx) preparedClientID(senderID, clientID string) (ok bool) {
	p := t.prepared()
	return p != nil && p.sender == senderID && p.clientID == clientID && !p.clientUsed
}

// preparedMembers answers Memberships from PrepareSend, or returns nil.
func (t *tx) preparedMembers(conversationID string) []dm.Membership {
	if p := t.prepared(); p != nil && p.conv == conversationID {
		return slices.Clone(p.members)
	}
	return nil
}

// preparedRelationship answers Relationship(a, b) from PrepareSend.
func (t *tx) preparedRelationship(aID, bID string) (dm.Relationship, bool) {
	if p := t.prepared(); p != nil && p.other != "" && p.sender == aID && p.other == bID {
		return p.rel, true
	}
	return dm.Relationship{}, false
}
