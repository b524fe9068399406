package mem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/zeebo/blake3"
)

// Store keeps blobs in memory. Its methods are safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	complete map[string][]byte
	partial  map[string]*writer // the writer of each id being written
}

var _ blobs.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{complete: map[string][]byte{}, partial: map[string]*writer{}}
}

// Create starts writing blob id. A writer of the same id that is still
// open loses its partial blob, as an interrupted write would; its Commit
// then fails.
func (s *Store) Create(ctx context.Context, id string) (blobs.Writer, error) {
	if err := blobs.CheckIDs(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("failed to create blob %s: %w", id, err)
	}
	w := &writer{s: s, ctx: ctx, id: id, sum: blake3.New()}
	s.mu.Lock()
	s.partial[id] = w
	s.mu.Unlock()
	return w, nil
}

// Open returns a Reader over blob id, which must hold size bytes.
func (s *Store) Open(ctx context.Context, id string, size int64) (blobs.Reader, error) {
	if err := blobs.CheckIDs(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("failed to open blob %s: %w", id, err)
	}
	s.mu.Lock()
	b, ok := s.complete[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", id, blobs.ErrNotExist)
	}
	if int64(len(b)) != size {
		return nil, fmt.Errorf("blob %s has %d bytes, want %d: %w", id, len(b), size, blobs.ErrCorrupt)
	}
	return &reader{b: b}, nil
}

// Stat returns the Info of the complete blob id.
func (s *Store) Stat(ctx context.Context, id string) (blobs.Info, error) {
	if err := blobs.CheckIDs(id); err != nil {
		return blobs.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return blobs.Info{}, fmt.Errorf("failed to stat blob %s: %w", id, err)
	}
	s.mu.Lock()
	b, ok := s.complete[id]
	s.mu.Unlock()
	if !ok {
		return blobs.Info{}, fmt.Errorf("blob %s: %w", id, blobs.ErrNotExist)
	}
	return blobs.Info{ID: id, Size: int64(len(b))}, nil
}

// List calls fn for every complete blob, then for every partial one, each
// in the order of their ids. fn runs without the Store's lock held, so it
// may call the Store.
func (s *Store) List(ctx context.Context, fn func(blobs.Info) error) error {
	var infos []blobs.Info
	s.mu.Lock()
	for id, b := range s.complete {
		infos = append(infos, blobs.Info{ID: id, Size: int64(len(b))})
	}
	for id, w := range s.partial {
		infos = append(infos, blobs.Info{ID: id, Size: int64(len(w.buf)), Partial: true})
	}
	s.mu.Unlock()
	slices.SortFunc(infos, func(a, b blobs.Info) int {
		if a.Partial != b.Partial {
			if a.Partial {
				return 1
			}
			return -1
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("failed to list blobs: %w", err)
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// Remove removes the given blobs, complete and partial.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	return s.remove(ctx, ids, true)
}

// RemovePartial removes the partial blobs of the given ids.
func (s *Store) RemovePartial(ctx context.Context, ids ...string) error {
	return s.remove(ctx, ids, false)
}

func (s *Store) remove(ctx context.Context, ids []string, complete bool) error {
	if err := blobs.CheckIDs(ids...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("failed to remove blobs: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.partial, id)
		if complete {
			delete(s.complete, id)
		}
	}
	return nil
}

// writer collects a blob. Write copies the caller's bytes; Commit stores
// those copies, so nothing the caller keeps aliases a stored blob.
type writer struct {
	s      *Store
	ctx    context.Context
	id     string
	buf    []byte // guarded by s.mu: List reads its length
	sum    *blake3.Hasher
	err    error
	closed bool
}

var errGone = fmt.Errorf("the partial blob was removed or replaced: %w", fault.ErrStorage)

func (w *writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("blob %s: write after Commit or Abort", w.id)
	}
	if w.err == nil && w.ctx.Err() != nil {
		w.err = fmt.Errorf("failed to write blob %s: %w", w.id, w.ctx.Err())
	}
	if w.err != nil {
		return 0, w.err
	}
	w.sum.Write(p)
	w.s.mu.Lock()
	w.buf = append(w.buf, p...)
	w.s.mu.Unlock()
	return len(p), nil
}

func (w *writer) Commit() (blobs.Info, error) {
	if w.closed {
		return blobs.Info{}, fmt.Errorf("blob %s: Commit after Commit or Abort", w.id)
	}
	w.closed = true
	if w.err == nil && w.ctx.Err() != nil {
		w.err = fmt.Errorf("failed to write blob %s: %w", w.id, w.ctx.Err())
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	mine := w.s.partial[w.id] == w
	if mine {
		delete(w.s.partial, w.id)
	}
	if w.err == nil && !mine {
		w.err = fmt.Errorf("failed to store blob %s: %w", w.id, errGone)
	}
	if w.err != nil {
		return blobs.Info{}, w.err
	}
	w.s.complete[w.id] = slices.Clip(w.buf)
	info := blobs.Info{ID: w.id, Size: int64(len(w.buf))}
	w.sum.Sum(info.BLAKE3[:0])
	w.buf = nil
	return info, nil
}

func (w *writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.s.mu.Lock()
	if w.s.partial[w.id] == w {
		delete(w.s.partial, w.id)
	}
	w.s.mu.Unlock()
}

// reader reads a stored blob; the slice is never written again.
type reader struct {
	b   []byte
	off int64
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	return n, err
}

// ReadAt is safe for concurrent use (it does not touch r.off).
func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("failed to read a blob: negative offset")
	}
	if off >= int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *reader) Size() int64  { return int64(len(r.b)) }
func (r *reader) Close() error { return nil }
