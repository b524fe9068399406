package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/tvault/tvault/internal/text"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/store"
)

// The errors a caller of this package branches on. Every error it returns
// that reports damaged or forged data — from the store, a blob backend,
// the audit log or a signature — wraps ErrIntegrity, whichever layer found
// it; a caller needs no other package's sentinels.
var (
	// ErrNotFound is returned for a record, class or attachment that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrIntegrity is wrapped by every error that reports damaged or forged
	// data: a bad signature, a hash mismatch, a missing blob, a broken log.
	ErrIntegrity = fault.ErrIntegrity
	// ErrNotVault is returned when a directory is not a tvault vault.
	ErrNotVault = errors.New("not a tvault vault")
	// ErrDenied is wrapped by *DeniedError.
	ErrDenied = errors.New("denied")
	// ErrLocked is returned when another process has the vault open.
	ErrLocked = store.ErrLocked
	// ErrNoSpace is wrapped by a write refused or failed for lack of disk space.
	ErrNoSpace = fault.ErrNoSpace
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
	// The source is a path: a folder named with a newline must not add a
	// line of its own to the message.
	return text.Escape(e.Source) + ": " + e.Msg
}

func inputErrorf(source, format string, args ...any) error {
	return &InputError{Source: source, Msg: fmt.Sprintf(format, args...)}
}

func integrityErrorf(format string, args ...any) error { return fault.Integrityf(format, args...) }

// damaged is the one classification of data errors, used by check, open
// and cat alike: whether err reports damaged or forged data (a finding of
// check, exit 4) rather than an operational failure. A key that the
// vault's own structures name but the store lacks is damage too.
func damaged(err error) bool {
	return errors.Is(err, ErrIntegrity) || errors.Is(err, store.ErrNotFound)
}

// boundary maps what a lower layer returns to what this package promises:
// a store key missing below the engine (never a lookup a user caused:
// those are ErrNotFound already) is damage, and says so.
func boundary(err error) error {
	if err == nil || errors.Is(err, ErrIntegrity) || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w: stored data the vault refers to is missing", ErrIntegrity)
}

// blobError describes a failed blob read: damaged or missing ciphertext,
// an operational failure of the store, or ciphertext that does not decrypt.
func blobError(id string, err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err // interrupted, not damaged
	case errors.Is(err, blobs.ErrNotExist), errors.Is(err, ErrIntegrity):
		return integrityErrorf("blob %s: stored ciphertext is missing or damaged", id)
	case errors.Is(err, fault.ErrStorage), errors.Is(err, ErrNoSpace):
		return err // an operational failure, not damaged data
	default:
		return integrityErrorf("blob %s does not decrypt (damaged or forged ciphertext)", id)
	}
}
