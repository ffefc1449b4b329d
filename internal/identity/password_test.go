package identity

import (
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProductionPasswordCost pins the production hash: argon2id at the OWASP
// minimum (19 MiB, 2 passes, 1 lane) with a 16-byte salt and a 32-byte key.
// The test-only cheap cost must never become what a server gets by default.
func TestProductionPasswordCost(t *testing.T) {
	s := New(nil, Config{})
	if got, want := s.cfg.PasswordCost, (PasswordCost{Time: 2, Memory: 19 * 1024, Threads: 1}); got != want {
		t.Fatalf("default cost = %+v, want %+v", got, want)
	}
	h := s.hashPassword("correct horse")
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=19456,t=2,p=1" {
		t.Fatalf("hash %q: want $argon2id$v=19$m=19456,t=2,p=1$salt$key", h)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("hash %q: want a 16-byte salt and a 32-byte key", h)
	}
	if !checkPassword(h, "correct horse") || checkPassword(h, "correct horsE") {
		t.Fatal("checkPassword must accept the password and only it")
	}
	if s.hashPassword("correct horse") == h {
		t.Fatal("two hashes of one password must differ (random salt)")
	}
}

// TestPasswordCostsInteroperate checks that a hash carries its own cost: a
// server at one cost checks hashes made at another (tests seeding a
// database, or a cost raised in a later release).
func TestPasswordCostsInteroperate(t *testing.T) {
	cheap := New(nil, Config{PasswordCost: CheapPasswordCost()})
	h := cheap.hashPassword("correct horse")
	if !strings.Contains(h, "$m=64,t=1,p=1$") {
		t.Fatalf("cheap hash %q does not record its cost", h)
	}
	if !checkPassword(h, "correct horse") || checkPassword(h, "wrong horse") {
		t.Fatal("a cheap hash must check like any other")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=64,t=1,p=1$$", "$bcrypt$x$y$z$w", "$argon2id$v=19$junk$c2FsdA$a2V5"} {
		if checkPassword(bad, "correct horse") {
			t.Errorf("checkPassword(%q) accepted a malformed hash", bad)
		}
	}
}

// TestHashesAtOnceBounded: many password checks at once (logins of unknown
// handles need no session) compute a few argon2 hashes at a time, each
// with its 19 MiB, not one per request: 150 logins sent at once from one
// address took 2 GiB.
func TestHashesAtOnceBounded(t *testing.T) {
	s := &Service{cfg: Config{PasswordCost: DefaultPasswordCost()}}
	hash := s.hashPassword("the right password")
	const n = 24
	var wg sync.WaitGroup
	done := make(chan struct{})
	var peak int32
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			peak = max(peak, hashing.Load())
		}
	}()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkPassword(hash, "a wrong password")
		}()
	}
	wg.Wait()
	close(done)
	<-sampled
	if peak < 1 || int(peak) > cap(hashSlots) {
		t.Errorf("%d checks at once computed %d hashes at a time: want 1 to %d (each holds %d MiB)", n, peak, cap(hashSlots), DefaultPasswordCost().Memory>>10)
	}
}
