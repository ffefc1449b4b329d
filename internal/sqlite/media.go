package sqlite

import (
	"cmp"
	"context"
	"database/sql"
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

func (t *tx) ClaimUpload(ctx context.Context, id, owner, owner2, messageID, conversationID string, position int) (*dm.Upload, error) {
	u, err := scanUpload(t.queryRow(ctx, `UPDATE uploads SET message_id = ?, conversation_id = ?, position = ?
		WHERE id = ? AND message_id IS NULL AND owner_id IN (?, ?) RETURNING `+uploadColumns,
		messageID, conversationID, position, id, owner, owner2))
	return u, wrap(err, "upload")
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

// Search limits. A query's candidates are the matches of the user's most
// recently active conversations, newest messages first in each; they are
// ranked in blocks of searchBlock (the first block holds the newest
// matches, the next block the next newest, and so on), so a page needs
// only the blocks it falls in: the first page reads at most searchBlock
// matches however common the words are, and paging never repeats or skips
// a result (every block is ranked the same way whatever page asked for
// it). A word found in half of a user's 100,000 messages would otherwise
// rank 50,000 rows for one page. searchCandidates bounds the deepest page
// (the API pages to 500 results). A single word the user's newest
// conversations do not fill the first blocks with is looked up once in
// the whole store instead when it has at most searchGlobalScan matches
// there (one pass over a short list is cheaper than seeking into each of
// the user's remaining conversations); several words or a phrase always
// go conversation by conversation (each word may be common where the
// combination is rare). A block of 100 rather than 200 halves what a
// sparse query walks for the first page (two words at 10M messages: 14
// instead of 24 ms of CPU); the first page is the best 20 of the newest
// 100 matches.
const (
	searchBlock      = 100
	searchCandidates = 600
	searchGlobalScan = 20_000
	// searchWindow is how many of a conversation's newest messages are
	// read first; searchGroupMax how many conversations one statement
	// reads at most; searchRangeRows how many matches.
	searchWindow    = 4096
	searchGroupMax  = 64
	searchRangeRows = 20_000
	// searchGlobalAfter is how many conversations are walked before the
	// store-wide pass is tried (a common word is done by then).
	searchGlobalAfter = 8
)

// searchConv is one conversation of the searcher: its ordinal in the
// index, the part they may read, and its place in their activity order.
type searchConv struct {
	id      string
	ord     int64
	cleared int64
	last    int64
	order   int
}

// SearchMessages is member first: it lists the user's conversations and
// the part of each they may read (after what they cleared), reads in
// message_fts only those rowid ranges (see 0310_media_async.sql: a rowid
// is the conversation's ordinal and the seq), newest conversations and
// messages first, one conversation at a time until the blocks of the
// asked page are full, drops what the user hid and what the filters leave
// out, ranks each block (BM25 over the block, in Go: FTS5's bm25() would
// recount every term's matches in the whole store), and only then reads
// the page's messages and snippets. So its cost follows the user's own
// newest matches, not the store's. Deleted messages and the words of
// earlier versions are not in the index at all.
func (t *tx) SearchMessages(ctx context.Context, q dm.SearchQuery) ([]dm.SearchHit, error) {
	query := ftsQuery(q)
	if query == "" {
		return nil, nil
	}
	limit := limitOr(q.Limit, 20)
	if q.Offset < 0 || q.Offset >= searchCandidates {
		return nil, nil
	}
	// The blocks the page falls in: candidates [0, need).
	need := min(searchCandidates, (q.Offset+limit+searchBlock-1)/searchBlock*searchBlock)

	// 1. The user's conversations, most recently active first.
	rows, err := t.query(ctx, `SELECT sc.ord, mb.cleared_seq, mb.last_seq, mb.conversation_id FROM members mb
		JOIN search_conversations sc ON sc.conversation_id = mb.conversation_id
		WHERE mb.user_id = ? AND (? = '' OR mb.conversation_id = ?)
		ORDER BY mb.active_at DESC, sc.ord DESC`, q.UserID, q.ConversationID, q.ConversationID)
	if err != nil {
		return nil, wrap(err, "search")
	}
	convs := map[int64]*searchConv{}
	var order []*searchConv
	for rows.Next() {
		c := &searchConv{order: len(order)}
		if err := rows.Scan(&c.ord, &c.cleared, &c.last, &c.id); err != nil {
			rows.Close()
			return nil, wrap(err, "search")
		}
		convs[c.ord] = c
		order = append(order, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(order) == 0 {
		return nil, wrap(err, "search")
	}
	byID := make(map[string]*searchConv, len(order))
	for _, c := range order {
		byID[c.id] = c
	}
	hidden := map[int64]bool{} // rowids
	if err := t.collect(ctx, func(r *sql.Rows) error {
		var cid string
		var seq int64
		if err := r.Scan(&cid, &seq); err != nil {
			return err
		}
		if c := byID[cid]; c != nil {
			hidden[c.ord<<32|seq] = true
		}
		return nil
	}, `SELECT conversation_id, seq FROM hidden_messages WHERE user_id = ?`, q.UserID); err != nil {
		return nil, wrap(err, "search")
	}
	keep := func(rid int64) bool {
		c := convs[rid>>32]
		return c != nil && rid&0xffffffff > c.cleared && !hidden[rid]
	}
	filtered := q.SenderID != "" || !q.After.IsZero() || !q.Before.IsZero() || q.HasAttachment
	var after, before int64 = 0, 1<<63 - 1
	if !q.After.IsZero() {
		after = ms(q.After)
	}
	if !q.Before.IsZero() {
		before = ms(q.Before)
	}
	filter := ""
	if filtered {
		filter = `AND EXISTS (SELECT 1 FROM messages m
			WHERE m.conversation_id = j.value ->> 2 AND m.seq = message_fts.rowid & 4294967295
			AND (?4 = '' OR m.sender_id = ?4) AND m.created_at >= ?5 AND m.created_at < ?6
			AND (NOT ?7 OR EXISTS (SELECT 1 FROM uploads u WHERE u.message_id = m.id)))`
	}
	// Every match in the rowid ranges [lo, hi] of a JSON list of
	// [lo, hi, conversation id], range after range (FTS5 seeks to each;
	// ascending rowids in each: FTS5 reads a doclist backwards only at
	// several times the cost).
	inRanges := `SELECT message_fts.rowid FROM json_each(?1) j CROSS JOIN message_fts
		WHERE message_fts MATCH ?2 AND message_fts.rowid >= j.value ->> 0 AND message_fts.rowid <= j.value ->> 1
		` + filter + ` LIMIT ?3`

	// 2. Candidates: conversation after conversation (in growing groups,
	// one statement per group), the newest searchWindow messages of each
	// first and older windows only when those were not enough, until the
	// blocks are full; a single word that is rare in the whole store in
	// one pass instead.
	var cands []int64
	// probed: the store-wide pass was tried, or does not apply.
	probed := len(order) <= searchGlobalAfter || filtered || len(q.Words) != 1 || len(q.Phrases) != 0
	type window struct {
		c      *searchConv
		lo, hi int64 // seqs, both included
	}
	// read returns the matches of ws by window (ascending), and how many
	// windows it read whole (a window cut by the statement's limit is not
	// returned).
	read := func(ws []window) ([][]int64, int, error) {
		var list strings.Builder
		list.WriteByte('[')
		at := map[int64]int{}
		for i, w := range ws {
			if i > 0 {
				list.WriteByte(',')
			}
			list.WriteString(`[` + strconv.FormatInt(w.c.ord<<32|w.lo, 10) + `,` + strconv.FormatInt(w.c.ord<<32|w.hi, 10) + `,"` + w.c.id + `"]`)
			at[w.c.ord] = i
		}
		list.WriteByte(']')
		got := make([][]int64, len(ws))
		last, n := -1, 0
		err := t.collect(ctx, func(r *sql.Rows) error {
			var rid int64
			if err := r.Scan(&rid); err != nil {
				return err
			}
			n++
			i := at[rid>>32]
			last = i
			got[i] = append(got[i], rid)
			return nil
		}, inRanges, list.String(), query, searchRangeRows, q.SenderID, after, before, q.HasAttachment)
		if err != nil {
			return nil, 0, err
		}
		if n < searchRangeRows {
			return got, len(ws), nil
		}
		return got[:last], last, nil
	}
	take := func(got []int64) {
		for k := len(got) - 1; k >= 0; k-- {
			if keep(got[k]) {
				cands = append(cands, got[k])
			}
		}
	}
	group := 1
	for i := 0; i < len(order) && len(cands) < need; {
		// Walking on, at the density of matches so far, would read
		// (nearly) all the remaining conversations: try the one pass.
		if !probed && i >= searchGlobalAfter && len(cands)*(len(order)-i) < 2*i*(need-len(cands)) {
			probed = true
			var all []int64
			if err := t.collect(ctx, func(r *sql.Rows) error {
				var rid int64
				err := r.Scan(&rid)
				all = append(all, rid)
				return err
			}, `SELECT rowid FROM message_fts WHERE message_fts MATCH ? LIMIT ?`, query, searchGlobalScan+1); err != nil {
				return nil, wrap(err, "search")
			}
			if len(all) <= searchGlobalScan {
				// Every match of the user's conversations from here on.
				for _, rid := range all {
					if o := convs[rid>>32]; o != nil && o.order >= i && keep(rid) {
						cands = append(cands, rid)
					}
				}
				break
			}
		}
		ws := make([]window, 0, group)
		for _, c := range order[i:min(len(order), i+group)] {
			ws = append(ws, window{c, max(c.cleared+1, c.last-searchWindow+1), 0xffffffff})
		}
		got, whole, err := read(ws)
		if err != nil {
			return nil, wrap(err, "search")
		}
		if whole == 0 { // a window has fewer messages than a statement reads matches
			return nil, dm.Errorf(dm.EINTERNAL, "search: a window of %d messages had %d matches", searchWindow, searchRangeRows)
		}
		for k, w := range ws[:whole] {
			take(got[k])
			// Older windows of this conversation, while they are needed
			// before the next conversation's matches.
			for lo := w.lo; len(cands) < need && lo > w.c.cleared+1; {
				span := w.hi - lo + 1
				if w.hi == 0xffffffff {
					span = w.c.last - lo + 1
				}
				// Twice the last, at most 4 windows: fewer messages than
				// a statement reads matches, so never cut.
				older := window{w.c, max(w.c.cleared+1, lo-min(2*span, 4*searchWindow)), lo - 1}
				g, _, err := read([]window{older})
				if err != nil {
					return nil, wrap(err, "search")
				}
				take(g[0])
				lo = older.lo
			}
			if len(cands) >= need {
				break
			}
		}
		i += whole
		// Enough conversations for what is missing, at the density so
		// far (and a quarter more), between 1 and searchGroupMax.
		group = searchGroupMax
		if len(cands) > 0 {
			group = min(searchGroupMax, max(1, (need-len(cands))*i*5/(4*len(cands))))
		}
		if !probed && i < searchGlobalAfter {
			group = min(group, searchGlobalAfter-i) // decide at searchGlobalAfter
		}
	}
	// Newest conversations first, newest messages first in each; then at
	// most the blocks asked for.
	slices.SortFunc(cands, func(a, b int64) int {
		if c := cmp.Compare(convs[a>>32].order, convs[b>>32].order); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	cands = cands[:min(len(cands), need)]
	first := q.Offset / searchBlock * searchBlock
	if first >= len(cands) {
		return nil, nil
	}
	cands = cands[first:]

	// 3. Rank each block of the page by its texts.
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
	ranked := make([]int64, 0, len(cands))
	score := make(map[int64]float64, len(cands))
	for lo := 0; lo < len(cands); lo += searchBlock {
		block := cands[lo:min(len(cands), lo+searchBlock)]
		scores := dm.RankBM25(q, block, texts)
		idx := make([]int, len(block))
		for i := range idx {
			idx[i] = i
		}
		// Best first; among equals, newest first.
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
		for _, i := range idx {
			ranked = append(ranked, block[i])
			score[block[i]] = scores[i]
		}
	}
	from := min(q.Offset-first, len(ranked))
	to := min(from+limit, len(ranked))
	if from == to {
		return nil, nil
	}
	page := ranked[from:to]

	// 4. The page's messages and snippets.
	byRID := make(map[int64]*dm.SearchHit, len(page))
	err = t.collect(ctx, func(r *sql.Rows) error {
		var h dm.SearchHit
		var rid, created int64
		var edited sql.NullInt64
		m := &h.Message
		if err := r.Scan(&rid, &m.ConversationID, &m.Seq, &m.ID, &m.Sender.ID, &m.Sender.Handle, &m.Sender.DisplayName,
			&m.Text, &m.ReplyTo, &created, &edited, &m.Deleted, &m.Sender.Suspended, &m.Sender.Verified); err != nil {
			return err
		}
		m.CreatedAt, m.EditedAt, m.Reactions = utc(created), nullUTC(edited), []dm.Reaction{}
		h.Snippet = dm.Snippet(q, m.Text, 16)
		byRID[rid] = &h
		return nil
	}, `SELECT j.value, `+messageColumns+` FROM json_each(?1) j
		JOIN search_conversations sc ON sc.ord = j.value >> 32
		JOIN messages m ON m.conversation_id = sc.conversation_id AND m.seq = j.value & 4294967295
		JOIN accounts a ON a.id = m.sender_id`, int64sJSON(page))
	if err != nil {
		return nil, wrap(err, "search")
	}
	out := make([]dm.SearchHit, 0, len(page))
	for _, rid := range page {
		if h := byRID[rid]; h != nil {
			h.Rank = score[rid]
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
