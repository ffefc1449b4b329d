package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestPlans checks that the hot queries read ranges of their indexes and
// never walk a whole table, whatever the data (there are no statistics).
func TestPlans(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, q := range map[string]string{
		"folder page":      qFolderPage,
		"members of":       qMembersOf,
		"messages page":    qMessagesPage,
		"reactions of":     qReactionsOf,
		"append event":     qAppendEvent,
		"events after":     qEventsAfter,
		"prune mark":       qPruneMark,
		"prune delete":     qPruneDelete,
		"search handles":   qSearchHandles,
		"search names":     qSearchNames,
		"conversation one": viewQuery + `WHERE mb.conversation_id = ? AND mb.user_id = ?`,
		"queue search":     qQueueSearch,
		"index queued":     qIndexQueued,
	} {
		n := strings.Count(q, "?")
		args := make([]any, 0, n)
		for i := range n {
			args = append(args, i)
		}
		rows, err := db.readDB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args[:min(n, 5)]...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			// A scan of json_each or of a LIMITed subquery's rows is no table
			// walk, nor is an FTS5 lookup by rowid (its index string "=").
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "json_each") && !strings.HasPrefix(step, "SCAN (subquery-") &&
				!strings.HasSuffix(step, "VIRTUAL TABLE INDEX 0:=") {
				t.Errorf("%s walks a table:\n  %s", name, strings.Join(plan, "\n  "))
			}
		}
	}
}
