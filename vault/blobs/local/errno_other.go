//go:build !windows

package local

import "syscall"

// The error numbers newFileError classifies by (see errno_windows.go).
var (
	errnoNoSpace  = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT}
	errnoTooLarge = []syscall.Errno{syscall.EFBIG}
	errnoReadOnly = []syscall.Errno{syscall.EROFS}
	errnoIO       = []syscall.Errno{syscall.EIO}
)
