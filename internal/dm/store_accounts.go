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
}
