//go:build !linux

package safefile

import (
	"errors"
	"os"
)

// setDirect: outside Linux every write goes through the page cache (macOS
// has F_NOCACHE, Windows FILE_FLAG_NO_BUFFERING at open; neither is used
// yet).
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
