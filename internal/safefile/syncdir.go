//go:build !windows

package safefile

import "os"

// SyncDir makes dir's entries durable: the files created, renamed or
// removed in it survive a power cut once it returns.
//
// On macOS, (*os.File).Sync is fcntl(F_FULLFSYNC), which also flushes the
// drive's write cache (plain fsync there does not); Go falls back to fsync
// only where the file system refuses F_FULLFSYNC (ENOTSUP, e.g. SMB). See
// $GOROOT/src/internal/poll/fd_fsync_darwin.go.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
