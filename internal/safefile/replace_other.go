//go:build !windows

package safefile

import "syscall"

// renameReplace is rename(2): atomic, replacing to. Its durability is the
// caller's SyncDir of the folder.
func renameReplace(from, to string) error { return syscall.Rename(from, to) }
