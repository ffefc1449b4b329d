package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/parleyhq/parley/client"
)

// TestSignupThrottle checks that one address cannot create accounts without
// end (each costs the server an argon2 hash): after a burst of 20 the next
// sign-up is 429 with Retry-After.
func TestSignupThrottle(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn)
	for i := 0; i < 20; i++ {
		h := "burst" + strconv.Itoa(i)
		if _, err := e.anon().Signup(e.ctx, client.SignupParams{Handle: h, Password: password(h)}); err != nil {
			t.Fatalf("sign-up %d of the burst: %v", i, err)
		}
	}
	_, err := e.anon().Signup(e.ctx, client.SignupParams{Handle: "one_too_many", Password: password("one_too_many")})
	if ce := wantStatus(t, err, http.StatusTooManyRequests, "the 21st sign-up"); ce != nil && ce.RetryAfter <= 0 {
		t.Errorf("429 without Retry-After: %+v", ce)
	}
}
