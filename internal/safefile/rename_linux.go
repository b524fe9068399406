package safefile

import "golang.org/x/sys/unix"

// renameNoReplace renames a file to path unless path exists (then an
// error matching fs.ErrExist), atomically.
func renameNoReplace(tmp, path string) error {
	return unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE)
}
