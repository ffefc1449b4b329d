package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/moderation"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

const operatorUsage = `Usage: parley operator <grant|revoke|reset-link> HANDLE [flags]

  grant HANDLE        make an account an operator (a moderator: the web app's Moderation page)
  revoke HANDLE       take the operator role away
  reset-link HANDLE   print a single-use link that sets a new password (--ttl, default 24h);
                      give it to the account's owner over a channel you trust

Flags (before or after HANDLE):
`

// operator runs the operator commands against the store a server uses
// (SQLite under --data, or --postgres), with or without the server running.
func operator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("operator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, operatorUsage); fs.PrintDefaults() }
	data := fs.String("data", env("PARLEY_DATA", "./parley-data"), "data folder of the server (PARLEY_DATA)")
	pg := fs.String("postgres", env("PARLEY_POSTGRES", ""), "PostgreSQL URL of the server's store (PARLEY_POSTGRES)")
	base := fs.String("url", env("PARLEY_URL", "http://127.0.0.1:8080"), "the server's public address, which the reset link starts with (PARLEY_URL)")
	ttl := fs.Duration("ttl", identity.ResetLinkTTL, "how long a reset link works")
	// Flags may come before or after the command and handle.
	var pos []string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos, rest = append(pos, rest[0]), rest[1:]
		}
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("operator needs a command and a handle")
	}
	cmd, handle := pos[0], pos[1]
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return errors.New("--ttl is between 1s and 720h")
	}
	var store dm.Store
	var err error
	if *pg != "" {
		store, err = openPostgres(*pg)
	} else {
		store, err = sqlite.Open(ctx, server.DatabasePath(*data))
	}
	if err != nil {
		return err
	}
	defer store.Close()
	ids := identity.New(store, identity.Config{})
	mod := moderation.New(chat.New(store, inmem.New(), chat.Config{}), ids, moderation.Config{})
	switch cmd {
	case "grant", "revoke":
		acc, err := mod.SetOperator(ctx, handle, cmd == "grant")
		if err != nil {
			return err
		}
		if cmd == "grant" {
			fmt.Fprintf(stdout, "@%s is an operator (running servers see it within 10 seconds).\n", acc.Handle)
		} else {
			fmt.Fprintf(stdout, "@%s is no longer an operator (running servers see it within 10 seconds).\n", acc.Handle)
		}
		return nil
	case "reset-link":
		token, expires, err := mod.ResetLink(ctx, handle, *ttl)
		if err != nil {
			return err
		}
		// The token travels in the fragment: browsers send no fragment to
		// the server, so it stays out of access logs and Referer headers.
		fmt.Fprintf(stdout, "%s/reset-password#%s\n", strings.TrimRight(*base, "/"), token)
		fmt.Fprintf(stderr, "Single use, valid until %s.\n", expires.Format(time.RFC3339))
		return nil
	}
	fs.Usage()
	return fmt.Errorf("unknown operator command %q", cmd)
}

func openPostgres(url string) (dm.Store, error) { return postgres.Open(context.Background(), url) }

// seedModeration makes alice the demo's operator and acme a verified brand,
// once (a demo that restarts on its data finds them so and logs nothing).
func seedModeration(ctx context.Context, ids *identity.Service, mod *moderation.Service) error {
	alice, err := ids.AccountByHandle(ctx, "alice")
	if err != nil || alice.Role == dm.RoleOperator {
		return err
	}
	if _, err := mod.SetOperator(ctx, "alice", true); err != nil {
		return err
	}
	_, err = mod.Verify(ctx, nil, moderation.Action{Handle: "acme", Note: "demo"}, true)
	return err
}
