package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Attachments, link previews (dm.MediaTx) and search (dm.SearchTx).

const uploadColumns = `id, owner_id, coalesce(client_id, ''), kind, content_type, name, size, width, height, duration_ms,
	blob_key, thumb_key, coalesce(message_id, ''), coalesce(conversation_id, ''), position, created_at`

func scanUpload(s scanner) (*dm.Upload, error) {
	var u dm.Upload
	var created int64
	if err := s.Scan(&u.ID, &u.OwnerID, &u.ClientID, &u.Kind, &u.ContentType, &u.Name, &u.Size, &u.Width, &u.Height,
		&u.DurationMS, &u.BlobKey, &u.ThumbKey, &u.MessageID, &u.ConversationID, &u.Position, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = utc(created)
	u.Fill()
	return &u, nil
}

func scanUploads(rows *sql.Rows) ([]dm.Upload, error) {
	defer rows.Close()
	var out []dm.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, wrap(err, "upload")
		}
		out = append(out, *u)
	}
	return out, wrap(rows.Err(), "uploads")
}

func (t *tx) InsertUpload(ctx context.Context, u *dm.Upload) error {
	_, err := t.exec(ctx, `INSERT INTO uploads (id, owner_id, client_id, kind, content_type, name, size, width, height,
		duration_ms, blob_key, thumb_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OwnerID, nullString(u.ClientID), u.Kind, u.ContentType, u.Name, u.Size, u.Width, u.Height,
		u.DurationMS, u.BlobKey, u.ThumbKey, ms(u.CreatedAt))
	return wrap(err, "upload")
}

func (t *tx) Upload(ctx context.Context, id string) (*dm.Upload, error) {
	u, err := scanUpload(t.queryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = ?`, id))
	return u, wrap(err, "upload")
}

func (t *tx) UploadByClientID(ctx context.Context, ownerID, clientID string) (*dm.Upload, error) {
	u, err := scanUpload(t.queryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE owner_id = ? AND client_id = ?`, ownerID, clientID))
	return u, wrap(err, "upload")
}

func (t *tx) AttachUpload(ctx context.Context, id, messageID, conversationID string, position int) error {
	n, err := t.affected(ctx, `UPDATE uploads SET message_id = ?, conversation_id = ?, position = ? WHERE id = ?`,
		messageID, conversationID, position, id)
	if err != nil {
		return wrap(err, "upload")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "upload not found")
	}
	return nil
}

func (t *tx) MessageAttachments(ctx context.Context, messageIDs []string) (map[string][]dm.Upload, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(messageIDs))
	for i, id := range messageIDs {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE message_id IN (?`+
		strings.Repeat(", ?", len(args)-1)+`) ORDER BY message_id, position`, args...)
	if err != nil {
		return nil, wrap(err, "uploads")
	}
	us, err := scanUploads(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]dm.Upload)
	for _, u := range us {
		out[u.MessageID] = append(out[u.MessageID], u)
	}
	return out, nil
}

func (t *tx) DeleteMessageUploads(ctx context.Context, messageID string) ([]dm.Upload, error) {
	rows, err := t.query(ctx, `DELETE FROM uploads WHERE message_id = ? RETURNING `+uploadColumns, messageID)
	if err != nil {
		return nil, wrap(err, "uploads")
	}
	return scanUploads(rows)
}

func (t *tx) StaleUploads(ctx context.Context, before time.Time, limit int) ([]dm.Upload, error) {
	rows, err := t.query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE message_id IS NULL AND created_at < ?
		ORDER BY created_at LIMIT ?`, ms(before), limitOr(limit, 100))
	if err != nil {
		return nil, wrap(err, "uploads")
	}
	return scanUploads(rows)
}

func (t *tx) DeleteUpload(ctx context.Context, id string) error {
	_, err := t.exec(ctx, `DELETE FROM uploads WHERE id = ?`, id)
	return wrap(err, "upload")
}

func (t *tx) BlobInUse(ctx context.Context, key string) (bool, error) {
	var used bool
	err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM uploads WHERE blob_key = ?1)
		OR EXISTS (SELECT 1 FROM uploads WHERE thumb_key = ?1 AND thumb_key <> '')`, key).Scan(&used)
	return used, wrap(err, "upload")
}

func (t *tx) PutLinkPreview(ctx context.Context, p *dm.LinkPreview, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO link_previews (url, title, description, site_name, image, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET title = excluded.title,
		description = excluded.description, site_name = excluded.site_name, image = excluded.image,
		fetched_at = excluded.fetched_at`, p.URL, p.Title, p.Description, p.SiteName, p.Image, ms(at))
	return wrap(err, "link preview")
}

func (t *tx) LinkPreview(ctx context.Context, url string) (*dm.LinkPreview, time.Time, error) {
	var p dm.LinkPreview
	var at int64
	err := t.queryRow(ctx, `SELECT url, title, description, site_name, image, fetched_at FROM link_previews WHERE url = ?`, url).
		Scan(&p.URL, &p.Title, &p.Description, &p.SiteName, &p.Image, &at)
	if err != nil {
		return nil, time.Time{}, wrap(err, "link preview")
	}
	return &p, utc(at), nil
}

func (t *tx) SetMessagePreview(ctx context.Context, messageID, url string) error {
	_, err := t.exec(ctx, `INSERT INTO message_previews (message_id, url) VALUES (?, ?)
		ON CONFLICT (message_id) DO UPDATE SET url = excluded.url`, messageID, url)
	return wrap(err, "link preview")
}

func (t *tx) MessagePreviews(ctx context.Context, messageIDs []string) (map[string]*dm.LinkPreview, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(messageIDs))
	for i, id := range messageIDs {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT mp.message_id, p.url, p.title, p.description, p.site_name, p.image
		FROM message_previews mp JOIN link_previews p ON p.url = mp.url
		WHERE mp.message_id IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, wrap(err, "link previews")
	}
	defer rows.Close()
	out := make(map[string]*dm.LinkPreview)
	for rows.Next() {
		var id string
		var p dm.LinkPreview
		if err := rows.Scan(&id, &p.URL, &p.Title, &p.Description, &p.SiteName, &p.Image); err != nil {
			return nil, wrap(err, "link previews")
		}
		out[id] = &p
	}
	return out, wrap(rows.Err(), "link previews")
}

// ftsQuery turns words and phrases into an FTS5 query in which every term
// is a quoted string, so nothing a user types is read as FTS5 syntax.
func ftsQuery(q dm.SearchQuery) string {
	var parts []string
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for _, w := range q.Words {
		parts = append(parts, quote(w))
	}
	for _, p := range q.Phrases {
		parts = append(parts, quote(strings.Join(p, " ")))
	}
	return strings.Join(parts, " AND ")
}

// SearchMessages matches in message_fts, then keeps only the messages the
// user can read now: conversations they are a member of, after what they
// cleared, not hidden by them. Deleted messages and the words of earlier
// versions are not in the index at all (see the triggers in 0300_media.sql).
func (t *tx) SearchMessages(ctx context.Context, q dm.SearchQuery) ([]dm.SearchHit, error) {
	query := ftsQuery(q)
	if query == "" {
		return nil, nil
	}
	var after, before int64 = 0, 1<<63 - 1
	if !q.After.IsZero() {
		after = ms(q.After)
	}
	if !q.Before.IsZero() {
		before = ms(q.Before)
	}
	rows, err := t.query(ctx, `SELECT `+messageColumns+`,
			snippet(message_fts, 0, ?1, ?2, '…', 16), bm25(message_fts)
		FROM message_fts
		JOIN message_search s ON s.rowid = message_fts.rowid
		JOIN members mb ON mb.conversation_id = s.conversation_id AND mb.user_id = ?3
		JOIN messages m ON m.conversation_id = s.conversation_id AND m.seq = s.seq
		JOIN accounts a ON a.id = m.sender_id
		WHERE message_fts MATCH ?4
		AND s.seq > mb.cleared_seq
		AND NOT m.deleted
		AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?3 AND h.conversation_id = s.conversation_id AND h.seq = s.seq)
		AND (?5 = '' OR m.sender_id = ?5)
		AND (?6 = '' OR s.conversation_id = ?6)
		AND m.created_at >= ?7 AND m.created_at < ?8
		AND (NOT ?9 OR EXISTS (SELECT 1 FROM uploads u WHERE u.message_id = m.id))
		ORDER BY bm25(message_fts), m.created_at DESC
		LIMIT ?10 OFFSET ?11`,
		dm.SnippetOpen, dm.SnippetClose, q.UserID, query, q.SenderID, q.ConversationID, after, before,
		q.HasAttachment, limitOr(q.Limit, 20), q.Offset)
	if err != nil {
		return nil, wrap(err, "search")
	}
	defer rows.Close()
	var out []dm.SearchHit
	for rows.Next() {
		var h dm.SearchHit
		var created int64
		var edited sql.NullInt64
		m := &h.Message
		if err := rows.Scan(&m.ConversationID, &m.Seq, &m.ID, &m.Sender.ID, &m.Sender.Handle, &m.Sender.DisplayName,
			&m.Text, &m.ReplyTo, &created, &edited, &m.Deleted, &m.Sender.Suspended, &m.Sender.Verified, &h.Snippet, &h.Rank); err != nil {
			return nil, wrap(err, "search")
		}
		m.CreatedAt, m.EditedAt, m.Reactions = utc(created), nullUTC(edited), []dm.Reaction{}
		// bm25 is lower for better matches; the contract's Rank is higher.
		h.Rank = -h.Rank
		out = append(out, h)
	}
	return out, wrap(rows.Err(), "search")
}
