package brand

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

func TestValidLinkURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://shop.example/a?b=1#c", "https://shop.example/a?b=1#c"},
		{"  http://shop.example  ", "http://shop.example"},
		{"HTTPS://Shop.example/x", "https://Shop.example/x"},
		{"https://shop.example:8443/é", "https://shop.example:8443/%C3%A9"},
		{"javascript:alert(1)", ""},
		{"data:text/html,hi", ""},
		{"ftp://shop.example/", ""},
		{"//shop.example/x", ""},
		{"/relative", ""},
		{"https://", ""},
		{"https://user:pw@shop.example/", ""},
		{"https://shop.example/a b", ""},
		{"https://shop.example/\x00", ""},
		{"https://shop.example/" + strings.Repeat("a", MaxLinkURLBytes), ""},
		{"", ""},
	} {
		got, err := ValidLinkURL(tc.in)
		if tc.want == "" {
			if !dm.IsCode(err, dm.EINVALID) || !strings.HasPrefix(dm.ErrorMessage(err), "url: ") {
				t.Errorf("ValidLinkURL(%q) = %q, %v; want an invalid_request naming url", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ValidLinkURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRewriteLinks(t *testing.T) {
	s := &Service{publicURL: func() string { return "https://dm.example/" }, clock: func() time.Time { return time.Unix(100, 0) }}
	text := "Hi! See https://a.example/x. Or (https://b.example/y_(z)), https://dm.example/l/abc, https://dm.example/api/v1/x, " +
		"ftp://c.example and https://u:p@d.example/ and HTTP://E.example/q?x=1!"
	out, links, err := s.rewriteLinks("brand", text, LinkSpec{RecipientID: "u1", CampaignID: "c1", Step: 1, Variant: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 3 {
		t.Fatalf("%d links, want 3: %q", len(links), out)
	}
	// The new links in order, each with its token in the text.
	re := regexp.MustCompile(`https://dm\.example/l/([A-Za-z0-9_-]{22})`)
	k := 0
	shape := re.ReplaceAllStringFunc(out, func(m string) string {
		if k == len(links) || linkID(m[len(m)-linkTokenLen:]) != links[k].ID {
			t.Errorf("tracked link %s is not link %d", m, k)
		}
		k++
		return "L"
	})
	want := "Hi! See L. Or (L), https://dm.example/l/abc, https://dm.example/api/v1/x, ftp://c.example and https://u:p@d.example/ and L!"
	if shape != want {
		t.Errorf("rewritten:\n%s\nwant the shape\n%s", out, want)
	}
	for i, l := range links {
		if l.BrandID != "brand" || l.RecipientID != "u1" || l.CampaignID != "c1" || l.Step != 1 || l.Variant != "B" || len(l.ID) != 64 {
			t.Errorf("link %d = %+v", i, l)
		}
	}
	for i, dest := range []string{"https://a.example/x", "https://b.example/y_(z)", "http://E.example/q?x=1"} {
		if links[i].URL != dest {
			t.Errorf("link %d goes to %q, want %q", i, links[i].URL, dest)
		}
	}

	// Never over the message limit: a text full of short URLs keeps those
	// that do not fit.
	long := strings.Repeat("x", dm.MaxTextRunes-40) + " http://a.co http://b.co"
	out, links, err = s.rewriteLinks("brand", long, LinkSpec{})
	if err != nil || utf8.RuneCountInString(out) > dm.MaxTextRunes || len(links) != 0 {
		t.Errorf("long text: %d runes, %d links, %v", utf8.RuneCountInString(out), len(links), err)
	}
	many := strings.Repeat("https://a.example/ ", MaxLinksPerText+5)
	if _, links, _ = s.rewriteLinks("brand", many, LinkSpec{}); len(links) != MaxLinksPerText {
		t.Errorf("%d links of %d URLs, want at most %d", len(links), MaxLinksPerText+5, MaxLinksPerText)
	}
	if _, _, err := s.rewriteLinks("brand", "x", LinkSpec{ProductID: strings.Repeat("p", MaxLinkAttrBytes+1)}); !dm.IsCode(err, dm.EINVALID) {
		t.Errorf("a long product id: %v, want invalid", err)
	}
}
