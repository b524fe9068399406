//go:build unix

package local

import (
	"errors"
	"os"
	"syscall"
)

// openRead opens a blob file for reading. O_NOFOLLOW refuses a link
// planted under its name (ELOOP, on Linux and macOS alike) and O_NONBLOCK
// keeps a FIFO from hanging the open, atomically; openFile then refuses
// anything but a regular file. (Regular files ignore O_NONBLOCK; os adds
// O_CLOEXEC itself.)
func openRead(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, errNotRegular
	}
	return f, err
}

// createPart creates a partial blob file, mode 0600, failing if anything
// exists under its name.
func createPart(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}
