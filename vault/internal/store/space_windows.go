package store

import "golang.org/x/sys/windows"

// freeSpace: GetDiskFreeSpaceEx's bytes available to the caller, which,
// like statfs's Bavail, leaves out what a quota denies this user.
func freeSpace(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &free, nil, nil); err != nil {
		return 0, err
	}
	return free, nil
}
