package dm

import "context"

type backgroundKey struct{}

// Background marks ctx as background work (a campaign's deliveries): a
// store may let what a person waits for (their own send) go ahead of it. It
// changes the order of writes, never what is written nor when a write is
// acknowledged (only once it is durable, as every write).
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx was marked by Background.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}
