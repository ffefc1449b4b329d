package sqlite

import (
	"context"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps the members of conversations and their own state (dm.MemberTx).
var _ dm.MemberTx = (*tx)(nil)

const membershipColumns = `conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at`

func scanMembership(s scanner) (*dm.Membership, error) {
	var m dm.Membership
	var joined int64
	if err := s.Scan(&m.ConversationID, &m.UserID, &m.Role, &m.Status, &m.Muted, &m.Archived,
		&m.LastReadSeq, &m.ClearedSeq, &joined); err != nil {
		return nil, err
	}
	m.JoinedAt = utc(joined)
	return &m, nil
}

func (t *tx) Memberships(ctx context.Context, conversationID string) ([]dm.Membership, error) {
	if ms := t.preparedMembers(conversationID); ms != nil {
		return ms, nil
	}
	rows, err := t.query(ctx, `SELECT `+membershipColumns+` FROM members WHERE conversation_id = ? ORDER BY ord`, conversationID)
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

// LockMemberships is Memberships: SQLite runs one write transaction at a
// time, so what a write reads stays true until it commits.
func (t *tx) LockMemberships(ctx context.Context, conversationID string) ([]dm.Membership, error) {
	return t.Memberships(ctx, conversationID)
}

func (t *tx) Membership(ctx context.Context, conversationID, userID string) (*dm.Membership, error) {
	m, err := scanMembership(t.queryRow(ctx, `SELECT `+membershipColumns+` FROM members WHERE conversation_id = ? AND user_id = ?`,
		conversationID, userID))
	return m, wrap(err, "member")
}

func (t *tx) AddMembership(ctx context.Context, m *dm.Membership) error {
	// A new member's folder position is the conversation's last activity.
	n, err := t.affected(ctx, `INSERT INTO members
		(conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
		SELECT c.id, ?, ?, ?, ?, ?, ?, ?, ?, c.last_seq, c.updated_at FROM conversations c WHERE c.id = ?`,
		m.UserID, m.Role, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq, ms(m.JoinedAt), m.ConversationID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "conversation not found")
	}
	return wrap(err, "member")
}

func (t *tx) UpdateMembership(ctx context.Context, m *dm.Membership) error {
	n, err := t.affected(ctx, `UPDATE members SET role = ?, status = ?, muted = ?, archived = ?, last_read_seq = ?, cleared_seq = ?
		WHERE conversation_id = ? AND user_id = ?`,
		m.Role, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq, m.ConversationID, m.UserID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "member not found")
	}
	return wrap(err, "member")
}

func (t *tx) RemoveMembership(ctx context.Context, conversationID, userID string) error {
	n, err := t.affected(ctx, `DELETE FROM members WHERE conversation_id = ? AND user_id = ?`, conversationID, userID)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "member not found")
	}
	return wrap(err, "member")
}
