package local

import (
	"os"

	"golang.org/x/sys/unix"
)

// platformIO on Linux writes with O_DIRECT where the file system takes it,
// syncs with fdatasync (a blob is never modified after it is written: its
// size is the only metadata reading it needs) and advises sequential reads.
var platformIO = fileIO{
	setDirect:        setDirect,
	datasync:         func(f *os.File) error { return unix.Fdatasync(int(f.Fd())) },
	adviseSequential: func(f *os.File) { _ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL) },
}

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
