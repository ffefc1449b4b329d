package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// TestSearchProfile measures SearchMessages in-process on a folder seeded
// by `parley bench seed-search` (the budget's store of issue 13): CPU and
// wall time per query class, as the searcher, and with
// PARLEY_SEARCH_PROFILE=DIR a CPU profile per class. It reads the store
// only. Example:
//
//	PARLEY_SEARCH_DATA=/work/benchdata/search go test ./internal/sqlite -run TestSearchProfile -v -count=1
func TestSearchProfile(t *testing.T) {
	dir := os.Getenv("PARLEY_SEARCH_DATA")
	if dir == "" {
		t.Skip("needs PARLEY_SEARCH_DATA: a folder seeded by parley bench seed-search")
	}
	var m struct {
		Handle string `json:"searcher_handle"`
		Conv   string `json:"a_conversation"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "search-seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var me *dm.Account
	if err := db.View(ctx, func(tx dm.Tx) (err error) { me, err = tx.AccountByHandle(ctx, m.Handle); return err }); err != nil {
		t.Fatal(err)
	}
	// The seed's words (internal/bench searchWord).
	word := func(r int) string {
		syl := [...]string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "be", "da", "fo", "gu", "ha", "ji", "pe", "qu", "ro", "si", "tu", "wa"}
		w := syl[r%20] + syl[r/20%20]
		if r >= 400 {
			w += syl[r/400%20]
		}
		return w
	}
	classes := []struct {
		name string
		q    dm.SearchQuery
	}{
		{"word_rank0", dm.SearchQuery{Words: []string{word(0)}}},
		{"word_rank10", dm.SearchQuery{Words: []string{word(10)}}},
		{"word_rank100", dm.SearchQuery{Words: []string{word(100)}}},
		{"word_rank1000", dm.SearchQuery{Words: []string{word(1000)}}},
		{"two_words", dm.SearchQuery{Words: []string{word(3), word(40)}}},
		{"phrase", dm.SearchQuery{Phrases: [][]string{{word(0), word(1)}}}},
		{"in_conversation", dm.SearchQuery{Words: []string{word(5)}, ConversationID: m.Conv}},
		{"word_rank0_page3", dm.SearchQuery{Words: []string{word(0)}, Offset: 40}},
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	n := 30
	if s := os.Getenv("PARLEY_SEARCH_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	prof := os.Getenv("PARLEY_SEARCH_PROFILE")
	for _, k := range classes {
		q := k.q
		q.UserID, q.Limit = me.ID, 21
		var hits []dm.SearchHit
		run := func() {
			if err := db.View(ctx, func(tx dm.Tx) (err error) { hits, err = tx.SearchMessages(ctx, q); return err }); err != nil {
				t.Fatal(err)
			}
		}
		run()
		if prof != "" {
			f, err := os.Create(filepath.Join(prof, k.name+".pprof"))
			if err != nil {
				t.Fatal(err)
			}
			_ = pprof.StartCPUProfile(f)
			defer f.Close()
		}
		var lat []time.Duration
		c0 := cpu()
		for range n {
			t0 := time.Now()
			run()
			lat = append(lat, time.Since(t0))
		}
		c1 := cpu()
		if prof != "" {
			pprof.StopCPUProfile()
		}
		slices.Sort(lat)
		t.Logf("%-18s hits %2d  cpu/query %6.2f ms  p50 %6.2f ms  max %6.2f ms", k.name, len(hits),
			float64((c1-c0).Microseconds())/1000/float64(n), float64(lat[n/2].Microseconds())/1000, float64(lat[n-1].Microseconds())/1000)
	}
}
