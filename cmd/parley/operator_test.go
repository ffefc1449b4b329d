package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/postgres/pgtest"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestOperatorCommands runs `parley operator grant/revoke/reset-link` on a
// SQLite data folder and, with PARLEY_TEST_POSTGRES, on PostgreSQL: the
// role changes, the reset link's token sets a password once, and the store
// keeps only its hash.
func TestOperatorCommands(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		store, err := sqlite.Open(context.Background(), server.DatabasePath(dir))
		if err != nil {
			t.Fatal(err)
		}
		testOperatorCommands(t, store, "--data", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("PARLEY_TEST_POSTGRES")
		if pg == "" {
			t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/test)")
		}
		url := pgtest.Schema(t, pg, "parley_cli_")
		store, err := openPostgres(url)
		if err != nil {
			t.Fatal(err)
		}
		testOperatorCommands(t, store, "--postgres", url)
	})
}

func testOperatorCommands(t *testing.T, store dm.Store, flags ...string) {
	ctx := context.Background()
	ids := identity.New(store, identity.Config{PasswordCost: identity.CheapPasswordCost()})
	if _, err := ids.Signup(ctx, identity.SignupParams{Handle: "olive", Password: "olive-password"}); err != nil {
		t.Fatal(err)
	}
	store.Close() // the command opens the store itself, as on a real server
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"operator"}, append(args, flags...)...), &out, &errOut)
		return out.String(), err
	}
	if _, err := cli("grant", "olive"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli("grant", "nobody_here"); err == nil {
		t.Fatal("grant to an unknown handle succeeded")
	}
	link, err := cli("reset-link", "olive", "--url", "https://chat.example/")
	if err != nil {
		t.Fatal(err)
	}
	token, ok := strings.CutPrefix(strings.TrimSpace(link), "https://chat.example/reset-password#")
	if !ok || len(token) < 40 {
		t.Fatalf("reset-link printed %q", link)
	}
	if _, err := cli("revoke", "olive"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli("frobnicate", "olive"); err == nil {
		t.Fatal("an unknown operator command succeeded")
	}

	store2, err := reopen(flags)
	if err != nil {
		t.Fatal(err)
	}
	defer store2.Close()
	ids = identity.New(store2, identity.Config{PasswordCost: identity.CheapPasswordCost()})
	acc, err := ids.AccountByHandle(ctx, "olive")
	if err != nil || acc.Role != "" {
		t.Fatalf("after grant and revoke: %+v, %v", acc, err)
	}
	if _, err := ids.ResetPassword(ctx, token, "olive-new-password"); err != nil {
		t.Fatalf("the printed link does not work: %v", err)
	}
	if _, err := ids.ResetPassword(ctx, token, "olive-newer-password"); !dm.IsCode(err, dm.EFORBIDDEN) {
		t.Fatalf("the link twice: %v, want forbidden", err)
	}
	if _, err := ids.Login(ctx, "olive", "olive-new-password", ""); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

func reopen(flags []string) (dm.Store, error) {
	if flags[0] == "--postgres" {
		return openPostgres(flags[1])
	}
	return sqlite.Open(context.Background(), server.DatabasePath(flags[1]))
}
