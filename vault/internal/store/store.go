package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/tvault/tvault/vault/internal/fault"
)

var (
	// ErrNotFound is returned when a key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrLocked is returned when another process holds the database.
	ErrLocked = errors.New("the vault is in use by another tvault process")
	// ErrStorage is wrapped by every operational storage failure.
	ErrStorage = fault.ErrStorage
	// ErrCorrupt wraps any sign that stored bytes were damaged; it is a
	// fault.ErrIntegrity.
	ErrCorrupt = fault.Sentinel("the vault's storage is damaged", fault.ErrIntegrity)
)

// Options configures Open. The zero value is a durable on-disk store that
// waits up to three seconds for another process to release the vault.
type Options struct {
	// LockWait is how long Open retries while another process holds the
	// database lock; zero means three seconds, negative means do not wait.
	LockWait time.Duration
	// ReadOnly opens the database without taking the write lock's
	// exclusivity from other readers. Badger refuses it on Windows
	// (badger.ErrWindowsNotSupported); nothing in tvault sets it.
	ReadOnly bool
	// Small sizes the database for a small drive: a field vault on a USB
	// stick. Its value-log files are smaller, so that it needs SmallReserve
	// free beyond its data rather than Reserve.
	Small bool
}

// Store is an open Badger database. Its methods are safe for concurrent use.
type Store struct {
	// mu guards db, which Scrub replaces: everything else holds it for
	// reading.
	mu      sync.RWMutex
	db      *badger.DB
	dir     string
	reserve uint64
	bo      badger.Options
	wait    time.Duration
}

// Reserve is the free space every mutating command keeps on the vault's
// file system beyond the data it writes: Badger preallocates value-log and
// memtable files sparsely and dies with SIGBUS, not an error, when the disk
// fills under its mmap.
const Reserve = 2*valueLogFileSize + 2*memTableSize + 32<<20

// SmallReserve is Reserve for a store opened with Options.Small: a field
// vault seals on a drive with 256 MiB free.
const SmallReserve = 2*smallValueLogFileSize + 2*memTableSize + 32<<20

const (
	memTableSize          = 16 << 20
	valueLogFileSize      = 256 << 20
	smallValueLogFileSize = 16 << 20
	// valueThreshold sends chunks, headers and DEK wraps (a post-quantum
	// wrap is ~2 KB) to the value log, and keeps the LSM tree to keys,
	// pointers and the small values (index, audit entries, tree hashes):
	// with 16 KiB here a 100,000-record vault had a 700 MB LSM tree, slow
	// lookups and hundreds of MiB of compaction buffers.
	valueThreshold = 1 << 10
)

// Open opens the Badger database in dir, creating it if it does not exist.
// Callers check that dir belongs to a vault before calling Open.
func Open(dir string, opts Options) (*Store, error) {
	vlog, reserve := int64(valueLogFileSize), uint64(Reserve)
	if opts.Small {
		vlog, reserve = smallValueLogFileSize, SmallReserve
	}
	bo := badger.DefaultOptions(dir).
		// Durability is explicit instead: Update commits and then syncs
		// the value log and the memtable's log (as SyncWrites would), while
		// blob chunks are committed unsynced and made durable by one Sync
		// before the record that names them is committed. A 1 GiB seal
		// then costs two syncs instead of one per few chunks.
		WithSyncWrites(false).
		WithLogger(quietLogger{}).
		WithMemTableSize(memTableSize).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithNumCompactors(2).
		WithValueLogFileSize(vlog).
		WithValueThreshold(valueThreshold).
		WithNumVersionsToKeep(1).
		// Compacting on close made every command pay ~0.2 s at exit;
		// compaction runs in the background of long commands instead.
		WithCompactL0OnClose(false).
		// Chunks are ciphertext and the rest is small: compression only
		// costs CPU on every read.
		WithCompression(options.None).
		WithDetectConflicts(false).
		// Verify block checksums when read: a flipped byte in a table is
		// then ErrCorrupt, not garbage. (Verifying whole tables at open
		// panics inside Badger on a damaged table, in a goroutine no caller
		// can recover.) Value-log entries are CRC-checked on every read as
		// well: DEK wraps live there, and a flipped byte in one is otherwise
		// found only by the member who tries to unwrap it.
		WithChecksumVerificationMode(options.OnBlockRead).
		WithVerifyValueChecksum(true).
		WithReadOnly(opts.ReadOnly)
	// Every level's tables 2 MiB (BaseTableSize), not twice the size of
	// the level above: a compaction builds each table in memory, up to
	// five at once, so with growing tables a bulk seal's peak memory grew
	// with the vault (221 MiB at 30,000 records against 115 MiB at 10,000);
	// with one size it stays flat.
	bo.TableSizeMultiplier = 1
	wait := opts.LockWait
	if wait == 0 {
		wait = 3 * time.Second
	}
	s := &Store{dir: dir, reserve: reserve, bo: bo, wait: wait}
	db, err := s.reopen()
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}

// reopen opens the database with the options Open chose.
func (s *Store) reopen() (*badger.DB, error) {
	bo, wait := s.bo, s.wait
	deadline := time.Now().Add(wait)
	removeUnstartedLogFiles(bo.Dir)
	cleanups := 0
	for {
		db, err := openRecovering(bo)
		if err == nil {
			return db, nil
		}
		if cleanups < 3 && isEmptyFileError(err) {
			// A process killed while Badger created a memtable or
			// value-log file leaves it empty, and Badger then refuses to
			// open (it treats an empty file as "new" only when creating,
			// not when replaying). A file that never had a byte written
			// holds no entry and nothing points into it: remove it.
			cleanups++
			if removeEmptyLogFiles(bo.Dir) > 0 {
				continue
			}
		}
		if !isLockError(err) {
			return nil, wrap("open the database", err)
		}
		if wait < 0 || time.Now().After(deadline) {
			return nil, ErrLocked
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openRecovering opens Badger, turning a panic on damaged files into ErrCorrupt.
func openRecovering(bo badger.Options) (db *badger.DB, err error) {
	defer recoverCorrupt(&err)
	return badger.Open(bo)
}

// recoverCorrupt turns a panic inside Badger — which it raises on some
// damaged files instead of returning an error — into ErrCorrupt, so that a
// damaged vault is an integrity finding and never a crash.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("the database panicked on its own files: %w", ErrCorrupt)
	}
}

// isLockError recognises Badger's refusal to open a database another
// process holds. Badger formats the cause into its message (%+v, not %w),
// so the text decides: "Another process is using this Badger database"
// ends the message on Linux and macOS (flock) and on Windows (a lock file
// opened without sharing) alike.
func isLockError(err error) bool {
	return errors.Is(err, syscall.EWOULDBLOCK) || strings.Contains(err.Error(), "Another process is using this Badger database")
}

// Close flushes and closes the database. It must be called on every path.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil // a reopen in Scrub failed, and said so
	}
	return wrap("close the database", s.db.Close())
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Txn) error) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	defer recoverCorrupt(&err)
	if s.db == nil {
		return errReopen
	}
	return s.db.View(func(t *badger.Txn) error { return fn(&Txn{t: t}) })
}

// Update runs fn in a read-write transaction and commits it durably if fn
// returns nil. Nothing fn wrote is visible to anyone unless the commit
// succeeds. It first checks that the disk holds Reserve more than the
// database needs, so that no write path can forget to: Badger dies with
// SIGBUS, not an error, when the disk fills under its mmap.
func (s *Store) Update(fn func(*Txn) error) (err error) {
	if err := s.CheckFreeSpace(0); err != nil {
		return err
	}
	if err := s.commit(fn); err != nil {
		return err
	}
	return s.Sync()
}

func (s *Store) commit(fn func(*Txn) error) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	defer recoverCorrupt(&err)
	if s.db == nil {
		return errReopen
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	if err := fn(&Txn{t: txn}); err != nil {
		return err
	}
	return wrap("commit", txn.Commit())
}

// CheckFreeSpace fails with an error wrapping ErrNoSpace when the disk
// holding the database has less than need bytes plus Reserve available:
// for a command to check the data it will write outside a transaction
// (blob files) before it starts.
func (s *Store) CheckFreeSpace(need int64) error { return checkFreeSpace(s.dir, need, s.reserve) }

// Sync makes everything committed so far durable.
func (s *Store) Sync() (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	defer recoverCorrupt(&err)
	if s.db == nil {
		return errReopen
	}
	return wrap("sync", s.db.Sync())
}

// DropPrefixes removes every key under each of the given logical prefixes
// and rewrites the tables that held them.
func (s *Store) dropPrefixes(prefixes ...[]byte) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errReopen
	}
	return wrap("remove data", s.db.DropPrefix(prefixes...))
}

// wrap turns a Badger error into one that names the operation and a coarse
// cause but never Badger's text, which may hex-dump keys or values.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	var se *storeError
	if errors.As(err, &se) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) {
		return err
	}
	return &storeError{op: op, cause: classify(err), err: err}
}

type storeError struct {
	op    string
	cause string
	err   error
}

func (e *storeError) Error() string { return "failed to " + e.op + ": " + e.cause }

// Unwrap exposes ErrStorage, and ErrCorrupt or ErrNoSpace where they apply;
// the Badger error itself stays hidden so that its text cannot leak through
// %v or errors.Unwrap chains.
func (e *storeError) Unwrap() []error {
	errs := []error{ErrStorage}
	if e.cause == causeDamaged {
		errs = append(errs, ErrCorrupt)
	}
	if errors.Is(e.err, syscall.ENOSPC) || errors.Is(e.err, syscall.EDQUOT) {
		errs = append(errs, ErrNoSpace)
	}
	return errs
}

const causeDamaged = "stored data is damaged"

func classify(err error) string {
	msg := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "permission denied"
	case errors.Is(err, badger.ErrTxnTooBig):
		return "transaction too large"
	case strings.Contains(msg, "checksum"), strings.Contains(msg, "corrupt"), strings.Contains(msg, "invalid"),
		strings.Contains(msg, "magic"), strings.Contains(msg, "unexpected eof"), strings.Contains(msg, "truncate"),
		strings.Contains(msg, "manifest"), strings.Contains(msg, "out of range"), strings.Contains(msg, "bad "):
		return causeDamaged
	default:
		return "storage error"
	}
}

// quietLogger drops Badger's informational chatter. Warnings and errors are
// dropped too: they can quote keys, and the caller sees every failure that
// matters as a returned error.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...interface{})   {}
func (quietLogger) Warningf(string, ...interface{}) {}
func (quietLogger) Infof(string, ...interface{})    {}
func (quietLogger) Debugf(string, ...interface{})   {}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func u32(v uint32) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return b[:]
}
