//go:build linux

package local

import (
	"os"

	"golang.org/x/sys/unix"
)

// openReadFlags opens a blob file for reading without following a link
// (ELOOP) and without blocking on a FIFO. (os adds O_CLOEXEC itself.)
const openReadFlags = unix.O_NOFOLLOW | unix.O_NONBLOCK

// checkBeforeOpen has nothing to do here: openReadFlags refuses links and
// FIFOs atomically, and openFile checks the opened file's type.
func checkBeforeOpen(string) error { return nil }

// setDirect sets or clears O_DIRECT on f.
func setDirect(f *os.File, on bool) error {
	fd := f.Fd()
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if on {
		fl |= unix.O_DIRECT
	} else {
		fl &^= unix.O_DIRECT
	}
	_, err = unix.FcntlInt(fd, unix.F_SETFL, fl)
	return err
}

// datasync makes f's data durable, without the metadata that reading it
// back does not need.
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// adviseSequential asks the kernel to read ahead generously.
func adviseSequential(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
}
