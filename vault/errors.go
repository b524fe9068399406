package vault

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned for a record, class or attachment that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrIntegrity is wrapped by every error that reports damaged or forged
	// data: a bad signature, a hash mismatch, a missing blob, a broken log.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrNotVault is returned when a directory is not a tvault vault.
	ErrNotVault = errors.New("not a tvault vault")
	// ErrDenied is wrapped by *DeniedError.
	ErrDenied = errors.New("denied")
)

// DeniedError reports an operation that the policy or the member's keys do
// not allow. It has been recorded in the audit log.
type DeniedError struct {
	Member string
	Action string
	Reason string
}

func (e *DeniedError) Error() string {
	who := e.Member
	if who == "" {
		who = "this identity"
	}
	return fmt.Sprintf("%s may not %s: %s", who, e.Action, e.Reason)
}

func (e *DeniedError) Unwrap() error { return ErrDenied }

// InputError reports bad input from the user (a form, a flag value) that was
// refused before anything was written.
type InputError struct {
	Source string // e.g. the form's file name; may be empty
	Msg    string
}

func (e *InputError) Error() string {
	if e.Source == "" {
		return e.Msg
	}
	return e.Source + ": " + e.Msg
}

func inputErrorf(source, format string, args ...any) error {
	return &InputError{Source: source, Msg: fmt.Sprintf(format, args...)}
}

func integrityErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIntegrity, fmt.Sprintf(format, args...))
}
