package media

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/parleyhq/parley/internal/dm"
)

// SearchParams is a search as the API takes it.
type SearchParams struct {
	Q string
	// From is a sender's handle; Conversation a conversation id (the
	// caller must be a member).
	From          string
	Conversation  string
	After, Before time.Time
	HasAttachment bool
	Cursor        string // an offset, from a previous page's next cursor
	Limit         int
}

// SnippetPart is a piece of a result's snippet; Match marks the words
// found. Parts are plain text: clients render them escaped.
type SnippetPart struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// SearchResult is one message found.
type SearchResult struct {
	Message dm.Message    `json:"message"`
	Snippet []SnippetPart `json:"snippet"`
}

// maxSearchOffset bounds paging: ranked results past the first few hundred
// are not worth their cost; a narrower query is.
const maxSearchOffset = 500

// maxSearchLimit bounds a page.
const maxSearchLimit = 50

// maxSearchTerms bounds the words and phrases of one query.
const maxSearchTerms = 10

// parseQuery splits q into words and "quoted phrases". Only letters and
// digits make words; everything else separates them, as the stores'
// tokenizers do.
func parseQuery(q string) (words []string, phrases [][]string) {
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	}
	parts := strings.Split(q, `"`)
	for i, part := range parts {
		ws := split(part)
		if i%2 == 1 && i < len(parts)-1 && len(ws) > 1 {
			phrases = append(phrases, ws)
			continue
		}
		for _, w := range ws {
			words = append(words, strings.ToLower(w))
		}
	}
	return words, phrases
}

// A search of a large store costs a few milliseconds of CPU (5-7 ms at 10
// million messages), and reads have no other bound per account: each
// account may search searchBurst times at once, then searchRate times a
// second, far more than a person typing into the search box asks.
const (
	searchRate  = 2
	searchBurst = 30
)

// Search finds messages of the conversations me is a member of (see
// dm.SearchTx for what is never found), best first, with snippets.
func (s *Service) Search(ctx context.Context, me *dm.Account, p SearchParams) ([]SearchResult, string, error) {
	if err := dm.ValidateQuery(p.Q); err != nil {
		return nil, "", err
	}
	if d := s.searches.Take(me.ID, s.now()); d > 0 {
		return nil, "", &dm.Error{Code: dm.ERATELIMITED, Message: "Too many searches. Try again in a moment.", RetryAfter: d}
	}
	words, phrases := parseQuery(p.Q)
	if len(words)+len(phrases) == 0 {
		return nil, "", dm.Errorf(dm.EINVALID, "q needs at least one word.")
	}
	if len(words)+len(phrases) > maxSearchTerms {
		return nil, "", dm.Errorf(dm.EINVALID, "q may have at most %d words and phrases.", maxSearchTerms)
	}
	offset := 0
	if p.Cursor != "" {
		n, err := strconv.Atoi(p.Cursor)
		if err != nil || n < 0 || n > maxSearchOffset {
			return nil, "", dm.Errorf(dm.EINVALID, "cursor is not one this API returned.")
		}
		offset = n
	}
	// A page is 20 results unless asked, at most maxSearchLimit: a larger
	// limit (the API takes up to 200 on every list) gets the largest
	// page, not the default one.
	switch {
	case p.Limit <= 0:
		p.Limit = 20
	case p.Limit > maxSearchLimit:
		p.Limit = maxSearchLimit
	}
	q := dm.SearchQuery{UserID: me.ID, Words: words, Phrases: phrases, ConversationID: p.Conversation,
		After: p.After, Before: p.Before, HasAttachment: p.HasAttachment, Offset: offset, Limit: p.Limit + 1}
	var out []SearchResult
	// A store that indexes after the acknowledgement first indexes what
	// was sent before this search, the searcher's own messages included.
	if c, ok := s.chat.Store().(dm.SearchCatcher); ok {
		if err := c.CatchUpSearch(ctx); err != nil {
			return nil, "", err
		}
	}
	err := s.chat.Store().View(ctx, func(tx dm.Tx) error {
		if p.Conversation != "" {
			if _, err := tx.Membership(ctx, p.Conversation, me.ID); err != nil {
				if dm.IsCode(err, dm.ENOTFOUND) {
					return dm.Errorf(dm.ENOTFOUND, "No conversation %q.", dm.Truncate(p.Conversation, 40))
				}
				return err
			}
		}
		if p.From != "" {
			a, err := tx.AccountByHandle(ctx, strings.ToLower(p.From))
			if dm.IsCode(err, dm.ENOTFOUND) {
				return nil // nobody by that name wrote anything
			}
			if err != nil {
				return err
			}
			q.SenderID = a.ID
		}
		hits, err := tx.SearchMessages(ctx, q)
		if err != nil {
			return err
		}
		msgs := make([]dm.Message, len(hits))
		for i, h := range hits {
			msgs[i] = h.Message
		}
		if err := s.chat.Decorate(ctx, tx, msgs); err != nil {
			return err
		}
		for i, h := range hits {
			out = append(out, SearchResult{Message: msgs[i], Snippet: snippetParts(h.Snippet)})
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > p.Limit {
		out = out[:p.Limit]
		if offset+p.Limit <= maxSearchOffset {
			next = strconv.Itoa(offset + p.Limit)
		}
	}
	if out == nil {
		out = []SearchResult{}
	}
	return out, next, nil
}

// snippetParts turns a store's marked snippet into parts.
func snippetParts(s string) []SnippetPart {
	var parts []SnippetPart
	for s != "" {
		i := strings.Index(s, dm.SnippetOpen)
		if i < 0 {
			parts = append(parts, SnippetPart{Text: s})
			break
		}
		if i > 0 {
			parts = append(parts, SnippetPart{Text: s[:i]})
		}
		s = s[i+len(dm.SnippetOpen):]
		j := strings.Index(s, dm.SnippetClose)
		if j < 0 {
			j = len(s)
		}
		parts = append(parts, SnippetPart{Text: s[:j], Match: true})
		s = strings.TrimPrefix(s[j:], dm.SnippetClose)
	}
	return parts
}
