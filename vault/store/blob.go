package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/dgraph-io/badger/v4"
)

func blobPrefix(blobID string) []byte { return []byte("blob/" + blobID + "/") }

func chunkKey(blobID string, n int) []byte { return cat(blobPrefix(blobID), u32(uint32(n))) }

// chunksPerCommit bounds how many chunks one transaction carries, and so the
// memory a writer holds.
const (
	chunksPerCommit = 4
	writerBuffers   = chunksPerCommit + 3
)

// BlobWriter streams one blob into ChunkSize values. Chunks are hashed and
// committed on a goroutine of their own while the caller produces the next
// ones, through a fixed set of buffers: memory stays bounded whatever the
// blob's size. Chunks are committed without a sync: the caller calls
// Store.Sync before committing anything that names them. They are invisible
// to readers until a record header names them, and a crash leaves them as
// orphans that check reports.
//
// A BlobWriter is not safe for concurrent use. Close or Abort must be called.
type BlobWriter struct {
	s        *Store
	id       string
	buf      []byte
	n        int   // chunks sent
	size     int64 // bytes written
	free     chan []byte
	full     chan []byte
	done     chan struct{}
	err      error // set by the committer before done closes
	errMu    sync.Mutex
	sum      hash.Hash
	closed   bool
	deferred []byte // the chunk CloseDeferred returned, not yet hashed
}

// NewBlobWriter starts writing the blob blobID. Any chunks already stored
// under that id are overwritten chunk by chunk; ids are random per seal.
func (s *Store) NewBlobWriter(blobID string) *BlobWriter {
	w := &BlobWriter{
		s:    s,
		id:   blobID,
		free: make(chan []byte, writerBuffers),
		full: make(chan []byte, writerBuffers),
		done: make(chan struct{}),
		sum:  sha256.New(),
	}
	for range writerBuffers {
		w.free <- nil // allocated on first use, so small blobs stay small
	}
	go w.commit()
	return w
}

func (w *BlobWriter) failed() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

// Write buffers p into chunks. It fails once a commit has failed.
func (w *BlobWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("write to a closed blob writer")
	}
	written := 0
	for len(p) > 0 {
		if err := w.failed(); err != nil {
			return written, err
		}
		if w.buf == nil {
			b := <-w.free
			if b == nil {
				// Start small: most blobs of a bulk intake are a few
				// hundred bytes, and zeroing 1 MiB for each was the
				// largest cost of sealing them. Buffers that grow to a
				// full chunk are recycled at that size.
				b = make([]byte, 0, min(len(p), ChunkSize))
			}
			w.buf = b[:0]
		}
		k := min(len(p), ChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		written += k
		w.size += int64(k)
		if len(w.buf) == ChunkSize {
			w.full <- w.buf
			w.buf = nil
			w.n++
		}
	}
	return written, nil
}

func (w *BlobWriter) commit() {
	defer close(w.done)
	idx := 0
	var batch [][]byte
	for b := range w.full {
		batch = append(batch[:0], b)
	drain:
		for len(batch) < chunksPerCommit {
			select {
			case b, ok := <-w.full:
				if !ok {
					break drain
				}
				batch = append(batch, b)
			default:
				break drain
			}
		}
		err := w.failed()
		if err == nil {
			for _, c := range batch {
				w.sum.Write(c)
			}
			err = w.s.update(func(t *Txn) error {
				for i, c := range batch {
					if err := t.set(chunkKey(w.id, idx+i), c); err != nil {
						return err
					}
				}
				return nil
			})
			idx += len(batch)
		}
		if err != nil {
			w.errMu.Lock()
			if w.err == nil {
				w.err = fmt.Errorf("failed to store blob: %w", err)
			}
			w.errMu.Unlock()
		}
		// Badger holds no reference to a value once its commit returned.
		for _, c := range batch {
			w.free <- c[:0]
		}
	}
}

// CloseDeferred is Close for a blob that may fit in one chunk: if it does,
// that chunk is not committed but returned, for the caller to store with
// PutChunk in its own transaction (a small record then costs one synced
// commit, not one per blob). Otherwise it behaves as Close and returns nil.
func (w *BlobWriter) CloseDeferred() ([]byte, error) {
	if w.closed || w.n > 0 {
		return nil, w.Close()
	}
	w.closed = true
	last := w.buf
	if last == nil {
		last = []byte{}
	}
	w.buf = nil
	w.n = 1
	close(w.full)
	<-w.done
	w.deferred = last
	return last, w.failed()
}

// PutChunk stores the single chunk of a blob returned by CloseDeferred.
func (t *Txn) PutChunk(blobID string, chunk []byte) error {
	return t.set(chunkKey(blobID, 0), chunk)
}

// Close stores the last chunk and waits until every chunk is committed.
func (w *BlobWriter) Close() error {
	if w.closed {
		return w.failed()
	}
	w.closed = true
	if len(w.buf) > 0 || w.n == 0 {
		if w.buf == nil {
			w.buf = (<-w.free)[:0]
		}
		w.full <- w.buf
		w.buf = nil
		w.n++
	}
	close(w.full)
	<-w.done
	return w.failed()
}

// Abort stops the writer; chunks already committed stay as orphans for the
// caller (or check --repair) to remove.
func (w *BlobWriter) Abort() {
	if w.closed {
		return
	}
	w.errMu.Lock()
	if w.err == nil {
		w.err = errors.New("blob write aborted")
	}
	w.errMu.Unlock()
	_ = w.Close()
}

// Size returns the bytes written so far.
func (w *BlobWriter) Size() int64 { return w.size }

// Chunks returns the number of chunks of the closed blob.
func (w *BlobWriter) Chunks() int { return w.n }

// Sum returns the SHA-256 of everything written; valid after Close or
// CloseDeferred.
func (w *BlobWriter) Sum() [32]byte {
	var s [32]byte
	if w.deferred != nil {
		w.sum.Write(w.deferred)
		w.deferred = nil
	}
	copy(s[:], w.sum.Sum(nil))
	return s
}

// ChunkCount returns how many chunks a blob of size bytes has.
func ChunkCount(size int64) int {
	if size <= 0 {
		return 1
	}
	return int((size + ChunkSize - 1) / ChunkSize)
}

// readChunk calls fn with chunk n of blob id, which must be exactly want
// bytes long. The slice is only valid during fn.
func (s *Store) readChunk(id string, n, want int, fn func([]byte) error) (err error) {
	defer recoverCorrupt(&err)
	return s.db.View(func(t *badger.Txn) error {
		item, err := t.Get(chunkKey(id, n))
		if err == badger.ErrKeyNotFound {
			return fmt.Errorf("blob %s: chunk %d is missing: %w", id, n, ErrCorrupt)
		}
		if err != nil {
			return wrap("read blob", err)
		}
		return item.Value(func(v []byte) error {
			if len(v) != want {
				return fmt.Errorf("blob %s: chunk %d has %d bytes, want %d: %w", id, n, len(v), want, ErrCorrupt)
			}
			return fn(v)
		})
	})
}

func chunkLen(size int64, n int) int {
	if int64(n+1)*ChunkSize <= size {
		return ChunkSize
	}
	return int(size - int64(n)*ChunkSize)
}

// EachChunk calls fn with each chunk of a blob of the given size, in order,
// without copying: the slice is Badger's own and valid only during fn.
// Missing or mis-sized chunks are ErrCorrupt.
func (s *Store) EachChunk(id string, size int64, fn func([]byte) error) error {
	for n := 0; n < ChunkCount(size); n++ {
		if err := s.readChunk(id, n, chunkLen(size, n), fn); err != nil {
			return err
		}
	}
	return nil
}

// BlobReaderAt returns an io.ReaderAt over a blob of the given size. ReadAt
// is safe for concurrent use and touches only the chunks it needs.
func (s *Store) BlobReaderAt(id string, size int64) io.ReaderAt {
	return &blobReaderAt{s: s, id: id, size: size}
}

type blobReaderAt struct {
	s    *Store
	id   string
	size int64
}

func (r *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	total := 0
	for len(p) > 0 {
		if off >= r.size {
			return total, io.EOF
		}
		n := int(off / ChunkSize)
		in := int(off % ChunkSize)
		var k int
		err := r.s.readChunk(r.id, n, chunkLen(r.size, n), func(v []byte) error {
			k = copy(p, v[in:])
			return nil
		})
		if err != nil {
			return total, err
		}
		p = p[k:]
		off += int64(k)
		total += k
	}
	return total, nil
}

// BlobInfo describes the chunks stored under one blob id.
type BlobInfo struct {
	ID     string
	Chunks int   // number of chunk keys
	Size   int64 // approximate total size (Badger reports value sizes to a few bytes)
	Gaps   bool  // chunk numbers are not 0..Chunks-1
}

// EachBlob calls fn for every blob id that has chunks, in id order.
func (s *Store) EachBlob(fn func(BlobInfo) error) (err error) {
	defer recoverCorrupt(&err)
	return s.db.View(func(t *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = prefixBlob
		it := t.NewIterator(opts)
		defer it.Close()
		var cur *BlobInfo
		for it.Seek(prefixBlob); it.ValidForPrefix(prefixBlob); it.Next() {
			k := bytes.TrimPrefix(it.Item().Key(), prefixBlob)
			if len(k) < 6 || k[len(k)-5] != '/' {
				return fmt.Errorf("blob key: %w", ErrCorrupt)
			}
			id := string(k[:len(k)-5])
			n := int(binary.BigEndian.Uint32(k[len(k)-4:]))
			if cur == nil || cur.ID != id {
				if cur != nil {
					if err := fn(*cur); err != nil {
						return err
					}
				}
				cur = &BlobInfo{ID: id}
			}
			if n != cur.Chunks {
				cur.Gaps = true
			}
			cur.Chunks++
			cur.Size += it.Item().ValueSize()
		}
		if cur != nil {
			return fn(*cur)
		}
		return nil
	})
}

// DeleteBlobs removes every chunk of the given blobs and rewrites the
// tables that held their keys.
func (s *Store) DeleteBlobs(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	ps := make([][]byte, len(ids))
	for i, id := range ids {
		ps[i] = blobPrefix(id)
	}
	return s.dropPrefixes(ps...)
}
