//go:build !linux

package local

import (
	"errors"
	"os"
)

// This file keeps the package building where Linux's system calls are
// missing: writes go through the page cache and are made durable with
// fsync. It is a seam for a port, not one: a port to macOS or Windows
// decides its own durability (F_FULLFSYNC, FlushFileBuffers and folder
// syncs) and its own refusal of links and FIFOs.

// openReadFlags adds nothing; checkBeforeOpen refuses links and FIFOs
// instead, with a window between its check and the open.
const openReadFlags = 0

// checkBeforeOpen fails unless path is a regular file (not a link).
func checkBeforeOpen(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errNotRegular
	}
	return nil
}

// setDirect is unsupported: every write is buffered.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }

// datasync makes f durable.
func datasync(f *os.File) error { return f.Sync() }

// adviseSequential does nothing.
func adviseSequential(*os.File) {}
