package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"unsafe"

	"github.com/tvault/tvault/internal/safefile"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/zeebo/blake3"
)

const (
	// fileBufSize is the unit in which blob files are written, hashed and
	// handed between goroutines; fileBuffers of them bound a writer's memory
	// (16 MiB). Measured on a 1 GiB seal: 4 MiB units took ~8 % less time
	// than 1 MiB ones (fewer hand-offs between goroutines and syscalls).
	fileBufSize = 4 << 20
	fileBuffers = 4
	// directAlign is the alignment O_DIRECT asks of buffers, offsets and
	// lengths on every file system Linux has (logical block size ≤ 4 KiB).
	directAlign = 4096
)

var errAborted = errors.New("blob write aborted")

// writer is the pipeline behind a blob being written: the caller fills
// buffers, a hashing goroutine hashes them in order and a writing goroutine
// writes them, so that both overlap with the caller producing the next
// bytes. Both goroutines start on the first full buffer and end when Commit
// or Abort closes the queue.
type writer struct {
	ctx     context.Context
	id      string
	f       *os.File
	fi      os.FileInfo // f's: recognises the partial file as this writer's
	part    string      // where the blob is written
	final   string      // where Commit moves it
	shard   string      // the folder of both
	io      fileIO      // the Store's
	direct  bool        // O_DIRECT is set on f
	queued  int64       // bytes handed to the goroutines: what f must hold at the end
	buf     []byte      // being filled by the caller
	free    chan []byte
	hashq   chan []byte
	writeq  chan []byte
	done    chan struct{}
	started bool
	closed  bool           // Commit or Abort was called
	sum     *blake3.Hasher // only the hashing goroutine touches it until drain returns
	mu      sync.Mutex
	err     error
}

var _ blobs.Writer = (*writer)(nil)

// Create starts writing blob id to <id>.part in its shard folder, which it
// creates if needed.
func (s *Store) Create(ctx context.Context, id string) (blobs.Writer, error) {
	if err := blobs.CheckIDs(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("failed to create blob %s: %w", id, err)
	}
	shard, err := s.shard(id, true)
	if err != nil {
		return nil, err
	}
	w := &writer{
		ctx:    ctx,
		id:     id,
		io:     s.io,
		final:  filepath.Join(shard, id),
		part:   filepath.Join(shard, id+partSuffix),
		shard:  shard,
		free:   make(chan []byte, fileBuffers),
		hashq:  make(chan []byte, fileBuffers),
		writeq: make(chan []byte, fileBuffers),
		done:   make(chan struct{}),
		sum:    blake3.New(),
	}
	// A partial file of an interrupted write of the same id goes first;
	// createPart (O_EXCL) then never opens anything planted there.
	if err := os.Remove(w.part); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, newFileError("create a blob file", err)
	}
	f, err := createPart(w.part)
	if err != nil {
		return nil, newFileError("create a blob file", err)
	}
	w.f = f
	if w.fi, err = f.Stat(); err != nil {
		f.Close()
		_ = os.Remove(w.part)
		return nil, newFileError("create a blob file", err)
	}
	// O_DIRECT: the ciphertext goes from these buffers to the device, not
	// through the page cache. Copying a gigabyte into the page cache cost
	// more CPU than hashing it, and left it dirty for the final fdatasync
	// to wait on. Where the file system refuses O_DIRECT, write normally.
	w.direct = w.io.setDirect(f, true) == nil
	for range fileBuffers {
		w.free <- nil // allocated on first use
	}
	return w, nil
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// check returns the pipeline's first failure, which is the context's once
// it is done.
func (w *writer) check() error {
	if err := w.failed(); err != nil {
		return err
	}
	if err := w.ctx.Err(); err != nil {
		w.fail(fmt.Errorf("failed to write blob %s: %w", w.id, err))
		return w.failed()
	}
	return nil
}

// Write copies p into buffers and queues every full one. It checks the
// context and the pipeline before each buffer.
func (w *writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("blob %s: write after Commit or Abort", w.id)
	}
	written := 0
	for {
		if err := w.check(); err != nil {
			return written, err
		}
		if len(p) == 0 {
			return written, nil
		}
		if w.buf == nil {
			buf := <-w.free
			if buf == nil {
				buf = getBuffer()
			}
			w.buf = buf[:0]
		}
		k := min(len(p), fileBufSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		written += k
		if len(w.buf) == fileBufSize {
			w.queue()
		}
	}
}

func (w *writer) queue() {
	if !w.started {
		w.started = true
		go w.hash()
		go w.writeOut()
	}
	w.queued += int64(len(w.buf))
	w.hashq <- w.buf
	w.buf = nil
}

// hash runs on its own goroutine: it hashes buffers in order and passes them
// on to be written.
func (w *writer) hash() {
	defer close(w.writeq)
	for buf := range w.hashq {
		w.sum.Write(buf)
		w.writeq <- buf
	}
}

// writeOut runs on its own goroutine: it writes buffers in order until one
// fails or the context is done, then only returns them.
func (w *writer) writeOut() {
	defer close(w.done)
	for buf := range w.writeq {
		if w.check() == nil {
			if err := w.writeFile(buf); err != nil {
				w.fail(newFileError("write a blob file", err))
			}
		}
		w.free <- buf[:0]
	}
}

func (w *writer) writeFile(buf []byte) error {
	if w.direct && len(buf)%directAlign != 0 {
		// The tail of the blob: O_DIRECT cannot write a partial block.
		if err := w.clearDirect(); err != nil {
			return err
		}
	}
	n, err := w.f.Write(buf)
	if err != nil && w.direct && errors.Is(err, syscall.EINVAL) {
		// The file system took O_DIRECT but not for this write (an
		// alignment larger than ours): write the rest through the page
		// cache.
		if err := w.clearDirect(); err != nil {
			return err
		}
		_, err = w.f.Write(buf[n:])
	}
	return err
}

func (w *writer) clearDirect() error {
	w.direct = false
	return w.io.setDirect(w.f, false)
}

// drain sends the last buffer, unless the write failed, and waits until the
// goroutines have ended.
func (w *writer) drain() error {
	if len(w.buf) > 0 && w.failed() == nil {
		w.queue()
	}
	if w.started {
		close(w.hashq)
		<-w.done
	}
	return w.failed()
}

// Commit writes the rest, makes the file durable and moves it into place.
func (w *writer) Commit() (blobs.Info, error) {
	if w.closed {
		return blobs.Info{}, fmt.Errorf("blob %s: Commit after Commit or Abort", w.id)
	}
	w.closed = true
	err := w.flush()
	if err == nil {
		err = w.publish()
	}
	if err != nil {
		return blobs.Info{}, err
	}
	info := blobs.Info{ID: w.id, Size: w.queued}
	w.sum.Sum(info.BLAKE3[:0])
	return info, nil
}

// flush writes the rest, checks that the file holds every byte, makes it
// durable and closes it. On failure it removes the partial file.
func (w *writer) flush() error {
	err := w.drain()
	w.release()
	if err == nil {
		err = w.check()
	}
	if err == nil {
		if fi, serr := w.f.Stat(); serr != nil || fi.Size() != w.queued {
			err = fmt.Errorf("failed to write a blob file: it does not hold the %d bytes written: %w", w.queued, fault.ErrStorage)
		}
	}
	if err == nil {
		// fdatasync on Linux; F_FULLFSYNC on macOS and FlushFileBuffers on
		// Windows, which flush the drive's cache too (see portableIO).
		if err = w.io.datasync(w.f); err != nil {
			err = newFileError("sync a blob file", err)
		}
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = newFileError("close a blob file", cerr)
	}
	if err == nil {
		err = w.check() // the context ended during the sync: publish nothing
	}
	if err != nil {
		w.removePart()
	}
	return err
}

// publish renames the durable partial file into place and syncs the shard
// and its parent. The shard's own entry is synced too: a process killed
// between creating the shard and syncing its parent leaves a folder that a
// power cut could still lose, with the blob in it.
func (w *writer) publish() error {
	// The partial file must still be this writer's: a Remove, or a second
	// write of the same id, may have removed or replaced it, and renaming
	// another writer's unfinished file into place would publish it.
	if cur, err := os.Lstat(w.part); err != nil || !os.SameFile(cur, w.fi) {
		return fmt.Errorf("failed to store a blob file: the partial file was removed or replaced: %w", fault.ErrStorage)
	}
	// The file is closed (flush): Windows cannot rename an open file.
	// safefile.Rename replaces a blob of the same id, as os.Rename does, and
	// on Windows, where SyncDir cannot flush a folder, writes the move
	// through to disk before it returns.
	renamed := false
	err := safefile.Rename(w.part, w.final)
	if err == nil {
		renamed = true
		if err = safefile.SyncDir(w.shard); err == nil {
			err = safefile.SyncDir(filepath.Dir(w.shard))
		}
	}
	if err != nil {
		w.removePart()
		if renamed {
			_ = os.Remove(w.final)
		}
		return newFileError("store a blob file", err)
	}
	return nil
}

// Abort stops the pipeline and removes the partial file.
func (w *writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.fail(errAborted)
	_ = w.drain()
	w.release()
	_ = w.f.Close()
	w.removePart()
}

// removePart removes the partial file if it is still this writer's.
func (w *writer) removePart() {
	if cur, err := os.Lstat(w.part); err == nil && os.SameFile(cur, w.fi) {
		_ = os.Remove(w.part)
	}
}

// buffers keeps the aligned buffers of finished writers for the next: a
// bulk intake writes thousands of blobs of a few MiB, and allocating and
// clearing 4 MiB for each took a tenth of its CPU.
var buffers sync.Pool

func getBuffer() []byte {
	if b, ok := buffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return alignedBuffer(fileBufSize)
}

// release hands the writer's buffers back to the pool once its goroutines
// have ended (drain returned): none of them is touched after that.
func (w *writer) release() {
	if w.buf != nil {
		b := w.buf[:0]
		buffers.Put(&b)
		w.buf = nil
	}
	for {
		select {
		case b := <-w.free:
			if b != nil {
				buffers.Put(&b)
			}
		default:
			return
		}
	}
}

// alignedBuffer returns a slice of n bytes whose start is aligned for O_DIRECT.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int(directAlign-addr%directAlign) % directAlign
	return b[off : off+n : off+n]
}
