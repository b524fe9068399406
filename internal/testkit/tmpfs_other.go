//go:build !linux

package testkit

import "testing"

// Tmpfs skips the test: mounting a small file system to fill it on purpose
// is done on Linux only.
func Tmpfs(t testing.TB, size int64) string {
	t.Skip("a tmpfs to fill is mounted on Linux only")
	return ""
}
