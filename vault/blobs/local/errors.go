package local

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
)

// fileError reports a failed file operation. It names the operation and a
// coarse cause, never the path: the operating system's error, which quotes
// the path, is dropped, not wrapped, so that neither %v nor errors.Unwrap
// can reach it.
type fileError struct {
	op      string
	cause   string
	damaged bool // an I/O error while reading: the stored bytes are damaged
	noSpace bool
}

const causeStorage = "storage error"

// newFileError classifies err by its error number alone (a path may contain
// any word): a full disk or quota is fault.ErrNoSpace, an I/O error while
// reading is damage (blobs.ErrCorrupt), everything is fault.ErrStorage.
func newFileError(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &fileError{op: op, cause: causeStorage}
	switch {
	case isErrno(err, errnoNoSpace):
		e.cause, e.noSpace = "the disk is full", true
	case isErrno(err, errnoTooLarge):
		e.cause = "the file is too large for this file system"
	case errors.Is(err, fs.ErrPermission): // EACCES, EPERM; ERROR_ACCESS_DENIED
		e.cause = "permission denied"
	case isErrno(err, errnoReadOnly):
		e.cause = "the file system is read-only"
	case isErrno(err, errnoIO) && strings.HasPrefix(op, "read"):
		e.cause, e.damaged = "stored data is damaged", true
	}
	return e
}

// isErrno reports whether err wraps one of the error numbers.
func isErrno(err error, errnos []syscall.Errno) bool {
	for _, n := range errnos {
		if errors.Is(err, n) {
			return true
		}
	}
	return false
}

func (e *fileError) Error() string { return "failed to " + e.op + ": " + e.cause }

// Unwrap exposes the kinds a caller branches on, never the cause's source.
func (e *fileError) Unwrap() []error {
	errs := []error{fault.ErrStorage}
	if e.damaged {
		errs = append(errs, blobs.ErrCorrupt)
	}
	if e.noSpace {
		errs = append(errs, fault.ErrNoSpace)
	}
	return errs
}
