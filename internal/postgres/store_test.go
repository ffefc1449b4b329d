package postgres

import (
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/storetest"
)

// TestStoreConformance runs the suite both stores pass; each subtest gets its
// own schema.
func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dm.Store { return openTest(t) })
}
