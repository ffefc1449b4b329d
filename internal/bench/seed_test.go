package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/sqlite"
)

func BenchmarkSeed(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "p.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Seed(ctx, db, SeedOptions{Conversations: 5000, Messages: 50000, InboxConversations: 1000, HistoryMessages: 10000, Workers: 64}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
