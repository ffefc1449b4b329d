package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the members of conversations and their own state (dm.MemberTx).
var _ dm.MemberTx = (*tx)(nil)

const membershipCols = `m.conversation_id, m.user_id, m.role, m.status, m.muted, m.archived,
	m.last_read_seq, m.cleared_seq, m.joined_at`

func scanMembership(row pgx.Row) (*dm.Membership, error) {
	var m dm.Membership
	if err := row.Scan(&m.ConversationID, &m.UserID, &m.Role, &m.Status, &m.Muted, &m.Archived,
		&m.LastReadSeq, &m.ClearedSeq, &m.JoinedAt); err != nil {
		return nil, err
	}
	m.JoinedAt = m.JoinedAt.UTC()
	return &m, nil
}

func (t *tx) Memberships(ctx context.Context, conversationID string) ([]dm.Membership, error) {
	if ms, ok := t.preparedMembers(conversationID); ok {
		return ms, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT `+membershipCols+` FROM members m
		WHERE m.conversation_id = $1 ORDER BY m.ord`, conversationID)
	if err != nil {
		return nil, wrap(err, "members")
	}
	defer rows.Close()
	out := []dm.Membership{}
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, wrap(err, "members")
		}
		out = append(out, *m)
	}
	return out, wrap(rows.Err(), "members")
}

// LockMemberships takes the conversation's write lock (lockConversation,
// which every change of its members takes too) and then reads the members:
// at READ COMMITTED each statement sees what committed before it began,
// and nobody else changes the members until this transaction ends. A
// conversation that does not exist has no members, as in Memberships.
func (t *tx) LockMemberships(ctx context.Context, conversationID string) ([]dm.Membership, error) {
	if t.write {
		err := t.lockConversation(ctx, conversationID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return []dm.Membership{}, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return t.Memberships(ctx, conversationID)
}

func (t *tx) Membership(ctx context.Context, conversationID, userID string) (*dm.Membership, error) {
	m, err := scanMembership(t.tx.QueryRow(ctx, `SELECT `+membershipCols+` FROM members m
		WHERE m.conversation_id = $1 AND m.user_id = $2`, conversationID, userID))
	return m, wrap(err, "membership")
}

func (t *tx) AddMembership(ctx context.Context, m *dm.Membership) error {
	if err := t.lockConversation(ctx, m.ConversationID); err != nil {
		return err
	}
	if m.JoinedAt.IsZero() {
		m.JoinedAt = time.Now().UTC()
	}
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO members (conversation_id, user_id, role, status, muted, archived,
			last_read_seq, cleared_seq, hidden, joined_at, sort_at)
		SELECT c.id, $2, $3, $4, $5, $6, $7, $8, $8::bigint > 0 AND $8::bigint >= c.last_seq, $9, c.updated_at
		FROM conversations c WHERE c.id = $1
		ON CONFLICT DO NOTHING`,
		m.ConversationID, m.UserID, m.Role, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq, m.JoinedAt)
	if err != nil {
		return wrap(err, "member")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ECONFLICT, "%s is already a member", m.UserID)
	}
	// The newcomer's events follow: lock their log too.
	return t.lockLogs(ctx, m.ConversationID)
}

// UpdateMembership also recomputes hidden: a member who cleared up to the
// newest message has the conversation in no folder.
func (t *tx) UpdateMembership(ctx context.Context, m *dm.Membership) error {
	if err := t.lockConversation(ctx, m.ConversationID); err != nil {
		return err
	}
	if t.prep != nil && t.prep.conv == m.ConversationID && t.prep.membersLocked[m.UserID] {
		// A prepared send's member, read under the conversation's lock
		// that this transaction still holds: the update goes with COMMIT
		// and checks its row itself; the sender's, right after the
		// message's insert, goes in the insert's own update of the members.
		t.preparedMemberUpdated(m)
		if q := t.queuedInsert; q.conv == m.ConversationID && q.sender == m.UserID &&
			q.flushes == t.pipe.flushes && q.n == len(t.pipe.stmts) && q.n > 0 {
			st := &t.pipe.stmts[q.n-1]
			st.sql = queuedInsertMemberSQL
			st.args = append(st.args, m.UserID, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq, m.Role,
				fmt.Sprintf("%s is not a member of %s", m.UserID, m.ConversationID))
			t.queuedInsert = queuedInsert{}
			return nil
		}
		t.pipe.queueStmt("membership", `
			WITH u AS (
				UPDATE members m SET status = $3, muted = $4, archived = $5, last_read_seq = $6, cleared_seq = $7,
					hidden = $7::bigint > 0 AND $7::bigint >= c.last_seq, role = $8
				FROM conversations c
				WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2
				RETURNING 1
			)
			SELECT parley_expect(EXISTS (SELECT 1 FROM u), $9, $10)`,
			m.ConversationID, m.UserID, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq, m.Role,
			dm.ENOTFOUND, fmt.Sprintf("%s is not a member of %s", m.UserID, m.ConversationID))
		return nil
	}
	tag, err := t.tx.Exec(ctx, `
		UPDATE members m SET status = $3, muted = $4, archived = $5, last_read_seq = $6, cleared_seq = $7,
			hidden = $7::bigint > 0 AND $7::bigint >= c.last_seq, role = $8
		FROM conversations c
		WHERE c.id = m.conversation_id AND m.conversation_id = $1 AND m.user_id = $2`,
		m.ConversationID, m.UserID, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq, m.Role)
	if err != nil {
		return wrap(err, "membership")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "%s is not a member of %s", m.UserID, m.ConversationID)
	}
	return nil
}

func (t *tx) RemoveMembership(ctx context.Context, conversationID, userID string) error {
	if err := t.lockConversation(ctx, conversationID); err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `DELETE FROM members WHERE conversation_id = $1 AND user_id = $2`, conversationID, userID)
	if err != nil {
		return wrap(err, "membership")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "%s is not a member of %s", userID, conversationID)
	}
	return nil
}
