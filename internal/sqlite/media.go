package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Attachments, link previews (dm.MediaTx) and search (dm.SearchTx).

const uploadColumns = `id, owner_id, coalesce(client_id, ''), kind, content_type, name, size, width, height, duration_ms,
	blob_key, thumb_key, coalesce(message_id, ''), coalesce(conversation_id, ''), position, created_at, waveform`

func scanUpload(s scanner) (*dm.Upload, error) {
	var u dm.Upload
	var wave string
	var created int64
	if err := s.Scan(&u.ID, &u.OwnerID, &u.ClientID, &u.Kind, &u.ContentType, &u.Name, &u.Size, &u.Width, &u.Height,
		&u.DurationMS, &u.BlobKey, &u.ThumbKey, &u.MessageID, &u.ConversationID, &u.Position, &created, &wave); err != nil {
		return nil, err
	}
	u.CreatedAt = utc(created)
	u.Waveform = dm.ParseWaveform(wave)
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
		duration_ms, blob_key, thumb_key, created_at, waveform) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OwnerID, nullString(u.ClientID), u.Kind, u.ContentType, u.Name, u.Size, u.Width, u.Height,
		u.DurationMS, u.BlobKey, u.ThumbKey, ms(u.CreatedAt), dm.FormatWaveform(u.Waveform))
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

func (t *tx) SetUploadThumb(ctx context.Context, id, thumbKey string) (bool, error) {
	n, err := t.affected(ctx, `UPDATE uploads SET thumb_key = ? WHERE id = ?`, thumbKey, id)
	return n > 0, wrap(err, "upload")
}

func (t *tx) UploadedBytes(ctx context.Context, ownerID string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT coalesce(sum(size), 0) FROM uploads WHERE owner_id = ?`, ownerID).Scan(&n)
	return n, wrap(err, "upload")
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

// Search limits. A query ranks at most searchCandidates matches: those of
// the user's most recently active conversations, newest messages first.
// A word found in half of a user's 100,000 messages would otherwise rank
// 50,000 rows for one page; the API pages to 500 results at most. A
// single word with at most searchGlobalScan matches in the whole store
// is read in one pass and filtered by membership (cheaper, for rare
// words, than seeking into each of the user's conversations); several
// words or a phrase always go member first (their words may each be
// common where the combination is rare).
const (
	searchCandidates = 600
	searchGlobalScan = 5_000
)

// searchConv is one conversation of the searcher: its ordinal in the
// index, the part they may read, and its place in their activity order.
type searchConv struct {
	id      string
	cleared int64
	order   int
}

// SearchMessages is member first: it lists the user's conversations and
// the part of each they may read (after what they cleared), reads in
// message_fts only those rowid ranges (see 0310_media_async.sql: a rowid
// is the conversation's ordinal and the seq), newest conversations and
// messages first, drops what the user hid and what the filters leave out,
// ranks the candidates (BM25 over the candidates, in Go: FTS5's bm25()
// would recount every term's matches in the whole store once per
// conversation), and only then reads the page's messages and snippets.
// So its cost follows the user's own matches, not the store's. Deleted
// messages and the words of earlier versions are not in the index at all.
func (t *tx) SearchMessages(ctx context.Context, q dm.SearchQuery) ([]dm.SearchHit, error) {
	query := ftsQuery(q)
	if query == "" {
		return nil, nil
	}
	// 1. The user's conversations, most recently active first.
	rows, err := t.query(ctx, `SELECT sc.ord, mb.cleared_seq, mb.conversation_id FROM members mb
		JOIN search_conversations sc ON sc.conversation_id = mb.conversation_id
		WHERE mb.user_id = ? AND (? = '' OR mb.conversation_id = ?)
		ORDER BY mb.active_at DESC, sc.ord DESC`, q.UserID, q.ConversationID, q.ConversationID)
	if err != nil {
		return nil, wrap(err, "search")
	}
	convs := map[int64]*searchConv{}
	var order []int64
	for rows.Next() {
		var ord int64
		c := &searchConv{order: len(order)}
		if err := rows.Scan(&ord, &c.cleared, &c.id); err != nil {
			rows.Close()
			return nil, wrap(err, "search")
		}
		convs[ord] = c
		order = append(order, ord)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(order) == 0 {
		return nil, wrap(err, "search")
	}
	hidden := map[string]bool{}
	if err := t.collect(ctx, func(r *sql.Rows) error {
		var cid string
		var seq int64
		if err := r.Scan(&cid, &seq); err != nil {
			return err
		}
		hidden[cid+"/"+strconv.FormatInt(seq, 10)] = true
		return nil
	}, `SELECT conversation_id, seq FROM hidden_messages WHERE user_id = ?`, q.UserID); err != nil {
		return nil, wrap(err, "search")
	}
	keep := func(rid int64) bool {
		c := convs[rid>>32]
		seq := rid & 0xffffffff
		return c != nil && seq > c.cleared && !hidden[c.id+"/"+strconv.FormatInt(seq, 10)]
	}
	filtered := q.SenderID != "" || !q.After.IsZero() || !q.Before.IsZero() || q.HasAttachment

	// 2. Candidates: every match of the store when there are few (one
	// pass over a short list), else the user's ranges, one after another
	// in one statement (FTS5 seeks to each range's first rowid), until
	// enough are found.
	var cands []int64
	global := false
	if !filtered && len(order) > 1 && len(q.Words) == 1 && len(q.Phrases) == 0 {
		var all []int64
		if err := t.collect(ctx, func(r *sql.Rows) error {
			var rid int64
			err := r.Scan(&rid)
			all = append(all, rid)
			return err
		}, `SELECT rowid FROM message_fts WHERE message_fts MATCH ? LIMIT ?`, query, searchGlobalScan+1); err != nil {
			return nil, wrap(err, "search")
		}
		if global = len(all) <= searchGlobalScan; global {
			for _, rid := range all {
				if keep(rid) {
					cands = append(cands, rid)
				}
			}
		}
	}
	if !global {
		var after, before int64 = 0, 1<<63 - 1
		if !q.After.IsZero() {
			after = ms(q.After)
		}
		if !q.Before.IsZero() {
			before = ms(q.Before)
		}
		// [low, high, conversation id] per conversation, in activity order.
		var ranges strings.Builder
		ranges.WriteByte('[')
		for i, ord := range order {
			c := convs[ord]
			if i > 0 {
				ranges.WriteByte(',')
			}
			fmt.Fprintf(&ranges, `[%d,%d,%q]`, ord<<32|c.cleared, ord<<32|0xffffffff, c.id)
		}
		ranges.WriteByte(']')
		filter := ""
		if filtered {
			filter = `AND EXISTS (SELECT 1 FROM messages m
				WHERE m.conversation_id = j.value ->> 2 AND m.seq = message_fts.rowid & 4294967295
				AND (?4 = '' OR m.sender_id = ?4) AND m.created_at >= ?5 AND m.created_at < ?6
				AND (NOT ?7 OR EXISTS (SELECT 1 FROM uploads u WHERE u.message_id = m.id)))`
		}
		err := t.collect(ctx, func(r *sql.Rows) error {
			var rid int64
			if err := r.Scan(&rid); err != nil {
				return err
			}
			if keep(rid) {
				cands = append(cands, rid)
			}
			return nil
		}, `SELECT message_fts.rowid FROM json_each(?1) j CROSS JOIN message_fts
			WHERE message_fts MATCH ?2 AND message_fts.rowid > j.value ->> 0 AND message_fts.rowid <= j.value ->> 1
			`+filter+`
			LIMIT ?3`, ranges.String(), query, searchCandidates+len(hidden), q.SenderID, after, before, q.HasAttachment)
		if err != nil {
			return nil, wrap(err, "search")
		}
	}
	// Newest conversations first (newest messages first in each), then
	// at most searchCandidates.
	slices.SortFunc(cands, func(a, b int64) int {
		if c := cmp.Compare(convs[a>>32].order, convs[b>>32].order); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	cands = cands[:min(len(cands), searchCandidates)]
	if len(cands) == 0 {
		return nil, nil
	}

	// 3. Rank the candidates by their text.
	texts := make(map[int64]string, len(cands))
	if err := t.collect(ctx, func(r *sql.Rows) error {
		var rid int64
		var text string
		err := r.Scan(&rid, &text)
		texts[rid] = text
		return err
	}, `SELECT rowid, text FROM message_fts WHERE rowid IN (SELECT value FROM json_each(?))`, int64sJSON(cands)); err != nil {
		return nil, wrap(err, "search")
	}
	scores := dm.RankBM25(q, cands, texts)
	ranked := make([]int, len(cands))
	for i := range ranked {
		ranked[i] = i
	}
	// Best first; among equals, the candidates' order (newest first).
	slices.SortStableFunc(ranked, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	from := min(q.Offset, len(ranked))
	to := min(from+limitOr(q.Limit, 20), len(ranked))
	if from == to {
		return nil, nil
	}
	page := make([]int64, 0, to-from)
	for _, i := range ranked[from:to] {
		page = append(page, cands[i])
	}

	// 4. The page's messages and snippets.
	byRID := make(map[int64]*dm.SearchHit, len(page))
	err = t.collect(ctx, func(r *sql.Rows) error {
		var h dm.SearchHit
		var rid, created int64
		var edited sql.NullInt64
		m := &h.Message
		if err := r.Scan(&rid, &m.ConversationID, &m.Seq, &m.ID, &m.Sender.ID, &m.Sender.Handle, &m.Sender.DisplayName,
			&m.Text, &m.ReplyTo, &created, &edited, &m.Deleted, &h.Snippet); err != nil {
			return err
		}
		m.CreatedAt, m.EditedAt, m.Reactions = utc(created), nullUTC(edited), []dm.Reaction{}
		byRID[rid] = &h
		return nil
	}, `SELECT message_fts.rowid, `+messageColumns+`, snippet(message_fts, 0, ?1, ?2, '…', 16)
		FROM message_fts
		JOIN search_conversations sc ON sc.ord = message_fts.rowid >> 32
		JOIN messages m ON m.conversation_id = sc.conversation_id AND m.seq = message_fts.rowid & 4294967295
		JOIN accounts a ON a.id = m.sender_id
		WHERE message_fts MATCH ?3 AND message_fts.rowid IN (SELECT value FROM json_each(?4))`,
		dm.SnippetOpen, dm.SnippetClose, query, int64sJSON(page))
	if err != nil {
		return nil, wrap(err, "search")
	}
	out := make([]dm.SearchHit, 0, len(page))
	for k, rid := range page {
		if h := byRID[rid]; h != nil {
			h.Rank = scores[ranked[from+k]]
			out = append(out, *h)
		}
	}
	return out, nil
}

// collect runs a query and calls each for every row.
func (t *tx) collect(ctx context.Context, each func(*sql.Rows) error, query string, args ...any) error {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// int64sJSON writes ids as a JSON array, for json_each: one statement
// whatever their number.
func int64sJSON(ids []int64) string {
	b := make([]byte, 0, 16*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
