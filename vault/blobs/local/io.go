package local

import (
	"errors"
	"os"
)

// fileIO is how a Store writes, syncs and reads ahead its files: the
// platform's own system calls (platformIO, in io_linux.go and io_other.go)
// or the portable ones every platform has (portableIO). A test or a
// benchmark sets a Store's to portableIO to run, on Linux, the very path
// that macOS and Windows take.
type fileIO struct {
	// setDirect sets or clears O_DIRECT on f, or fails where it cannot:
	// the writer then writes through the page cache.
	setDirect func(f *os.File, on bool) error
	// datasync makes f's data, and what reading it back needs, durable.
	datasync func(f *os.File) error
	// adviseSequential asks for generous read-ahead on f.
	adviseSequential func(f *os.File)
}

// portableIO writes through the page cache and makes a file durable with
// (*os.File).Sync, which is what durability needs on each platform:
//   - Linux: fsync.
//   - macOS: fcntl(F_FULLFSYNC). Plain fsync (and fdatasync) there leave
//     the data in the drive's write cache; Go's Sync asks the drive to
//     flush it, and falls back to fsync only where the file system refuses
//     F_FULLFSYNC (ENOTSUP, e.g. SMB). See
//     $GOROOT/src/internal/poll/fd_fsync_darwin.go.
//   - Windows: FlushFileBuffers, which flushes the drive's cache too.
var portableIO = fileIO{
	setDirect:        func(*os.File, bool) error { return errors.ErrUnsupported },
	datasync:         (*os.File).Sync,
	adviseSequential: func(*os.File) {},
}
