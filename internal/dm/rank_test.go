package dm

import "testing"

// TestRankBM25: more occurrences and shorter messages rank higher; a
// rarer term weighs more; phrases count only in order.
func TestRankBM25(t *testing.T) {
	texts := map[int]string{
		1: "coffee at noon",
		2: "Coffee? coffee! the coffee place",
		3: "we could get coffee after the long meeting about the budget and the plans for next year",
		4: "noon coffee, then the launch",
	}
	ids := []int{1, 2, 3, 4}
	s := RankBM25(SearchQuery{Words: []string{"coffee"}}, ids, texts)
	if !(s[1] > s[0] && s[0] > s[2]) {
		t.Errorf("coffee: want 2 > 1 > 3, got %v", s)
	}
	// "noon" is in two of the four, "coffee" in all: noon decides.
	s = RankBM25(SearchQuery{Words: []string{"coffee", "noon"}}, ids, texts)
	if !(s[0] > s[1] && s[3] > s[2]) {
		t.Errorf("coffee noon: want 1 > 2 and 4 > 3, got %v", s)
	}
	s = RankBM25(SearchQuery{Phrases: [][]string{{"coffee", "at"}}}, ids, texts)
	if !(s[0] > 0 && s[1] == 0 && s[3] == 0) {
		t.Errorf("phrase coffee at: want only 1, got %v", s)
	}
}
