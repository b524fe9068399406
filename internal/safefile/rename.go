package safefile

import "os"

// RenameNoReplace renames the file or folder from to to, atomically, unless
// to exists — as anything, a dangling symbolic link included: then it
// returns an error matching fs.ErrExist and changes nothing. Both must be
// on the same file system. Errors are *os.LinkError, as os.Rename's.
//
// Each platform has its own primitive: renameat2(RENAME_NOREPLACE) on
// Linux, renamex_np(RENAME_EXCL) on macOS, MoveFileEx without
// MOVEFILE_REPLACE_EXISTING on Windows. The caller makes the new name
// durable with SyncDir on the folder holding to (on Windows the move is
// written through instead).
//
// On Windows a file or folder cannot be renamed while it, or a file in it,
// is open without FILE_SHARE_DELETE (as os.Open opens files): close first.
func RenameNoReplace(from, to string) error {
	return linkError(from, to, renameNoReplace(from, to))
}

// Rename renames the file from to to, replacing a file at to, atomically,
// as os.Rename does. The caller makes it durable with SyncDir on the
// folder holding to; on Windows, where SyncDir cannot flush a folder, the
// move is written through to disk before Rename returns instead.
func Rename(from, to string) error {
	return linkError(from, to, renameReplace(from, to))
}

func linkError(from, to string, err error) error {
	if err == nil {
		return nil
	}
	return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
}
