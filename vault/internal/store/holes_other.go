//go:build !linux && !darwin

package store

import "os"

// holesFrom: without SEEK_DATA (Windows), f is read through and must hold
// only zeros from offset. NTFS does not make Badger's extended files sparse,
// but reads past what was written return zeros without touching the disk,
// so proving an empty file costs a pass over memory, not the disk.
func holesFrom(f *os.File, offset int64) bool { return zerosFrom(f, offset) }
