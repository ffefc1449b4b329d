package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps reports and the moderation log (dm.ModerationTx).
var _ dm.ModerationTx = (*tx)(nil)

const reportColumns = `id, reporter_id, subject_id, conversation_id, reason, messages, status, created_at,
	resolved_by, resolved_at, resolution`

func scanReport(s scanner) (*dm.Report, error) {
	var r dm.Report
	var msgs string
	var created int64
	var resolved sql.NullInt64
	if err := s.Scan(&r.ID, &r.ReporterID, &r.SubjectID, &r.ConversationID, &r.Reason, &msgs, &r.Status, &created,
		&r.ResolvedBy, &resolved, &r.Resolution); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(msgs), &r.Messages); err != nil {
		return nil, fmt.Errorf("report %s: messages: %w", r.ID, err)
	}
	r.CreatedAt, r.ResolvedAt = utc(created), nullUTC(resolved)
	return &r, nil
}

func (t *tx) CreateReport(ctx context.Context, r *dm.Report) error {
	if r.Messages == nil {
		r.Messages = []dm.ReportedMessage{}
	}
	msgs, err := json.Marshal(r.Messages)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO reports (`+reportColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ReporterID, r.SubjectID, r.ConversationID, r.Reason, string(msgs), r.Status, ms(r.CreatedAt),
		r.ResolvedBy, nullMS(r.ResolvedAt), r.Resolution)
	return wrap(err, "report")
}

func (t *tx) Report(ctx context.Context, id string) (*dm.Report, error) {
	r, err := scanReport(t.queryRow(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, id))
	return r, wrap(err, "report")
}

// reportCursor is "<created_at ms>.<id>" of the last report of a page.
func parseReportCursor(cursor string) (int64, string, error) {
	if cursor == "" {
		return -1, "", nil
	}
	at, id, ok := strings.Cut(cursor, ".")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", dm.Errorf(dm.EINVALID, "Invalid cursor.")
	}
	return n, id, nil
}

func (t *tx) ReportsBy(ctx context.Context, reporterID, cursor string, limit int) ([]dm.Report, string, error) {
	limit = limitOr(limit, 50)
	at, id, err := parseReportCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if cursor == "" {
		at = math.MaxInt64
	}
	rows, err := t.query(ctx, `SELECT `+reportColumns+` FROM reports
		WHERE reporter_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
		ORDER BY created_at DESC, id DESC LIMIT ?`, reporterID, at, at, id, limit+1)
	if err != nil {
		return nil, "", wrap(err, "reports")
	}
	defer rows.Close()
	out := []dm.Report{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, "", wrap(err, "reports")
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "reports")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = strconv.FormatInt(ms(last.CreatedAt), 10) + "." + last.ID
	}
	return out, next, nil
}

func (t *tx) Reports(ctx context.Context, status, cursor string, limit int) ([]dm.Report, string, error) {
	limit = limitOr(limit, 50)
	at, id, err := parseReportCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	rows, err := t.query(ctx, `SELECT `+reportColumns+` FROM reports
		WHERE status = ? AND (created_at > ? OR (created_at = ? AND id > ?))
		ORDER BY created_at, id LIMIT ?`, status, at, at, id, limit+1)
	if err != nil {
		return nil, "", wrap(err, "reports")
	}
	defer rows.Close()
	out := []dm.Report{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, "", wrap(err, "reports")
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "reports")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = strconv.FormatInt(ms(last.CreatedAt), 10) + "." + last.ID
	}
	return out, next, nil
}

func (t *tx) ResolveReport(ctx context.Context, id, by, resolution string, at time.Time) error {
	n, err := t.affected(ctx, `UPDATE reports SET status = ?, resolved_by = ?, resolution = ?, resolved_at = ?
		WHERE id = ? AND status = ?`, dm.ReportClosed, by, resolution, ms(at), id, dm.ReportOpen)
	if err == nil && n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "open report not found")
	}
	return wrap(err, "report")
}

func (t *tx) CountReports(ctx context.Context, subjectID string, since time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT count(DISTINCT reporter_id) FROM reports WHERE subject_id = ? AND created_at >= ?`,
		subjectID, ms(since)).Scan(&n)
	return n, wrap(err, "reports")
}

func (t *tx) AddModerationLog(ctx context.Context, e *dm.ModerationEntry) error {
	return wrap(t.queryRow(ctx, `INSERT INTO moderation_log (at, operator_id, action, subject_id, report_id, note)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, ms(e.At), e.OperatorID, e.Action, e.SubjectID, e.ReportID, e.Note).Scan(&e.ID), "moderation log")
}

func (t *tx) ModerationLog(ctx context.Context, before int64, limit int) ([]dm.ModerationEntry, error) {
	limit = limitOr(limit, 50)
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := t.query(ctx, `SELECT id, at, operator_id, action, subject_id, report_id, note FROM moderation_log
		WHERE id < ? ORDER BY id DESC LIMIT ?`, before, limit)
	if err != nil {
		return nil, wrap(err, "moderation log")
	}
	defer rows.Close()
	out := []dm.ModerationEntry{}
	for rows.Next() {
		var e dm.ModerationEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.OperatorID, &e.Action, &e.SubjectID, &e.ReportID, &e.Note); err != nil {
			return nil, wrap(err, "moderation log")
		}
		e.At = utc(at)
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "moderation log")
}

func (t *tx) HideRequestsFrom(ctx context.Context, userID string) ([]dm.Membership, error) {
	rows, err := t.query(ctx, `UPDATE members SET cleared_seq = last_seq
		WHERE status = ?2 AND user_id != ?1 AND last_seq > cleared_seq
		AND conversation_id IN (SELECT m.conversation_id FROM members m JOIN conversations c ON c.id = m.conversation_id
			WHERE m.user_id = ?1 AND (c.kind = ?3 OR m.role = ?4))
		RETURNING conversation_id, user_id`, userID, dm.StatusRequest, dm.ConversationDirect, dm.RoleOwner)
	if err != nil {
		return nil, wrap(err, "members")
	}
	defer rows.Close()
	out := []dm.Membership{}
	for rows.Next() {
		var m dm.Membership
		if err := rows.Scan(&m.ConversationID, &m.UserID); err != nil {
			return nil, wrap(err, "members")
		}
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "members")
}
