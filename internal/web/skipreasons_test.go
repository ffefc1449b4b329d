package web_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/parleyhq/parley/internal/brand"
)

// TestSkipReasonLabels: every reason the consent engine and the delivery
// engine can record on a campaign's delivery row has a human label in the
// console (js/skipreasons.js), and the console labels nothing the server
// never records.
func TestSkipReasonLabels(t *testing.T) {
	src, err := os.ReadFile("static/js/skipreasons.js")
	if err != nil {
		t.Fatal(err)
	}
	obj := regexp.MustCompile(`(?s)export const REASON_LABELS = \{(.*?)\n\};`).FindSubmatch(src)
	if obj == nil {
		t.Fatal("skipreasons.js: no REASON_LABELS object")
	}
	labels := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+([a-z_]+): '([^']+)',`).FindAllSubmatch(obj[1], -1) {
		labels[string(m[1])] = string(m[2])
	}
	want := map[string]bool{}
	for _, r := range brand.SkipReasons() {
		want[r] = true
		if l := labels[r]; l == "" || l == r {
			t.Errorf("reason %q has no human label in skipreasons.js", r)
		}
	}
	for r := range labels {
		if !want[r] {
			t.Errorf("skipreasons.js labels %q, which the server never records", r)
		}
	}
	if len(labels) < 15 {
		t.Errorf("only %d labels parsed: %v", len(labels), labels)
	}
}
