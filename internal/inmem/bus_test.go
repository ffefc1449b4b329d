package inmem

import (
	"testing"

	"github.com/parleyhq/parley/internal/bustest"
	"github.com/parleyhq/parley/internal/dm"
)

func TestBusConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T) dm.Bus {
		b := New()
		t.Cleanup(func() { b.Close() })
		return b
	})
}
