package local

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// The error numbers newFileError classifies by. Windows reports its own
// (ERROR_*); the POSIX names, which Go defines on Windows but the system
// never returns, are kept so that a class means the same on every
// platform.
var (
	errnoNoSpace = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT,
		windows.ERROR_DISK_FULL, windows.ERROR_HANDLE_DISK_FULL, windows.ERROR_DISK_QUOTA_EXCEEDED}
	errnoTooLarge = []syscall.Errno{syscall.EFBIG, windows.ERROR_FILE_TOO_LARGE}
	errnoReadOnly = []syscall.Errno{syscall.EROFS, windows.ERROR_WRITE_PROTECT}
	errnoIO       = []syscall.Errno{syscall.EIO, windows.ERROR_CRC, windows.ERROR_READ_FAULT, windows.ERROR_IO_DEVICE}
)
