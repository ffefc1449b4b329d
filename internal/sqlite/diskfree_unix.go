//go:build unix

package sqlite

import "syscall"

// freeBytes returns the bytes an unprivileged writer may still use on the
// file system that holds dir, or -1 when it cannot tell.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
