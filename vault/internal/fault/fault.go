package fault

import (
	"errors"
	"fmt"
)

var (
	// ErrIntegrity is wrapped by every error that reports damaged or forged
	// data: a bad signature, a hash mismatch, a missing or truncated blob, a
	// broken audit log, a storage file that no longer parses.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrStorage is wrapped by every operational storage failure: the data
	// may be fine, but it could not be read or written.
	ErrStorage = errors.New("storage error")
	// ErrNoSpace is wrapped by a write refused or failed for lack of disk
	// space or quota.
	ErrNoSpace = errors.New("not enough free disk space")
)

// Integrityf returns an error wrapping ErrIntegrity whose text is
// "integrity check failed: " and the formatted message.
func Integrityf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIntegrity, fmt.Sprintf(format, args...))
}

// Sentinel returns a sentinel error with its own message that also
// matches kind under errors.Is: a layer's ErrCorrupt is an ErrIntegrity.
func Sentinel(msg string, kind error) error { return &sentinel{msg: msg, kind: kind} }

type sentinel struct {
	msg  string
	kind error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.kind }
