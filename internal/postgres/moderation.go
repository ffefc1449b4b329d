package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps reports and the moderation log (dm.ModerationTx).
var _ dm.ModerationTx = (*tx)(nil)

const reportCols = `id, reporter_id, subject_id, conversation_id, reason, messages, status, created_at,
	resolved_by, resolved_at, resolution`

func scanReport(row pgx.Row) (*dm.Report, error) {
	var r dm.Report
	var msgs string
	if err := row.Scan(&r.ID, &r.ReporterID, &r.SubjectID, &r.ConversationID, &r.Reason, &msgs, &r.Status, &r.CreatedAt,
		&r.ResolvedBy, &r.ResolvedAt, &r.Resolution); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(msgs), &r.Messages); err != nil {
		return nil, fmt.Errorf("report %s: messages: %w", r.ID, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.ResolvedAt = utcPtr(r.ResolvedAt)
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
	_, err = t.tx.Exec(ctx, `INSERT INTO reports (`+reportCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.ReporterID, r.SubjectID, r.ConversationID, r.Reason, string(msgs), r.Status, r.CreatedAt,
		r.ResolvedBy, r.ResolvedAt, r.Resolution)
	return wrap(err, "report")
}

func (t *tx) Report(ctx context.Context, id string) (*dm.Report, error) {
	r, err := scanReport(t.tx.QueryRow(ctx, `SELECT `+reportCols+` FROM reports WHERE id = $1`, id))
	return r, wrap(err, "report")
}

// A reports cursor is "<created_at µs>.<id>" of the last report of a page.
func (t *tx) ReportsBy(ctx context.Context, reporterID, cursor string, limit int) ([]dm.Report, string, error) {
	if limit <= 0 {
		limit = 50
	}
	before, id := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ""
	if cursor != "" {
		at, cid, ok := strings.Cut(cursor, ".")
		n, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || cid == "" {
			return nil, "", dm.Errorf(dm.EINVALID, "Invalid cursor.")
		}
		before, id = time.UnixMicro(n), cid
	}
	rows, err := t.tx.Query(ctx, `SELECT `+reportCols+` FROM reports
		WHERE reporter_id = $1 AND (created_at, id) < ($2, $3)
		ORDER BY created_at DESC, id DESC LIMIT $4`, reporterID, before, id, limit+1)
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
		next = strconv.FormatInt(last.CreatedAt.UnixMicro(), 10) + "." + last.ID
	}
	return out, next, nil
}

func (t *tx) Reports(ctx context.Context, status, cursor string, limit int) ([]dm.Report, string, error) {
	if limit <= 0 {
		limit = 50
	}
	after, id := time.Unix(0, 0).Add(-time.Hour), ""
	if cursor != "" {
		at, cid, ok := strings.Cut(cursor, ".")
		n, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || cid == "" {
			return nil, "", dm.Errorf(dm.EINVALID, "Invalid cursor.")
		}
		after, id = time.UnixMicro(n), cid
	}
	rows, err := t.tx.Query(ctx, `SELECT `+reportCols+` FROM reports
		WHERE status = $1 AND (created_at, id) > ($2, $3)
		ORDER BY created_at, id LIMIT $4`, status, after, id, limit+1)
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
		next = strconv.FormatInt(last.CreatedAt.UnixMicro(), 10) + "." + last.ID
	}
	return out, next, nil
}

func (t *tx) ResolveReport(ctx context.Context, id, by, resolution string, at time.Time) error {
	tag, err := t.tx.Exec(ctx, `UPDATE reports SET status = $3, resolved_by = $4, resolution = $5, resolved_at = $6
		WHERE id = $1 AND status = $2`, id, dm.ReportOpen, dm.ReportClosed, by, resolution, at)
	if err != nil {
		return wrap(err, "report")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "open report not found")
	}
	return nil
}

func (t *tx) CountReports(ctx context.Context, subjectID string, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(DISTINCT reporter_id) FROM reports WHERE subject_id = $1 AND created_at >= $2`,
		subjectID, since).Scan(&n)
	return n, wrap(err, "reports")
}

func (t *tx) AddModerationLog(ctx context.Context, e *dm.ModerationEntry) error {
	return wrap(t.tx.QueryRow(ctx, `INSERT INTO moderation_log (at, operator_id, action, subject_id, report_id, note)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.At, e.OperatorID, e.Action, e.SubjectID, e.ReportID, e.Note).Scan(&e.ID), "moderation log")
}

func (t *tx) ModerationLog(ctx context.Context, before int64, limit int) ([]dm.ModerationEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := t.tx.Query(ctx, `SELECT id, at, operator_id, action, subject_id, report_id, note FROM moderation_log
		WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, wrap(err, "moderation log")
	}
	defer rows.Close()
	out := []dm.ModerationEntry{}
	for rows.Next() {
		var e dm.ModerationEntry
		if err := rows.Scan(&e.ID, &e.At, &e.OperatorID, &e.Action, &e.SubjectID, &e.ReportID, &e.Note); err != nil {
			return nil, wrap(err, "moderation log")
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "moderation log")
}

func (t *tx) HideRequestsFrom(ctx context.Context, userID string) ([]dm.Membership, error) {
	rows, err := t.tx.Query(ctx, `UPDATE members mb SET cleared_seq = c.last_seq, hidden = true
		FROM conversations c
		WHERE c.id = mb.conversation_id AND mb.status = $2 AND mb.user_id != $1 AND c.last_seq > mb.cleared_seq
		AND mb.conversation_id IN (SELECT m.conversation_id FROM members m JOIN conversations k ON k.id = m.conversation_id
			WHERE m.user_id = $1 AND (k.kind = $3 OR m.role = $4))
		RETURNING mb.conversation_id, mb.user_id`, userID, dm.StatusRequest, dm.ConversationDirect, dm.RoleOwner)
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
