package media

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/safehttp"
)

// fakeDNS answers every A question with 127.0.0.1 (and AAAA with nothing),
// over UDP on loopback: a public-looking name that resolves to loopback.
func fakeDNS(t *testing.T) *net.Resolver {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := buf[:n]
			if len(q) < 12 {
				continue
			}
			// The question ends after its name (labels up to a zero byte),
			// type and class.
			i := 12
			for i < len(q) && q[i] != 0 {
				i += int(q[i]) + 1
			}
			if i+5 > len(q) {
				continue
			}
			qtype := binary.BigEndian.Uint16(q[i+1 : i+3])
			resp := append([]byte{}, q[:i+5]...)
			resp[2], resp[3] = 0x81, 0x80 // a response, recursion available, no error
			binary.BigEndian.PutUint16(resp[6:8], 0)
			binary.BigEndian.PutUint16(resp[8:10], 0)
			binary.BigEndian.PutUint16(resp[10:12], 0)
			if qtype == 1 {
				binary.BigEndian.PutUint16(resp[6:8], 1)
				resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
			}
			pc.WriteTo(resp, addr)
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

// TestPreviewSSRF: link previews never reach loopback, private, link-local
// or metadata addresses, by address, by a name that resolves to loopback,
// or through a redirect; the test servers count every request that gets in.
func TestPreviewSSRF(t *testing.T) {
	hits := 0
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<title>internal admin</title>"))
	}))
	defer secret.Close()
	port := secret.URL[strings.LastIndex(secret.URL, ":"):]
	// The one server the fetcher may reach (127.0.0.2) redirects to the
	// forbidden one.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 on this machine's loopback: %v", err)
	}
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, secret.URL+"/admin", http.StatusFound)
	}))
	front.Listener.Close()
	front.Listener = ln
	front.Start()
	defer front.Close()

	s := &Service{cfg: Config{Fetch: safehttp.NewClient(safehttp.Config{
		Allow:    []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		Timeout:  2 * time.Second,
		Resolver: fakeDNS(t),
	})}}
	for _, u := range []string{
		secret.URL + "/",                           // loopback
		"http://10.0.0.1" + port + "/",             // private
		"http://192.168.1.1/",                      // private
		"http://169.254.169.254/latest/meta-data/", // cloud metadata
		"http://[fe80::1]/",                        // link-local
		"http://innocent.example.com" + port + "/", // a name that resolves to 127.0.0.1
		front.URL + "/",                            // a redirect to loopback
	} {
		p, err := s.FetchPreview(context.Background(), u)
		if err == nil {
			t.Errorf("preview of %s: fetched %+v, want it refused", u, p)
			continue
		}
		if !errors.Is(err, safehttp.ErrForbidden) {
			t.Errorf("preview of %s: %v, want ErrForbidden", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the internal server was reached %d times", hits)
	}
	for _, u := range []string{"javascript:alert(1)", "file:///etc/passwd", "ftp://x/", "http://user:pw@example.com/"} {
		if _, err := s.FetchPreview(context.Background(), u); err == nil {
			t.Errorf("preview of %s was fetched", u)
		}
	}
}

func TestPreviewLimits(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	notHTML := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(make([]byte, 10))
	}))
	defer notHTML.Close()
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<title>big page</title>"))
		w.Write([]byte(strings.Repeat("x", 4<<20)))
	}))
	defer huge.Close()
	s := &Service{cfg: Config{Fetch: safehttp.NewClient(safehttp.Config{
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 500 * time.Millisecond})}}
	start := time.Now()
	if _, err := s.FetchPreview(context.Background(), slow.URL); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("a slow page: %v after %v, want a time-out within the limit", err, time.Since(start))
	}
	if _, err := s.FetchPreview(context.Background(), notHTML.URL); !errors.Is(err, errNoPreview) {
		t.Errorf("not a page: %v, want errNoPreview", err)
	}
	// Only the first 512 KB is read: the title in the head is enough. (A
	// client with a generous time-out: under the race detector on a busy
	// machine, reading 512 KB can take longer than the slow page's limit.)
	s.cfg.Fetch = safehttp.NewClient(safehttp.Config{
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 15 * time.Second})
	if p, err := s.FetchPreview(context.Background(), huge.URL); err != nil || p.Title != "big page" {
		t.Errorf("a 4 MB page: %+v, %v", p, err)
	}
}

func TestFirstLink(t *testing.T) {
	for text, want := range map[string]string{
		"see https://example.com/a?b=1.":                  "https://example.com/a?b=1",
		"(http://example.org/x)":                          "http://example.org/x",
		"javascript:alert(1) http://ok.example":           "http://ok.example",
		"no links here":                                   "",
		"ftp://example.com/":                              "",
		"https://user:pw@example.com/ https://b.example/": "https://b.example/",
	} {
		if got := FirstLink(text); got != want {
			t.Errorf("FirstLink(%q) = %q, want %q", text, got, want)
		}
	}
}
