package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// PasswordCost is the argon2id cost of a new password hash. Each hash
// records its own parameters, so raising the cost later keeps old hashes
// valid, and a hash made at one cost checks under any configured cost.
type PasswordCost struct {
	Time    uint32 // passes over the memory
	Memory  uint32 // KiB
	Threads uint8  // lanes
}

// DefaultPasswordCost is the production cost: the OWASP minimum for
// argon2id (19 MiB, 2 passes, 1 lane). A function rather than a variable, so
// that nothing can lower it for the whole process.
func DefaultPasswordCost() PasswordCost {
	return PasswordCost{Time: 2, Memory: 19 * 1024, Threads: 1}
}

// CheapPasswordCost is for tests only: a hash in tens of microseconds rather
// than tens of milliseconds (64 KiB, 1 pass). Nothing in cmd/parley selects it.
func CheapPasswordCost() PasswordCost {
	return PasswordCost{Time: 1, Memory: 64, Threads: 1}
}

const (
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds the argon2 hashes computed at once in the process. Each
// takes its cost's memory (19 MiB by default) and a core; logins (of
// unknown handles too), sign-ups and resets reach one without a session,
// and the per-address limits count only what has finished, so 150 logins
// sent at once from one address took 2 GiB. Past the slots a request waits
// its turn: the CPU was the bound anyway, now memory is too.
var hashSlots = make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0)))

// hashing counts the hashes being computed (at most cap(hashSlots)),
// counted apart from the slots so that a test can see the bound hold.
var hashing atomic.Int32

// idKey is argon2.IDKey in one of the hashSlots.
func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	hashing.Add(1)
	defer hashing.Add(-1)
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}

// hashPassword returns a PHC-style argon2id hash with a random salt, at the
// service's cost.
func (s *Service) hashPassword(password string) string {
	c := s.cfg.PasswordCost
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := idKey([]byte(password), salt, c.Time, c.Memory, c.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, c.Memory, c.Time, c.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches hash, in constant time.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := idKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
