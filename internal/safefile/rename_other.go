//go:build !linux && !darwin && !windows

package safefile

import (
	"errors"
	"os"
)

// renameNoReplace is the portable fallback for systems tvault is not
// released for: a hard link, which never replaces (EEXIST), then the
// removal of the old name. It works for files only: a folder fails, and
// nothing is replaced.
func renameNoReplace(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return errors.Unwrap(err) // the errno: RenameNoReplace names the paths
	}
	return os.Remove(from)
}
