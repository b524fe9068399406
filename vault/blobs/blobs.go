package blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tvault/tvault/vault/internal/fault"
)

// Store keeps blobs: immutable byte strings, each named by an id, written
// once and read whole or in ranges.
//
// Every method is safe for concurrent use, refuses an id that ValidID
// rejects with an error wrapping ErrInvalidID, and fails with an error
// wrapping fault.ErrStorage (and fault.ErrNoSpace for a full disk or quota)
// when the backing storage fails.
type Store interface {
	// Create starts writing blob id. Nothing is visible under id (Open,
	// Stat, List as complete) until the Writer's Commit returns nil; a blob
	// already stored under id is replaced then. Callers write each id once.
	//
	// ctx governs the whole write: once it is done, Write and Commit fail
	// with an error wrapping ctx.Err() and Commit leaves nothing but at most
	// a partial. The caller must call Commit or Abort.
	Create(ctx context.Context, id string) (Writer, error)
	// Open opens blob id for reading; it must hold exactly size bytes. A
	// missing blob is an error wrapping ErrNotExist, one of another size an
	// error wrapping ErrCorrupt. The caller must Close the Reader.
	Open(ctx context.Context, id string, size int64) (Reader, error)
	// Stat returns a complete blob's Info, without its BLAKE3, or an error
	// wrapping ErrNotExist if there is none.
	Stat(ctx context.Context, id string) (Info, error)
	// List calls fn for every complete blob, then for every partial one an
	// interrupted (or unfinished) write left, with Info.Partial set. An
	// error from fn stops List, which returns it. An entry that no write
	// of this store could have made is skipped and reported, wrapping
	// ErrCorrupt, after all others were visited.
	List(ctx context.Context, fn func(Info) error) error
	// Remove removes the given blobs, complete and partial; ids that do not
	// exist are not an error. Every id is checked before anything is
	// removed. The removal is durable when Remove returns nil.
	Remove(ctx context.Context, ids ...string) error
	// RemovePartial removes only what interrupted writes of the given ids
	// left; a complete blob of the same id is untouched. Otherwise it
	// behaves as Remove.
	RemovePartial(ctx context.Context, ids ...string) error
}

// Writer writes one blob. It is not safe for concurrent use.
type Writer interface {
	// Write appends p to the blob. Once a Write has failed, every later
	// Write and Commit fail.
	io.Writer
	// Commit makes the blob durable (it survives a power cut) and visible,
	// and returns its Info with Size and BLAKE3, the BLAKE3-256 of every
	// byte written, computed as the bytes went by. A failed Commit removes
	// what was written, leaving at most a partial if that removal fails
	// too. Commit may be called once; later calls fail.
	Commit() (Info, error)
	// Abort discards the blob, removing whatever was written. It does
	// nothing after Commit and may be called more than once, so that
	// "defer w.Abort()" is always safe.
	Abort()
}

// Reader reads one blob of a known size. Read is not safe for concurrent
// use; ReadAt is.
type Reader interface {
	// Read reads from the start of the blob onwards.
	io.Reader
	// ReadAt reads a range, independent of Read's position. It never
	// returns bytes past Size; a blob found shorter than Size while it is
	// read is an error wrapping ErrCorrupt.
	io.ReaderAt
	io.Closer
	// Size returns the blob's size, as passed to Open.
	Size() int64
}

// Info describes a stored blob.
type Info struct {
	ID   string
	Size int64 // the bytes stored; for a partial blob, those written so far
	// BLAKE3 is the BLAKE3-256 of the blob, set only in the Info that
	// Commit returns: a store does not keep it, and Stat and List leave it
	// zero.
	BLAKE3  [32]byte
	Partial bool // left by an interrupted write: never part of a record
}

var (
	// ErrNotExist is wrapped by the error for a blob that is not stored.
	// It wraps fault.ErrIntegrity: a blob that a signed header names but
	// the store lacks is damage. It is not fs.ErrNotExist.
	ErrNotExist = fmt.Errorf("blob is missing: %w", fault.ErrIntegrity)
	// ErrCorrupt is wrapped by every error that reports a damaged blob or
	// store: a blob of the wrong size, one that ends early while it is
	// read, an entry no write could have made. It wraps fault.ErrIntegrity.
	ErrCorrupt = fmt.Errorf("blob is damaged: %w", fault.ErrIntegrity)
	// ErrInvalidID is wrapped by the error for an id that ValidID rejects:
	// a caller's mistake, or a header that names one (the engine checks
	// ids with ValidID as it verifies a header).
	ErrInvalidID = errors.New("invalid blob id")
)

// partSuffix ends no valid id, so that a backend can name a partial blob
// <id>.part (package local does, on disk).
const partSuffix = ".part"

// ValidID reports whether id can name a blob: 1 to 200 characters of
// [A-Za-z0-9._-], not starting with a dot and not ending in ".part": a
// plain file or object name that no backend mistakes for a folder, a
// hidden file or a partial blob. The engine's ids are
// "<record id>-<class>-<n>" and "<record id>-<class>-m".
func ValidID(id string) bool {
	if id == "" || len(id) > 200 || id[0] == '.' || strings.HasSuffix(id, partSuffix) {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// CheckIDs returns nil if ValidID accepts every id, and otherwise an error
// wrapping ErrInvalidID that quotes (the start of) the first one rejected.
func CheckIDs(ids ...string) error {
	for _, id := range ids {
		if !ValidID(id) {
			// %.64q: the id may come from a forged header; it is quoted,
			// so it cannot break the message, and capped.
			return fmt.Errorf("%w %.64q", ErrInvalidID, id)
		}
	}
	return nil
}
