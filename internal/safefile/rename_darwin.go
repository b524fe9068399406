package safefile

import "golang.org/x/sys/unix"

// renameNoReplace: renamex_np with RENAME_EXCL (macOS 10.12 and later)
// fails with EEXIST, which matches fs.ErrExist, when to exists. It renames
// files and folders alike; the kernel checks and renames under one lock.
func renameNoReplace(from, to string) error {
	return unix.RenamexNp(from, to, unix.RENAME_EXCL)
}
