package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/parleyhq/parley/wire"
)

// SignupParams are the fields of a new account. DisplayName and Kind
// ("person", the default, or "brand") are optional.
type SignupParams struct {
	Handle      string `json:"handle"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name,omitempty"`
	Kind        string `json:"kind,omitempty"`
}

// Signup creates an account. It does not log in.
func (c *Client) Signup(ctx context.Context, p SignupParams) (*Account, error) {
	var out struct {
		Account *Account `json:"account"`
	}
	if _, err := c.call(ctx, http.MethodPost, "/api/v1/accounts", p, &out); err != nil {
		return nil, err
	}
	return out.Account, nil
}

// Login opens a session and keeps its token in the client for the calls
// that follow; it also returns the token so that it can be stored.
func (c *Client) Login(ctx context.Context, handle, password string) (string, *Account, error) {
	in := struct {
		Handle   string `json:"handle"`
		Password string `json:"password"`
	}{handle, password}
	var out struct {
		Token   string   `json:"token"`
		Account *Account `json:"account"`
	}
	if _, err := c.call(ctx, http.MethodPost, "/api/v1/sessions", in, &out); err != nil {
		return "", nil, err
	}
	c.SetToken(out.Token)
	return out.Token, out.Account, nil
}

// Logout ends the current session on the server (the token stops working)
// and forgets the token.
func (c *Client) Logout(ctx context.Context) error {
	if _, err := c.call(ctx, http.MethodDelete, "/api/v1/sessions/current", nil, nil); err != nil {
		return err
	}
	c.SetToken("")
	return nil
}

type meAnswer struct {
	Account  *Account `json:"account"`
	Settings Settings `json:"settings"`
}

// Me returns the logged-in account and its private settings.
func (c *Client) Me(ctx context.Context) (*Account, Settings, error) {
	var out meAnswer
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/me", nil, &out); err != nil {
		return nil, Settings{}, err
	}
	return out.Account, out.Settings, nil
}

// MeUpdate changes the logged-in account; nil fields are left as they are.
// AllowIncoming is "everyone", "following" or "nobody".
type MeUpdate struct {
	DisplayName   *string `json:"display_name,omitempty"`
	Bio           *string `json:"bio,omitempty"`
	AllowIncoming *string `json:"allow_incoming,omitempty"`
	ReadReceipts  *bool   `json:"read_receipts,omitempty"`
	// TimeZone is an IANA zone name ("" clears it).
	TimeZone *string `json:"time_zone,omitempty"`
}

// UpdateMe changes the profile and settings of the logged-in account.
func (c *Client) UpdateMe(ctx context.Context, u MeUpdate) (*Account, Settings, error) {
	var out meAnswer
	if _, err := c.call(ctx, http.MethodPatch, "/api/v1/me", u, &out); err != nil {
		return nil, Settings{}, err
	}
	return out.Account, out.Settings, nil
}

// AccountProfile is an account's public profile as the caller sees it.
type AccountProfile = wire.AccountProfile

// Account returns the profile of the account with a handle.
func (c *Client) Account(ctx context.Context, handle string) (*AccountProfile, error) {
	var out AccountProfile
	if _, err := c.call(ctx, http.MethodGet, pathf("/api/v1/accounts/%s", handle), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Follow follows an account (idempotent).
func (c *Client) Follow(ctx context.Context, handle string) error {
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/accounts/%s/follow", handle), nil, nil)
	return err
}

// Unfollow stops following an account (idempotent).
func (c *Client) Unfollow(ctx context.Context, handle string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/accounts/%s/follow", handle), nil, nil)
	return err
}

// Block blocks an account (idempotent): neither side can message the other.
func (c *Client) Block(ctx context.Context, handle string) error {
	_, err := c.call(ctx, http.MethodPut, pathf("/api/v1/accounts/%s/block", handle), nil, nil)
	return err
}

// Unblock lifts a block (idempotent).
func (c *Client) Unblock(ctx context.Context, handle string) error {
	_, err := c.call(ctx, http.MethodDelete, pathf("/api/v1/accounts/%s/block", handle), nil, nil)
	return err
}

type accountPage struct {
	Accounts   []Account `json:"accounts"`
	NextCursor string    `json:"next_cursor"`
}

// Followers lists one page of the accounts following handle. Pass "" as the
// first cursor and the returned next cursor after that; next is "" on the
// last page. limit 0 uses the server's default.
func (c *Client) Followers(ctx context.Context, handle, cursor string, limit int) (accounts []Account, next string, err error) {
	return c.accountPage(ctx, pathf("/api/v1/accounts/%s/followers", handle), cursor, limit)
}

// Following lists one page of the accounts handle follows (see Followers).
func (c *Client) Following(ctx context.Context, handle, cursor string, limit int) (accounts []Account, next string, err error) {
	return c.accountPage(ctx, pathf("/api/v1/accounts/%s/following", handle), cursor, limit)
}

func (c *Client) accountPage(ctx context.Context, path, cursor string, limit int) ([]Account, string, error) {
	var out accountPage
	if _, err := c.call(ctx, http.MethodGet, path+query("cursor", cursor, "limit", limitString(limit)), nil, &out); err != nil {
		return nil, "", err
	}
	return out.Accounts, out.NextCursor, nil
}

// SearchAccounts finds accounts whose handle or display name starts with q.
// limit 0 uses the server's default.
func (c *Client) SearchAccounts(ctx context.Context, q string, limit int) ([]Account, error) {
	var out accountPage
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/accounts"+query("q", q, "limit", limitString(limit)), nil, &out); err != nil {
		return nil, err
	}
	return out.Accounts, nil
}

// ExportRecord is one line of the caller's data export.
type ExportRecord = wire.ExportRecord

// Export reads the caller's data export (GET /api/v1/me/export) line by
// line, handing each record to fn in order; fn's error stops the read and
// is returned. A file that ended without its "end" record (cut short, or
// ended by an "error" record) is an error too, after fn has seen what
// arrived.
func (c *Client) Export(ctx context.Context, fn func(*ExportRecord) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/me/export", nil)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var rec ExportRecord
		if err := dec.Decode(&rec); err == io.EOF {
			return errors.New("parley: the export ended without its end record")
		} else if err != nil {
			return err
		}
		if err := fn(&rec); err != nil {
			return err
		}
		switch rec.Type {
		case "end":
			return nil
		case "error":
			return fmt.Errorf("parley: the export failed part-way: %s", rec.Error)
		}
	}
}
