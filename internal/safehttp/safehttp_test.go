package safehttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/safehttp"
)

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"93.184.215.14", true}, {"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true}, {"8.8.8.8", true},
		{"127.0.0.1", false}, {"127.1.2.3", false}, {"::1", false}, {"0.0.0.0", false}, {"::", false},
		{"10.0.0.1", false}, {"172.16.5.4", false}, {"192.168.1.1", false}, {"fd00::1", false},
		{"169.254.169.254", false}, {"fe80::1", false}, {"100.64.0.1", false}, {"224.0.0.1", false},
		{"255.255.255.255", false}, {"::ffff:127.0.0.1", false}, {"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false}, {"2002:7f00:1::", false}, {"198.18.0.1", false},
	} {
		if got := safehttp.Allowed(netip.MustParseAddr(tc.ip), nil); got != tc.want {
			t.Errorf("Allowed(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
	if !safehttp.Allowed(netip.MustParseAddr("10.1.2.3"), []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}) {
		t.Error("an address in an operator's allowed range was refused")
	}
}

func TestCheckURL(t *testing.T) {
	for _, bad := range []string{"javascript:alert(1)", "file:///etc/passwd", "gopher://x", "http://user:pw@example.com/", "http:///nohost", "::::", "https://example.com:99999/", "http://example.com:0/"} {
		if _, err := safehttp.CheckURL(bad); !errors.Is(err, safehttp.ErrForbidden) {
			t.Errorf("CheckURL(%q) = %v, want forbidden", bad, err)
		}
	}
	for _, good := range []string{"https://example.com/a?b=c", "http://example.com:8080/hook", "https://[2001:db8::1]:65535/"} {
		if _, err := safehttp.CheckURL(good); err != nil {
			t.Errorf("CheckURL(%q): %v", good, err)
		}
	}
}

// TestRefusesPrivateTargets fetches from real local servers: loopback by
// address and by a name that resolves to it, private and metadata
// addresses, and a redirect from an allowed server to a forbidden one.
func TestRefusesPrivateTargets(t *testing.T) {
	hits := 0
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Write([]byte("internal secret"))
	}))
	defer secret.Close()
	port := secret.URL[strings.LastIndex(secret.URL, ":"):]
	ctx := context.Background()

	strict := safehttp.NewClient(safehttp.Config{Timeout: 2 * time.Second})
	for _, u := range []string{
		secret.URL,
		"http://localhost" + port + "/",
		"http://[::1]" + port + "/",
		"http://10.0.0.1" + port + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0" + port + "/",
	} {
		resp, err := safehttp.Get(ctx, strict, u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded, want it refused", u)
			continue
		}
		if !errors.Is(err, safehttp.ErrForbidden) {
			t.Errorf("GET %s: %v, want ErrForbidden", u, err)
		}
	}

	// A server the operator allowed (127.0.0.1 only) redirects to another
	// loopback address (127.0.0.2) that is not allowed: the redirect is refused.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.2"+port+"/", http.StatusFound)
	}))
	defer front.Close()
	allowOne := safehttp.NewClient(safehttp.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 2 * time.Second})
	resp, err := safehttp.Get(ctx, allowOne, front.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a redirect to a forbidden address was followed")
	}
	if !errors.Is(err, safehttp.ErrForbidden) {
		t.Fatalf("redirect: %v, want ErrForbidden", err)
	}
	if hits != 0 {
		t.Fatalf("the internal server was reached %d times", hits)
	}

	// The allowed server itself answers, within the body limit.
	resp, err = safehttp.Get(ctx, allowOne, secret.URL)
	if err != nil {
		t.Fatalf("GET an allowed address: %v", err)
	}
	defer resp.Body.Close()
	if _, err := safehttp.ReadBody(resp.Body, 4); !errors.Is(err, safehttp.ErrTooLarge) {
		t.Fatalf("ReadBody over the limit: %v, want ErrTooLarge", err)
	}
}
