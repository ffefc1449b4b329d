package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/safehttp"
)

// linkRE finds http(s) links in message text; FirstLink trims the
// punctuation that ends a sentence rather than a URL.
var linkRE = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `]+`)

// FirstLink returns the first http or https link of a text ("" if none).
func FirstLink(text string) string {
	for _, m := range linkRE.FindAllString(text, 5) {
		m = strings.TrimRight(m, ".,;:!?)]}")
		if len(m) > 2000 {
			continue
		}
		if _, err := safehttp.CheckURL(m); err == nil {
			return m
		}
	}
	return ""
}

// previewTTL is how long a fetched preview is reused for other messages.
const previewTTL = 24 * time.Hour

// maxPage bounds how much of a page is read for its preview: the head,
// where the tags are, comes first.
const maxPage = 512 << 10

// linkPreview is the JobLinkPreview handler: fetch (or reuse) the preview
// of the link, record it for the message, and send the message with its
// card to the members. A link that is refused (SSRF) or is not an HTML
// page ends the job without a card.
func (s *Service) linkPreview(ctx context.Context, j *dm.Job) error {
	var p previewJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var cached *dm.LinkPreview
	err := s.chat.Store().View(ctx, func(tx dm.Tx) error {
		c, at, err := tx.LinkPreview(ctx, p.URL)
		if err == nil && s.now().Sub(at) < previewTTL {
			cached = c
		}
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if cached == nil {
		cached, err = s.FetchPreview(ctx, p.URL)
		if errors.Is(err, safehttp.ErrForbidden) || errors.Is(err, errNoPreview) {
			s.log.Info("no link preview", "url", p.URL, "err", err)
			return nil
		}
		if err != nil {
			return err
		}
	}
	return s.chat.MessageUpdated(ctx, dm.EventMessagePreview, p.MessageID, func(tx dm.Tx) (bool, error) {
		msg, err := tx.Message(ctx, p.MessageID, "")
		if dm.IsCode(err, dm.ENOTFOUND) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if err := tx.PutLinkPreview(ctx, cached, s.now()); err != nil {
			return false, err
		}
		if msg.Deleted || !strings.Contains(msg.Text, p.URL) {
			return true, nil // deleted, or edited away, since
		}
		return false, tx.SetMessagePreview(ctx, p.MessageID, p.URL)
	})
}

// errNoPreview is a page that has nothing to show (not HTML, no title).
var errNoPreview = errors.New("no preview")

// FetchPreview fetches a page through the SSRF-safe client and reads its
// title, description, site name and image from its head.
func (s *Service) FetchPreview(ctx context.Context, raw string) (*dm.LinkPreview, error) {
	if s.cfg.Fetch == nil {
		return nil, fmt.Errorf("%w: link previews are off", errNoPreview)
	}
	resp, err := safehttp.Get(ctx, s.cfg.Fetch, raw)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s", errNoPreview, resp.Status)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, fmt.Errorf("%w: %s is not a page", errNoPreview, mt)
	}
	// Only the first maxPage bytes are read, and the rest is dropped: the
	// head, where the tags are, comes first.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil && len(body) == 0 {
		return nil, err
	}
	p := parsePreview(string(body), resp.Request.URL)
	p.URL = raw
	if p.Title == "" && p.Description == "" {
		return nil, errNoPreview
	}
	return p, nil
}

var (
	metaRE  = regexp.MustCompile(`(?is)<meta\s(?:[^>"']|"[^"]*"|'[^']*')*>`)
	attrRE  = regexp.MustCompile(`(?is)([a-z:_-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
)

// parsePreview reads the Open Graph tags (or the title and description) of
// a page. Values are plain text: HTML entities are decoded, and the web app
// escapes them like any text.
func parsePreview(page string, base *url.URL) *dm.LinkPreview {
	p := &dm.LinkPreview{}
	meta := map[string]string{}
	for _, tag := range metaRE.FindAllString(page, 200) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(strings.Trim(a[2], `"'`))
		}
		name := strings.ToLower(attrs["property"])
		if name == "" {
			name = strings.ToLower(attrs["name"])
		}
		if name != "" && meta[name] == "" {
			meta[name] = attrs["content"]
		}
	}
	clean := func(s string, n int) string {
		return dm.Truncate(strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " "), n)
	}
	p.Title = meta["og:title"]
	if p.Title == "" {
		if m := titleRE.FindStringSubmatch(page); m != nil {
			p.Title = html.UnescapeString(m[1])
		}
	}
	p.Title = clean(p.Title, 200)
	p.Description = meta["og:description"]
	if p.Description == "" {
		p.Description = meta["description"]
	}
	p.Description = clean(p.Description, 500)
	p.SiteName = clean(meta["og:site_name"], 100)
	if img := meta["og:image"]; img != "" && base != nil {
		if u, err := base.Parse(img); err == nil && (u.Scheme == "http" || u.Scheme == "https") && len(u.String()) <= 2000 {
			p.Image = u.String()
		}
	}
	return p
}
