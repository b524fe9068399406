//go:build unix

package store

import "golang.org/x/sys/unix"

// freeSpace: statfs's blocks available to unprivileged users, in units of
// the file system's block size (Bsize and Bavail differ in width between
// Linux and macOS, hence the conversions).
func freeSpace(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
