package faulty

import (
	"context"
	"fmt"
	"sync"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Op names an operation that can be made to fail.
type Op int

// The operations. Write and Read are measured in bytes, List in entries,
// the others in calls.
const (
	Create Op = iota
	Write
	Commit
	Open
	Read // Read and ReadAt
	Stat
	List
	Remove
	RemovePartial
	numOps
)

var opNames = [numOps]string{"create", "write", "commit", "open", "read", "stat", "list", "remove", "remove partial"}

func (op Op) String() string {
	if op < 0 || op >= numOps {
		return fmt.Sprintf("Op(%d)", int(op))
	}
	return opNames[op]
}

// ErrInjected is wrapped by every failure the Store injects. It wraps
// fault.ErrStorage.
var ErrInjected = fmt.Errorf("injected failure: %w", fault.ErrStorage)

// Store is a blobs.Store that passes every call to an inner Store, failing
// those it was told to. Its methods are safe for concurrent use.
type Store struct {
	inner    blobs.Store
	mu       sync.Mutex
	rules    [numOps]rule
	calls    [numOps]int64
	injected [numOps]int64
}

// rule is how an operation fails; the zero rule never fails it.
type rule struct {
	on    bool
	n     int64   // the units still allowed (calls), or the allowance (bytes, entries)
	kinds []error // wrapped beside ErrInjected
}

var _ blobs.Store = (*Store)(nil)

// New returns a Store over inner that injects nothing until told to.
func New(inner blobs.Store) *Store { return &Store{inner: inner} }

// FailAfter makes op fail once n more units of it have succeeded, and
// every time after that until Heal:
//
//   - Write: each writer fails once it has written n bytes (counted from
//     its start; the Write that crosses n writes up to n). Its Commit then
//     fails too, aborting the inner writer.
//   - Read: each reader fails once n bytes have been read from it, by Read
//     and ReadAt together.
//   - List: each List call fails once fn has seen n entries (at once if n
//     is 0).
//   - the others: the calls after the next n fail, before reaching the
//     inner Store (a failed Commit aborts the inner writer).
//
// The failure wraps ErrInjected and each of kinds, such as fault.ErrNoSpace
// to play a full disk. FailAfter replaces any earlier setting for op.
func (s *Store) FailAfter(op Op, n int64, kinds ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules[op] = rule{on: true, n: max(n, 0), kinds: kinds}
}

// Heal stops every injected failure. The counters are kept.
func (s *Store) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = [numOps]rule{}
}

// Calls returns how often op was called, failed or not: for Write and Read
// the calls of Write and of Read and ReadAt, for List the calls of List.
func (s *Store) Calls(op Op) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Injected returns how many failures were injected into op.
func (s *Store) Injected(op Op) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected[op]
}

// injectedError is one injected failure.
type injectedError struct {
	op    Op
	kinds []error
}

func (e *injectedError) Error() string {
	return "faulty: " + e.op.String() + ": " + ErrInjected.Error()
}

func (e *injectedError) Unwrap() []error { return append([]error{ErrInjected}, e.kinds...) }

// call counts a call of op and returns the failure to inject, if any.
func (s *Store) call(op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	r := &s.rules[op]
	switch {
	case !r.on:
		return nil
	case r.n > 0:
		r.n--
		return nil
	}
	s.injected[op]++
	return &injectedError{op: op, kinds: r.kinds}
}

// allowance counts a call of op and returns how many units (bytes,
// entries) a stream may reach before it fails, or -1 for no limit.
func (s *Store) allowance(op Op) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	if !s.rules[op].on {
		return -1
	}
	return s.rules[op].n
}

// inject counts and returns an injected failure of a stream op.
func (s *Store) inject(op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injected[op]++
	return &injectedError{op: op, kinds: s.rules[op].kinds}
}

// Create counts the call, fails it if told to, and otherwise wraps the
// inner Store's Writer.
func (s *Store) Create(ctx context.Context, id string) (blobs.Writer, error) {
	if err := s.call(Create); err != nil {
		return nil, err
	}
	w, err := s.inner.Create(ctx, id)
	if err != nil {
		return nil, err
	}
	return &writer{s: s, inner: w}, nil
}

// Open counts the call, fails it if told to, and otherwise wraps the inner
// Store's Reader.
func (s *Store) Open(ctx context.Context, id string, size int64) (blobs.Reader, error) {
	if err := s.call(Open); err != nil {
		return nil, err
	}
	r, err := s.inner.Open(ctx, id, size)
	if err != nil {
		return nil, err
	}
	return &reader{s: s, inner: r}, nil
}

// Stat counts the call and fails it if told to.
func (s *Store) Stat(ctx context.Context, id string) (blobs.Info, error) {
	if err := s.call(Stat); err != nil {
		return blobs.Info{}, err
	}
	return s.inner.Stat(ctx, id)
}

// List counts the call and stops with a failure after the entries it
// was told to allow.
func (s *Store) List(ctx context.Context, fn func(blobs.Info) error) error {
	limit := s.allowance(List)
	if limit == 0 {
		return s.inject(List)
	}
	seen := int64(0)
	return s.inner.List(ctx, func(info blobs.Info) error {
		if limit > 0 && seen == limit {
			return s.inject(List)
		}
		seen++
		return fn(info)
	})
}

// Remove counts the call and fails it, removing nothing, if told to.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	if err := s.call(Remove); err != nil {
		return err
	}
	return s.inner.Remove(ctx, ids...)
}

// RemovePartial counts the call and fails it, removing nothing, if told to.
func (s *Store) RemovePartial(ctx context.Context, ids ...string) error {
	if err := s.call(RemovePartial); err != nil {
		return err
	}
	return s.inner.RemovePartial(ctx, ids...)
}
