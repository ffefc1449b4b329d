package api

import (
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/media"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// search finds messages across the caller's conversations:
// GET /api/v1/search?q=&from=&conversation=&after=&before=&has=attachment&cursor=&limit=
// (after and before are RFC 3339 times).
func (a *API) search(w http.ResponseWriter, r *http.Request, au *Auth) {
	var p media.SearchParams
	var err error
	get := func(name string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = param(r, name)
		return v
	}
	p.Q, p.From, p.Conversation, p.Cursor = get("q"), get("from"), get("conversation"), get("cursor")
	after, before, has := get("after"), get("before"), get("has")
	if err != nil {
		a.error(w, r, err)
		return
	}
	for _, t := range []struct {
		s   string
		dst *time.Time
		n   string
	}{{after, &p.After, "after"}, {before, &p.Before, "before"}} {
		if t.s == "" {
			continue
		}
		if *t.dst, err = time.Parse(time.RFC3339, t.s); err != nil {
			a.error(w, r, dm.Errorf(dm.EINVALID, "%s is an RFC 3339 time (2006-01-02T15:04:05Z).", t.n))
			return
		}
	}
	switch has {
	case "":
	case "attachment":
		p.HasAttachment = true
	default:
		a.error(w, r, dm.Errorf(dm.EINVALID, "has may only be \"attachment\"."))
		return
	}
	if r.URL.Query().Get("limit") != "" {
		if p.Limit, err = limit(r); err != nil {
			a.error(w, r, err)
			return
		}
	}
	res, next, err := a.media.Search(r.Context(), au.Account, p)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := make([]wire.SearchResult, len(res))
	for i := range res {
		out[i] = wire.SearchResult{Message: *towire.Message(&res[i].Message), Snippet: make([]wire.SnippetPart, len(res[i].Snippet))}
		for j, sp := range res[i].Snippet {
			out[i].Snippet[j] = wire.SnippetPart(sp)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "next_cursor": next})
}
