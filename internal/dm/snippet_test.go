package dm

import (
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	o, c := SnippetOpen, SnippetClose
	words := func(s string) SearchQuery { return SearchQuery{Words: strings.Fields(s)} }
	long := "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen Whale! nineteen twenty twentyone twentytwo twentythree twentyfour"
	for _, tc := range []struct {
		q    SearchQuery
		text string
		n    int
		want string
	}{
		{words("whale"), "The blue Whale, largest.", 16, "The blue " + o + "Whale" + c + ", largest."},
		{words("café"), "Café crème?", 16, o + "Café" + c + " crème?"},
		{SearchQuery{Phrases: [][]string{{"blue", "whale"}}}, "a whale, a blue whale", 16, "a whale, a " + o + "blue" + c + " " + o + "whale" + c},
		{words("whale"), long, 8, "…seventeen eighteen " + o + "Whale" + c + "! nineteen twenty twentyone twentytwo twentythree…"},
		{words("one"), long, 4, o + "one" + c + " two three four…"},
		{words("x"), "…!", 16, "…!"},
	} {
		if got := Snippet(tc.q, tc.text, tc.n); got != tc.want {
			t.Errorf("Snippet(%v, %q, %d) = %q, want %q", tc.q, tc.text, tc.n, got, tc.want)
		}
	}
}
