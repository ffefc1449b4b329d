package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// Attachments, link previews (dm.MediaTx) and search (dm.SearchTx).

const uploadColumns = `id, owner_id, coalesce(client_id, ''), kind, content_type, name, size, width, height, duration_ms,
	blob_key, thumb_key, coalesce(message_id, ''), coalesce(conversation_id, ''), position, created_at, waveform`

func scanUpload(s pgx.Row) (*dm.Upload, error) {
	var u dm.Upload
	var wave string
	if err := s.Scan(&u.ID, &u.OwnerID, &u.ClientID, &u.Kind, &u.ContentType, &u.Name, &u.Size, &u.Width, &u.Height,
		&u.DurationMS, &u.BlobKey, &u.ThumbKey, &u.MessageID, &u.ConversationID, &u.Position, &u.CreatedAt, &wave); err != nil {
		return nil, wrap(err, "upload")
	}
	u.CreatedAt = u.CreatedAt.UTC()
	u.Waveform = dm.ParseWaveform(wave)
	u.Fill()
	return &u, nil
}

func scanUploads(rows pgx.Rows) ([]dm.Upload, error) {
	defer rows.Close()
	var out []dm.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, wrap(rows.Err(), "uploads")
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (t *tx) InsertUpload(ctx context.Context, u *dm.Upload) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO uploads (id, owner_id, client_id, kind, content_type, name, size, width, height,
		duration_ms, blob_key, thumb_key, created_at, waveform) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		u.ID, u.OwnerID, nullText(u.ClientID), u.Kind, u.ContentType, u.Name, u.Size, u.Width, u.Height,
		u.DurationMS, u.BlobKey, u.ThumbKey, u.CreatedAt, dm.FormatWaveform(u.Waveform))
	return wrap(err, "upload")
}

func (t *tx) Upload(ctx context.Context, id string) (*dm.Upload, error) {
	return scanUpload(t.tx.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1`, id))
}

func (t *tx) UploadByClientID(ctx context.Context, ownerID, clientID string) (*dm.Upload, error) {
	return scanUpload(t.tx.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE owner_id = $1 AND client_id = $2`, ownerID, clientID))
}

func (t *tx) ClaimUpload(ctx context.Context, id, owner, owner2, messageID, conversationID string, position int) (*dm.Upload, error) {
	return scanUpload(t.tx.QueryRow(ctx, `UPDATE uploads SET message_id = $1, conversation_id = $2, position = $3
		WHERE id = $4 AND message_id IS NULL AND owner_id IN ($5, $6) RETURNING `+uploadColumns,
		messageID, conversationID, position, id, owner, owner2))
}

func (t *tx) MessageAttachments(ctx context.Context, messageIDs []string) (map[string][]dm.Upload, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE message_id = ANY($1) ORDER BY message_id, position`, messageIDs)
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
	rows, err := t.tx.Query(ctx, `DELETE FROM uploads WHERE message_id = $1 RETURNING `+uploadColumns, messageID)
	if err != nil {
		return nil, wrap(err, "uploads")
	}
	return scanUploads(rows)
}

func (t *tx) StaleUploads(ctx context.Context, before time.Time, limit int) ([]dm.Upload, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := t.tx.Query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE message_id IS NULL AND created_at < $1
		ORDER BY created_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, wrap(err, "uploads")
	}
	return scanUploads(rows)
}

func (t *tx) DeleteUpload(ctx context.Context, id string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, id)
	return wrap(err, "upload")
}

func (t *tx) SetUploadThumb(ctx context.Context, id, thumbKey string) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE uploads SET thumb_key = $1 WHERE id = $2`, thumbKey, id)
	return err == nil && tag.RowsAffected() > 0, wrap(err, "upload")
}

func (t *tx) UploadedBytes(ctx context.Context, ownerID string) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0)::bigint FROM uploads WHERE owner_id = $1`, ownerID).Scan(&n)
	return n, wrap(err, "upload")
}

func (t *tx) BlobInUse(ctx context.Context, key string) (bool, error) {
	var used bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM uploads WHERE blob_key = $1)
		OR EXISTS (SELECT 1 FROM uploads WHERE thumb_key = $1 AND thumb_key <> '')`, key).Scan(&used)
	return used, wrap(err, "upload")
}

func (t *tx) PutLinkPreview(ctx context.Context, p *dm.LinkPreview, at time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO link_previews (url, title, description, site_name, image, fetched_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (url) DO UPDATE SET title = excluded.title,
		description = excluded.description, site_name = excluded.site_name, image = excluded.image,
		fetched_at = excluded.fetched_at`, p.URL, p.Title, p.Description, p.SiteName, p.Image, at)
	return wrap(err, "link preview")
}

func (t *tx) LinkPreview(ctx context.Context, url string) (*dm.LinkPreview, time.Time, error) {
	var p dm.LinkPreview
	var at time.Time
	err := t.tx.QueryRow(ctx, `SELECT url, title, description, site_name, image, fetched_at FROM link_previews WHERE url = $1`, url).
		Scan(&p.URL, &p.Title, &p.Description, &p.SiteName, &p.Image, &at)
	if err != nil {
		return nil, time.Time{}, wrap(err, "link preview")
	}
	return &p, at.UTC(), nil
}

func (t *tx) SetMessagePreview(ctx context.Context, messageID, url string) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO message_previews (message_id, url) VALUES ($1, $2)
		ON CONFLICT (message_id) DO UPDATE SET url = excluded.url`, messageID, url)
	return wrap(err, "link preview")
}

func (t *tx) MessagePreviews(ctx context.Context, messageIDs []string) (map[string]*dm.LinkPreview, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT mp.message_id, p.url, p.title, p.description, p.site_name, p.image
		FROM message_previews mp JOIN link_previews p ON p.url = mp.url WHERE mp.message_id = ANY($1)`, messageIDs)
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

// tsQuery builds a tsquery from words and phrases with PostgreSQL's own
// parsers (plainto and phraseto), so nothing a user types is read as
// tsquery syntax.
func tsQuery(q dm.SearchQuery) (string, []any) {
	var parts []string
	var args []any
	for _, w := range q.Words {
		args = append(args, w)
		parts = append(parts, "plainto_tsquery('simple', $"+itoa(len(args))+")")
	}
	for _, p := range q.Phrases {
		args = append(args, strings.Join(p, " "))
		parts = append(parts, "phraseto_tsquery('simple', $"+itoa(len(args))+")")
	}
	return strings.Join(parts, " && "), args
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// A search ranks the matches of the user's most recently active
// conversations, newest messages first, in blocks of searchBlock (the
// newest block first), and reads only the blocks of the page asked for,
// at most searchCandidates matches (as on SQLite, which explains why; the
// API pages to 500 results at most).
const (
	searchBlock      = 100
	searchCandidates = 600
)

// SearchMessages is member first: for each conversation of the user, most
// recently active first (a LATERAL join over their memberships), it asks
// the GIN index for the words AND that conversation's own lexeme (see
// 0310_media_async.sql), so it reads posting lists only as far as that
// conversation's messages reach; it keeps the part after what the user
// cleared, not hidden by them, that the filters let through, until it has
// the blocks of the page asked for; it ranks each block and only then
// builds the page's snippets. Deleted messages have no tsvector at all.
func (t *tx) SearchMessages(ctx context.Context, q dm.SearchQuery) ([]dm.SearchHit, error) {
	tsq, args := tsQuery(q)
	if tsq == "" {
		return nil, nil
	}
	n := len(args)
	p := func(k int) string { return "$" + itoa(n+k) }
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if q.Offset < 0 || q.Offset >= searchCandidates {
		return nil, nil
	}
	need := min(searchCandidates, (q.Offset+limit+searchBlock-1)/searchBlock*searchBlock)
	after, before := q.After, q.Before
	if after.IsZero() {
		after = time.Unix(0, 0)
	}
	if before.IsZero() {
		before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	args = append(args, q.UserID, q.SenderID, q.ConversationID, after, before, q.HasAttachment, limit, q.Offset,
		"StartSel="+dm.SnippetOpen+", StopSel="+dm.SnippetClose+", MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"",
		need, searchBlock, dm.SnippetOpen+dm.SnippetClose)
	rows, err := t.tx.Query(ctx, `WITH q AS (SELECT (`+tsq+`) AS query),
		mine AS MATERIALIZED (
			SELECT mb.conversation_id, mb.cleared_seq,
				row_number() OVER (ORDER BY mb.sort_at DESC, mb.conversation_id DESC) AS o
			FROM members mb
			WHERE mb.user_id = `+p(1)+` AND (`+p(3)+` = '' OR mb.conversation_id = `+p(3)+`)
			ORDER BY mb.sort_at DESC, mb.conversation_id DESC
		), cands AS MATERIALIZED (
			SELECT x.*, mine.o FROM q, mine CROSS JOIN LATERAL (
				SELECT x.id, x.conversation_id, x.seq, x.sender_id, x.text, x.reply_to, x.created_at, x.edited_at,
					x.deleted, x.search
				FROM messages x
				WHERE x.search @@ (q.query && format('%L', '#' || mine.conversation_id)::tsquery)
				AND x.conversation_id = mine.conversation_id AND x.seq > mine.cleared_seq
				AND (`+p(2)+` = '' OR x.sender_id = `+p(2)+`)
				AND x.created_at >= `+p(4)+` AND x.created_at < `+p(5)+`
				AND (NOT `+p(6)+` OR EXISTS (SELECT 1 FROM uploads u WHERE u.message_id = x.id))
				AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = `+p(1)+` AND h.conversation_id = x.conversation_id AND h.message_id = x.id)
				ORDER BY x.seq DESC
				LIMIT `+p(10)+`
			) x
			LIMIT `+p(10)+`
		), hits AS MATERIALIZED (
			SELECT c.*, ts_rank(c.search, q.query) AS rank,
				(row_number() OVER (ORDER BY c.o, c.seq DESC) - 1) / `+p(11)+` AS block
			FROM cands c, q
			ORDER BY block, rank DESC, c.created_at DESC
			LIMIT `+p(7)+` OFFSET `+p(8)+`
		)
		SELECT x.id, x.conversation_id, x.seq, x.sender_id, a.handle, a.display_name,
			x.text, x.reply_to, x.created_at, x.edited_at, x.deleted,
			ts_headline('simple', translate(x.text, `+p(12)+`, ''), q.query, `+p(9)+`), x.rank
		FROM q, hits x JOIN accounts a ON a.id = x.sender_id
		ORDER BY x.block, x.rank DESC, x.created_at DESC`, args...)
	if err != nil {
		return nil, wrap(err, "search")
	}
	defer rows.Close()
	var out []dm.SearchHit
	for rows.Next() {
		var h dm.SearchHit
		m := &h.Message
		var rank float32
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.Sender.ID, &m.Sender.Handle, &m.Sender.DisplayName,
			&m.Text, &m.ReplyTo, &m.CreatedAt, &m.EditedAt, &m.Deleted, &h.Snippet, &rank); err != nil {
			return nil, wrap(err, "search")
		}
		m.CreatedAt = m.CreatedAt.UTC()
		if m.EditedAt != nil {
			e := m.EditedAt.UTC()
			m.EditedAt = &e
		}
		m.Reactions, h.Rank = []dm.Reaction{}, float64(rank)
		out = append(out, h)
	}
	return out, wrap(rows.Err(), "search")
}
