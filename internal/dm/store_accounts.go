package dm

import (
	"context"
	"time"
)

// AccountTx is the part of a transaction that keeps accounts (with their
// settings and password hashes) and login sessions, for internal/identity.
// Errors and times follow the rules of Tx.
type AccountTx interface {
	// CreateAccount inserts a, with its settings and password hash
	// (ECONFLICT if the handle is taken).
	CreateAccount(ctx context.Context, a *Account, s Settings, passwordHash string) error
	Account(ctx context.Context, id string) (*Account, error)
	AccountByHandle(ctx context.Context, handle string) (*Account, error)
	// Credentials returns the account with a handle and its password hash.
	Credentials(ctx context.Context, handle string) (*Account, string, error)
	Settings(ctx context.Context, userID string) (Settings, error)
	// UpdateAccount writes display_name, bio and the settings of a.
	UpdateAccount(ctx context.Context, a *Account, s Settings) error
	// SearchAccounts finds accounts whose handle or display name starts with
	// query (case-insensitive), handles first, at most limit.
	SearchAccounts(ctx context.Context, query string, limit int) ([]Account, error)

	// Sessions. Only a hash of a session token is ever stored.

	CreateSession(ctx context.Context, tokenHash, userID string, expires time.Time) error
	// SessionAccount returns the account of an unexpired session (ENOTFOUND otherwise).
	SessionAccount(ctx context.Context, tokenHash string, now time.Time) (*Account, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	// ShortenSession moves a session's expiry to expires if that is
	// sooner (a rotated XRPC refresh token's grace period); it never
	// lengthens a session. An unknown token is no error.
	ShortenSession(ctx context.Context, tokenHash string, expires time.Time) error
	// SetSessionFamily puts a session in a family (see
	// 0770_session_family.sql), which DeleteSessionFamily ends together.
	SetSessionFamily(ctx context.Context, tokenHash, family string) error
	// SessionFamily returns the user and the family ("" : none) of a
	// session, expired or not (ENOTFOUND if there is no such session).
	SessionFamily(ctx context.Context, tokenHash string) (userID, family string, err error)
	// DeleteSessionFamily ends every session of a user's family and returns
	// the hashes it deleted. family must not be "".
	DeleteSessionFamily(ctx context.Context, userID, family string) ([]string, error)
	// TouchSession records a session's use at: last_seen_at, and the device
	// (user agent, address) when not empty; created_at too if never set.
	TouchSession(ctx context.Context, tokenHash string, at time.Time, userAgent, address string) error
	// Sessions lists a user's unexpired sessions, newest first.
	Sessions(ctx context.Context, userID string, now time.Time) ([]SessionInfo, error)
	// DeleteUserSessions ends every session of a user but exceptHash ("" : all)
	// and returns the hashes it deleted.
	DeleteUserSessions(ctx context.Context, userID, exceptHash string) ([]string, error)
	// SetPasswordHash replaces a user's password hash.
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// PasswordHash returns a user's password hash.
	PasswordHash(ctx context.Context, userID string) (string, error)

	// Password reset links. Only a hash of a reset token is stored.

	CreatePasswordReset(ctx context.Context, tokenHash, userID string, created, expires time.Time) error
	// UsePasswordReset deletes a reset token and returns its user, if it has
	// not expired at now (ENOTFOUND otherwise: unknown, used or expired).
	UsePasswordReset(ctx context.Context, tokenHash string, now time.Time) (string, error)

	// Moderation flags of an account (ENOTFOUND if none).

	SetRole(ctx context.Context, userID, role string) error
	// SetSuspended suspends (at != nil) or unsuspends an account.
	SetSuspended(ctx context.Context, userID string, at *time.Time) error
	SetVerified(ctx context.Context, userID string, verified bool) error
}

// SessionInfo is a session as its owner sees it in their list. TokenHash
// never leaves the server: the API names a session by a prefix of it.
type SessionInfo struct {
	TokenHash  string
	CreatedAt  time.Time // zero for sessions opened before it was recorded
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	Address    string
}
