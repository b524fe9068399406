package faulty

import (
	"sync/atomic"

	"github.com/tvault/tvault/vault/blobs"
)

// writer passes bytes to the inner writer until its allowance is spent.
type writer struct {
	s     *Store
	inner blobs.Writer
	n     int64 // bytes the inner writer took
	err   error // the injected failure: every later Write and Commit fail
}

func (w *writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	limit := w.s.allowance(Write)
	if limit < 0 || w.n+int64(len(p)) <= limit {
		n, err := w.inner.Write(p)
		w.n += int64(n)
		return n, err
	}
	n, err := w.inner.Write(p[:max(limit-w.n, 0)])
	w.n += int64(n)
	if err != nil {
		return n, err
	}
	w.err = w.s.inject(Write)
	return n, w.err
}

// Commit fails, aborting the inner writer, after an injected Write failure
// or when Commit is told to fail.
func (w *writer) Commit() (blobs.Info, error) {
	err := w.err
	if err == nil {
		err = w.s.call(Commit)
	}
	if err != nil {
		w.err = err
		w.inner.Abort()
		return blobs.Info{}, err
	}
	return w.inner.Commit()
}

func (w *writer) Abort() { w.inner.Abort() }

// reader passes reads to the inner reader until its allowance is spent.
type reader struct {
	s     *Store
	inner blobs.Reader
	pos   int64        // Read's position
	read  atomic.Int64 // bytes returned by Read and ReadAt
}

func (r *reader) Read(p []byte) (int, error) {
	q, inject := r.allow(p)
	n, err := r.inner.Read(q)
	r.pos += int64(n)
	return r.done(q, inject && r.pos < r.inner.Size(), n, err)
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	q, inject := r.allow(p)
	n, err := r.inner.ReadAt(q, off)
	return r.done(q, inject && off+int64(n) < r.inner.Size(), n, err)
}

// allow returns the part of p the allowance leaves, and whether the read
// must fail once that part is read.
func (r *reader) allow(p []byte) ([]byte, bool) {
	limit := r.s.allowance(Read)
	read := r.read.Load()
	if limit < 0 || read+int64(len(p)) <= limit {
		return p, false
	}
	return p[:max(limit-read, 0)], true
}

// done counts n bytes read and, if inject, fails a read that got what the
// allowance left. The caller passes inject false for a read that reached
// the blob's end: it loses nothing, so it is not failed.
func (r *reader) done(q []byte, inject bool, n int, err error) (int, error) {
	r.read.Add(int64(n))
	if inject && err == nil && n == len(q) {
		return n, r.s.inject(Read)
	}
	return n, err
}

func (r *reader) Size() int64  { return r.inner.Size() }
func (r *reader) Close() error { return r.inner.Close() }
