package client

import (
	"context"
	"net/http"
	"strings"
)

// FollowLink requests a tracked link (an absolute URL found in a message,
// or a path such as /l/TOKEN) the way a browser's click does, without
// following its redirect, and returns the destination it redirects to.
func (c *Client) FollowLink(ctx context.Context, link string) (string, error) {
	if !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") {
		link = c.base + link
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return "", err
	}
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", decodeError(resp)
	}
	return resp.Header.Get("Location"), nil
}
