package safefile

import "golang.org/x/sys/unix"

// renameNoReplace: renameat2 with RENAME_NOREPLACE fails with EEXIST, which
// matches fs.ErrExist, when to exists. (Linux 3.15 and later, on the local
// file systems tvault supports; others fail with EINVAL and nothing moves.)
func renameNoReplace(from, to string) error {
	return unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
}
