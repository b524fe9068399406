package store

import (
	"fmt"

	"github.com/tvault/tvault/vault/internal/fault"
)

// FreeSpace returns the bytes available to an unprivileged writer (within
// its quota, where there is one) on the file system holding dir, which must
// exist: statfs on Linux and macOS, GetDiskFreeSpaceEx on Windows.
func FreeSpace(dir string) (uint64, error) {
	free, err := freeSpace(dir)
	if err != nil {
		return 0, fmt.Errorf("failed to read free space: %w", err)
	}
	return free, nil
}

// CheckFreeSpace fails with an error wrapping ErrNoSpace when the file system
// holding dir has less than need bytes plus Reserve (SmallReserve when
// small) available.
func CheckFreeSpace(dir string, need int64, small bool) error {
	reserve := uint64(Reserve)
	if small {
		reserve = SmallReserve
	}
	return checkFreeSpace(dir, need, reserve)
}

func checkFreeSpace(dir string, need int64, reserve uint64) error {
	free, err := FreeSpace(dir)
	if err != nil {
		return err
	}
	if need < 0 {
		need = 0
	}
	want := uint64(need) + reserve
	if free < want {
		return &SpaceError{Free: free, Need: want, Reserve: reserve}
	}
	return nil
}

// ErrNoSpace is wrapped by SpaceError.
var ErrNoSpace = fault.ErrNoSpace

// SpaceError reports a refused write for lack of disk space.
type SpaceError struct{ Free, Need, Reserve uint64 }

func (e *SpaceError) Error() string {
	return fmt.Sprintf("not enough free disk space: %s needed (with a %s safety reserve), %s available",
		humanBytes(e.Need), humanBytes(e.Reserve), humanBytes(e.Free))
}

func (e *SpaceError) Unwrap() error { return ErrNoSpace }

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
