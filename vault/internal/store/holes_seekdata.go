//go:build linux || darwin

package store

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// holesFrom reports whether f has only holes from offset to its end:
// lseek(SEEK_DATA) finds no data there (ENXIO). Badger extends its new
// files with ftruncate, which leaves holes on ext4, XFS, Btrfs and APFS. A
// file system without holes (HFS+, FAT) reports data everywhere, so the
// file is kept: the answer is never a wrong "empty".
func holesFrom(f *os.File, offset int64) bool {
	_, err := unix.Seek(int(f.Fd()), offset, unix.SEEK_DATA)
	return errors.Is(err, syscall.ENXIO)
}
