//go:build !unix

package sqlite

import "os"

// lockFile does not lock on this system.
func lockFile(path string) (*os.File, error) { return nil, nil }
