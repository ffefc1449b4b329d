// Package safehttp fetches URLs that users control (webhook endpoints, link
// previews) without letting them reach what only the server can reach: the
// loopback interface, private networks, link-local addresses and cloud
// metadata services (server-side request forgery).
//
// The check runs on the address actually dialled, after DNS resolution and on
// every redirect, so a name that resolves to 127.0.0.1, a DNS answer that
// changes between a check and the connection (rebinding), or a redirect to
// http://169.254.169.254/ are all refused. Responses are bounded in time and
// size.
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// ErrForbidden is returned (wrapped) for a URL or an address that may not be fetched.
var ErrForbidden = errors.New("address not allowed")

// ErrTooLarge is returned by ReadBody for a body over the limit.
var ErrTooLarge = errors.New("response too large")

// Config tunes a Client. The zero value is the safe default.
type Config struct {
	// Allow lists address ranges that may be reached although they are not
	// public (an operator's intranet CRM, or a test's loopback server).
	// Nothing is allowed by default.
	Allow []netip.Prefix
	// Timeout bounds a whole request, redirects and body included
	// (default 10 s).
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed (default 3; negative: none).
	MaxRedirects int
	// Resolver resolves names (default net.DefaultResolver).
	Resolver *net.Resolver
	// UserAgent is sent with every request (default "Parley").
	UserAgent string
	// IdleConnsPerHost is how many idle connections are kept per host
	// (default 4); a sender with many requests in flight to one host
	// (webhook deliveries) keeps more, so as not to dial for each.
	IdleConnsPerHost int
}

// NewClient returns an HTTP client that dials only allowed addresses.
func NewClient(cfg Config) *http.Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = 3
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Parley"
	}
	if cfg.IdleConnsPerHost <= 0 {
		cfg.IdleConnsPerHost = 4
	}
	allow := cfg.Allow
	dialer := &net.Dialer{
		Timeout:  cfg.Timeout,
		Resolver: cfg.Resolver,
		// Control sees the address about to be connected, after
		// resolution: the one place where a check cannot be raced.
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbidden, address)
			}
			if !Allowed(ap.Addr(), allow) {
				return fmt.Errorf("%w: %s", ErrForbidden, ap.Addr())
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, past the check
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxIdleConnsPerHost:    cfg.IdleConnsPerHost,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	ua := cfg.UserAgent
	return &http.Client{
		Timeout:   cfg.Timeout,
		Transport: userAgent{tr, ua},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if cfg.MaxRedirects < 0 || len(via) > cfg.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			_, err := CheckURL(req.URL.String())
			return err
		},
	}
}

type userAgent struct {
	rt http.RoundTripper
	ua string
}

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", u.ua)
	}
	return u.rt.RoundTrip(r)
}

// CheckURL parses a user-given URL and refuses what is never fetched: other
// schemes than http and https, credentials in the URL, a missing host.
// Addresses, literal or resolved, are checked when dialled.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: not a URL", ErrForbidden)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: only http and https URLs", ErrForbidden)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: no credentials in the URL", ErrForbidden)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%w: no host", ErrForbidden)
	}
	// url.Parse takes any digits for a port; a dial to port 99999 or 0
	// fails every time, so such a URL is refused when it is saved.
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: the port is 1 to 65535", ErrForbidden)
		}
	}
	return u, nil
}

// Allowed reports whether ip may be dialled: a public unicast address, or
// one in allow.
func Allowed(ip netip.Addr, allow []netip.Prefix) bool {
	ip = ip.Unmap()
	for _, p := range allow {
		if p.Contains(ip) {
			return true
		}
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// nonPublic are ranges that net/netip does not classify but that reach no
// public host (or reach one of ours through a translator).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may translate to a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds any IPv4
	netip.MustParsePrefix("2001::/32"),       // Teredo: embeds any IPv4
}

// ReadBody reads at most limit bytes of a response body; a longer body is
// ErrTooLarge (the rest is not read).
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}

// Get fetches a user-given URL with c after CheckURL.
func Get(ctx context.Context, c *http.Client, raw string) (*http.Response, error) {
	u, err := CheckURL(raw)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}
