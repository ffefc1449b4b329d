package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDataFoldersIgnored: the folders that serve and demo create by default
// in the checkout are ignored by git, so that `make demo` leaves the working
// tree clean.
func TestDataFoldersIgnored(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if exec.Command(git, "-C", root, "rev-parse", "--is-inside-work-tree").Run() != nil {
		t.Skip("a git checkout is not available: the source is not inside one (a tarball)")
	}
	for _, p := range []string{"parley-data/parley.db", "parley-demo-data/parley.db"} {
		if err := exec.Command(git, "-C", root, "check-ignore", "-q", p).Run(); err != nil {
			t.Errorf("git does not ignore %s: %v", p, err)
		}
	}
}
