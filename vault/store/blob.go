package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/dgraph-io/badger/v4"
	"github.com/zeebo/blake3"
	"golang.org/x/sys/unix"
)

// InlineLimit is the largest blob kept inside the database, as one value in
// its value log. Larger blobs — recordings, scans — are files of their own
// under the database folder (see doc.go): a gigabyte goes to disk at the
// device's speed, without Badger's copies, and erasing it is an unlink.
const InlineLimit = 1 << 20

// Inline reports whether a blob of size bytes is kept inside the database.
func Inline(size int64) bool { return size <= InlineLimit }

const (
	blobDirName = "blobs"
	partSuffix  = ".part"
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

// directIO is false only in tests of the buffered path that file systems
// without O_DIRECT take.
var directIO = true

func blobKey(blobID string) []byte { return cat(prefixBlob, []byte(blobID), []byte("/data")) }

// validBlobID reports whether id can name a blob: it becomes a file name.
func validBlobID(id string) bool {
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

func (s *Store) blobShard(id string) string {
	return filepath.Join(s.dir, blobDirName, id[:min(2, len(id))])
}

// errNoShard: the blob's folder does not exist, so neither does the blob.
var errNoShard = errors.New("no blob folder")

// shard returns the folder of blob id after checking that it and the blob
// root are plain folders, not symbolic links: a link planted there would
// have tvault read, write or delete files outside the vault. With create,
// missing folders are made (and their parents synced); without it, a
// missing folder is errNoShard.
func (s *Store) shard(id string, create bool) (string, error) {
	root := filepath.Join(s.dir, blobDirName)
	dir := s.blobShard(id)
	for _, d := range []string{root, dir} {
		fi, err := os.Lstat(d)
		switch {
		case errors.Is(err, os.ErrNotExist) && create:
			if err := mkdirDurable(d); err != nil {
				return "", fileError("create a blob folder", err)
			}
		case errors.Is(err, os.ErrNotExist):
			return "", errNoShard
		case err != nil:
			return "", fileError("open a blob folder", err)
		case !fi.IsDir():
			return "", fmt.Errorf("the blob folder %s is not a plain folder: %w", filepath.Base(d), ErrCorrupt)
		}
	}
	return dir, nil
}

// BlobWriter streams one blob into the store and hashes it with BLAKE3 as it
// goes. A blob that stays within InlineLimit is kept in memory and committed
// as one database value at Close. A larger one is written to a file of its
// own through a fixed set of buffers — hashed on one goroutine, written with
// O_DIRECT on another, so that both overlap with the caller producing the
// next bytes — and made durable (fdatasync, rename into place, fsync of the
// folder) at Close: memory stays bounded whatever the blob's size.
//
// An inline blob is committed without a sync: the caller calls Store.Sync
// before committing anything that names it. Either kind is invisible to
// readers until a record header names it; a crash leaves it as an orphan
// that check reports.
//
// A BlobWriter is not safe for concurrent use. Close, CloseDeferred or Abort
// must be called.
type BlobWriter struct {
	s      *Store
	id     string
	small  []byte // the blob while it fits inline
	size   int64
	sum    *blake3.Hasher
	file   *blobFile // set once the blob outgrows InlineLimit
	err    error     // a failure before the file existed
	closed bool
}

// NewBlobWriter starts writing the blob blobID. Ids are unique per seal; a
// blob already stored under the id is replaced when this one is closed.
func (s *Store) NewBlobWriter(blobID string) *BlobWriter {
	w := &BlobWriter{s: s, id: blobID, sum: blake3.New()}
	if !validBlobID(blobID) {
		w.err = fmt.Errorf("invalid blob id %q", blobID)
	}
	return w
}

// Write buffers or writes p. It fails once a write has failed.
func (w *BlobWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("write to a closed blob writer")
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.file == nil {
		if w.size+int64(len(p)) <= InlineLimit {
			if w.small == nil {
				// Start small: most blobs of a bulk intake are a few
				// hundred bytes.
				w.small = make([]byte, 0, len(p))
			}
			w.small = append(w.small, p...)
			w.size += int64(len(p))
			return len(p), nil
		}
		f, err := w.s.createBlobFile(w.id, w.sum)
		if err != nil {
			w.err = err
			return 0, err
		}
		w.file = f
		if _, err := f.write(w.small); err != nil {
			return 0, err
		}
		w.small = nil
	}
	n, err := w.file.write(p)
	w.size += int64(n)
	return n, err
}

// CloseDeferred is Close for a blob that may be inline: if it is, it is not
// committed but returned, for the caller to store with PutBlob in its own
// transaction (a small record then costs one synced commit, not one per
// blob). Otherwise it behaves as Close and returns nil.
func (w *BlobWriter) CloseDeferred() ([]byte, error) {
	if w.closed || w.file != nil || w.err != nil {
		return nil, w.Close()
	}
	w.closed = true
	small := w.small
	if small == nil {
		small = []byte{}
	}
	w.sum.Write(small)
	w.small = nil
	return small, nil
}

// PutBlob stores an inline blob returned by CloseDeferred.
func (t *Txn) PutBlob(blobID string, b []byte) error {
	if !validBlobID(blobID) || !Inline(int64(len(b))) {
		return fmt.Errorf("invalid inline blob %q", blobID)
	}
	return t.set(blobKey(blobID), b)
}

// Close stores the blob and returns once it is stored: committed (inline)
// or durable (file).
func (w *BlobWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		w.abortFile()
		return w.err
	}
	if w.file == nil {
		w.sum.Write(w.small)
		small := w.small
		if small == nil {
			small = []byte{}
		}
		w.err = w.s.update(func(t *Txn) error { return t.set(blobKey(w.id), small) })
		w.small = nil
		return w.err
	}
	w.err = w.file.finish()
	return w.err
}

// Abort stops the writer and removes whatever part of a blob file it wrote.
// An inline blob was never stored.
func (w *BlobWriter) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	if w.err == nil {
		w.err = errors.New("blob write aborted")
	}
	w.abortFile()
}

func (w *BlobWriter) abortFile() {
	if w.file != nil {
		w.file.abort()
		w.file = nil
	}
}

// Size returns the bytes written so far.
func (w *BlobWriter) Size() int64 { return w.size }

// Sum returns the BLAKE3-256 of everything written; valid after Close or
// CloseDeferred.
func (w *BlobWriter) Sum() [32]byte {
	var s [32]byte
	copy(s[:], w.sum.Sum(nil))
	return s
}

// blobFile is the pipeline behind a BlobWriter whose blob is a file: the
// caller fills buffers, a hashing goroutine hashes them in order and a
// writing goroutine writes them. Both goroutines start on the first full
// buffer and end when finish or abort closes the queue.
type blobFile struct {
	f       *os.File
	part    string // where the blob is written
	final   string // where finish moves it
	shard   string // the folder of both
	direct  bool   // O_DIRECT is set on f
	queued  int64  // bytes handed to the goroutines: what f must hold at the end
	buf     []byte // being filled by the caller
	free    chan []byte
	hashq   chan []byte
	writeq  chan []byte
	done    chan struct{}
	started bool
	sum     *blake3.Hasher // the writer's: only the hashing goroutine touches it until drain returns
	mu      sync.Mutex
	err     error
}

func (s *Store) createBlobFile(id string, sum *blake3.Hasher) (*blobFile, error) {
	shard, err := s.shard(id, true)
	if err != nil {
		return nil, err
	}
	b := &blobFile{
		final:  filepath.Join(shard, id),
		part:   filepath.Join(shard, id+partSuffix),
		shard:  shard,
		free:   make(chan []byte, fileBuffers),
		hashq:  make(chan []byte, fileBuffers),
		writeq: make(chan []byte, fileBuffers),
		done:   make(chan struct{}),
		sum:    sum,
	}
	// A partial file of an interrupted write of the same id goes first;
	// O_EXCL then never opens anything planted there.
	if err := os.Remove(b.part); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fileError("create a blob file", err)
	}
	f, err := os.OpenFile(b.part, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fileError("create a blob file", err)
	}
	b.f = f
	// O_DIRECT: the ciphertext goes from these buffers to the device, not
	// through the page cache. Copying a gigabyte into the page cache cost
	// more CPU than hashing it, and left it dirty for the final fdatasync
	// to wait on. Where the file system refuses O_DIRECT, write normally.
	if directIO {
		b.direct = b.setFlags(unix.O_DIRECT, true) == nil
	}
	for range fileBuffers {
		b.free <- nil // allocated on first use
	}
	return b, nil
}

func (b *blobFile) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *blobFile) fail(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
}

// write copies p into buffers and queues every full one.
func (b *blobFile) write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := b.failed(); err != nil {
			return written, err
		}
		if b.buf == nil {
			buf := <-b.free
			if buf == nil {
				buf = alignedBuffer(fileBufSize)
			}
			b.buf = buf[:0]
		}
		k := min(len(p), fileBufSize-len(b.buf))
		b.buf = append(b.buf, p[:k]...)
		p = p[k:]
		written += k
		if len(b.buf) == fileBufSize {
			b.queue()
		}
	}
	return written, nil
}

func (b *blobFile) queue() {
	if !b.started {
		b.started = true
		go b.hash()
		go b.writeOut()
	}
	b.queued += int64(len(b.buf))
	b.hashq <- b.buf
	b.buf = nil
}

// hash runs on its own goroutine: it hashes buffers in order and passes them
// on to be written.
func (b *blobFile) hash() {
	defer close(b.writeq)
	for buf := range b.hashq {
		b.sum.Write(buf)
		b.writeq <- buf
	}
}

func (b *blobFile) writeOut() {
	defer close(b.done)
	for buf := range b.writeq {
		if b.failed() == nil {
			if err := b.writeFile(buf); err != nil {
				b.fail(fileError("write a blob file", err))
			}
		}
		b.free <- buf[:0]
	}
}

func (b *blobFile) writeFile(buf []byte) error {
	if b.direct && len(buf)%directAlign != 0 {
		// The tail of the blob: O_DIRECT cannot write a partial block.
		if err := b.clearDirect(); err != nil {
			return err
		}
	}
	n, err := b.f.Write(buf)
	if err != nil && b.direct && errors.Is(err, unix.EINVAL) {
		// The file system took O_DIRECT but not for this write (an
		// alignment larger than ours): write the rest through the page
		// cache.
		if err := b.clearDirect(); err != nil {
			return err
		}
		_, err = b.f.Write(buf[n:])
	}
	return err
}

func (b *blobFile) clearDirect() error {
	b.direct = false
	return b.setFlags(unix.O_DIRECT, false)
}

// setFlags sets or clears status flags of the open file.
func (b *blobFile) setFlags(flags int, on bool) error {
	fd := b.f.Fd()
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if on {
		fl |= flags
	} else {
		fl &^= flags
	}
	_, err = unix.FcntlInt(fd, unix.F_SETFL, fl)
	return err
}

// drain sends the last buffer and waits until the goroutines have ended.
func (b *blobFile) drain() error {
	if len(b.buf) > 0 {
		b.queue()
	}
	if b.started {
		close(b.hashq)
		<-b.done
	}
	return b.failed()
}

// finish writes the rest, makes the file durable and moves it into place.
func (b *blobFile) finish() error {
	err := b.drain()
	if err == nil {
		if fi, serr := b.f.Stat(); serr != nil || fi.Size() != b.queued {
			err = fmt.Errorf("failed to write a blob file: it does not hold the %d bytes written: %w", b.queued, ErrStorage)
		}
	}
	if err == nil {
		if err = unix.Fdatasync(int(b.f.Fd())); err != nil {
			err = fileError("sync a blob file", err)
		}
	}
	if cerr := b.f.Close(); err == nil && cerr != nil {
		err = fileError("close a blob file", cerr)
	}
	renamed := false
	if err == nil {
		// The shard's own entry is synced too: a process killed between
		// creating the shard and syncing its parent leaves a folder that a
		// power cut could still lose, with the blob in it.
		if err = os.Rename(b.part, b.final); err == nil {
			renamed = true
			if err = syncDir(b.shard); err == nil {
				err = syncDir(filepath.Dir(b.shard))
			}
		}
		if err != nil {
			err = fileError("store a blob file", err)
		}
	}
	if err != nil {
		_ = os.Remove(b.part)
		if renamed {
			_ = os.Remove(b.final)
		}
	}
	return err
}

func (b *blobFile) abort() {
	b.fail(errors.New("blob write aborted"))
	_ = b.drain()
	_ = b.f.Close()
	_ = os.Remove(b.part)
}

// alignedBuffer returns a slice of n bytes whose start is aligned for O_DIRECT.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int(directAlign-addr%directAlign) % directAlign
	return b[off : off+n : off+n]
}

// mkdirDurable creates dir (mode 0700) and any missing parents, syncing each
// parent it adds an entry to, so that a file later made durable in dir is
// also reachable after a power cut.
func mkdirDurable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirDurable(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// fileError turns a file system error into a store error that names the
// operation and a coarse cause, never the path. Only the error number
// decides the cause (a path may contain any word): a full disk or quota is
// ErrNoSpace, an I/O error while reading is damage (ErrCorrupt).
func fileError(op string, err error) error {
	if err == nil {
		return nil
	}
	cause := "storage error"
	switch {
	case errors.Is(err, unix.ENOSPC), errors.Is(err, unix.EDQUOT):
		cause = "the disk is full"
	case errors.Is(err, unix.EFBIG):
		cause = "the file is too large for this file system"
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		cause = "permission denied"
	case errors.Is(err, unix.EROFS):
		cause = "the file system is read-only"
	case errors.Is(err, unix.EIO) && strings.HasPrefix(op, "read"):
		cause = causeDamaged
	}
	return &storeError{op: op, cause: cause, err: err}
}

// Blob is a stored blob opened for reading: an io.Reader from its start and
// an io.ReaderAt, over exactly the size its reference names. ReadAt is safe
// for concurrent use. Close must be called.
type Blob struct {
	r    io.Reader
	ra   io.ReaderAt
	f    *os.File
	size int64
	id   string
}

// OpenBlob opens the blob id, which must be exactly size bytes long: a blob
// that is missing or has another size is ErrCorrupt.
func (s *Store) OpenBlob(id string, size int64) (*Blob, error) {
	if !validBlobID(id) {
		return nil, fmt.Errorf("blob %q: invalid id: %w", id, ErrCorrupt)
	}
	if Inline(size) {
		return s.openInline(id, size)
	}
	missing := fmt.Errorf("blob %s is missing: %w", id, ErrCorrupt)
	dir, err := s.shard(id, false)
	if err == errNoShard {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	// O_NONBLOCK: a FIFO planted under the blob's name must not hang the
	// open; it is refused as not a regular file below. (Regular files
	// ignore the flag.)
	f, err := os.OpenFile(filepath.Join(dir, id), os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ELOOP) {
		return nil, missing
	}
	if err != nil {
		return nil, fileError("read a blob file", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fileError("read a blob file", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, missing
	}
	if fi.Size() != size {
		f.Close()
		return nil, fmt.Errorf("blob %s has %d bytes, want %d: %w", id, fi.Size(), size, ErrCorrupt)
	}
	// Read ahead generously: blobs are read front to back, or in ranges.
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
	fr := &fileReader{f: f, id: id, size: size}
	return &Blob{r: fr, ra: fr, f: f, size: size, id: id}, nil
}

func (s *Store) openInline(id string, size int64) (_ *Blob, err error) {
	defer recoverCorrupt(&err)
	var v []byte
	err = s.db.View(func(t *badger.Txn) error {
		item, err := t.Get(blobKey(id))
		if err == badger.ErrKeyNotFound {
			return fmt.Errorf("blob %s is missing: %w", id, ErrCorrupt)
		}
		if err != nil {
			return wrap("read blob", err)
		}
		v, err = item.ValueCopy(nil)
		return wrap("read blob", err)
	})
	if err != nil {
		return nil, err
	}
	if int64(len(v)) != size {
		return nil, fmt.Errorf("blob %s has %d bytes, want %d: %w", id, len(v), size, ErrCorrupt)
	}
	r := bytes.NewReader(v)
	return &Blob{r: r, ra: r, size: size, id: id}, nil
}

func (b *Blob) Read(p []byte) (int, error)              { return b.r.Read(p) }
func (b *Blob) ReadAt(p []byte, off int64) (int, error) { return b.ra.ReadAt(p, off) }
func (b *Blob) Size() int64                             { return b.size }
func (b *Blob) Close() error {
	if b.f != nil {
		return b.f.Close()
	}
	return nil
}

// fileReader reads a blob file of a known size. A file that ends early (it
// was truncated after it was opened) is ErrCorrupt; bytes past the size are
// never returned; other failures are reported without their paths.
type fileReader struct {
	f    *os.File
	id   string
	size int64
	off  int64 // Read's position
}

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	return n, err
}

// ReadAt is safe for concurrent use (it does not touch r.off).
func (r *fileReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	want := p[:min(int64(len(p)), r.size-off)]
	n, err := r.f.ReadAt(want, off)
	switch {
	case n == len(want):
		err = nil
	case err == nil || err == io.EOF:
		return n, fmt.Errorf("blob %s ends before its %d bytes: %w", r.id, r.size, ErrCorrupt)
	default:
		return n, fileError("read a blob file", err)
	}
	if off+int64(n) == r.size {
		err = io.EOF
	}
	return n, err
}

// BlobInfo describes one stored blob.
type BlobInfo struct {
	ID      string
	Size    int64 // exact for a file; for an inline blob, Badger's figure (a few bytes over)
	Inline  bool  // kept inside the database
	Partial bool  // a file an interrupted write left behind: never part of a record
}

// EachBlob calls fn for every stored blob: inline ones first, then files,
// then partial files. An entry in the blob folder that no blob write could
// have made is skipped, and reported as ErrCorrupt once every blob has been
// visited.
func (s *Store) EachBlob(fn func(BlobInfo) error) error {
	damage, err := s.eachInline(fn)
	if err != nil {
		return err
	}
	root := filepath.Join(s.dir, blobDirName)
	if fi, err := os.Lstat(root); errors.Is(err, os.ErrNotExist) {
		return damage
	} else if err != nil {
		return fileError("list blob files", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("the blob folder is not a plain folder: %w", ErrCorrupt)
	}
	shards, err := os.ReadDir(root)
	if err != nil {
		return fileError("list blob files", err)
	}
	var partial []BlobInfo
	for _, sh := range shards {
		if !sh.IsDir() { // a file, or a link, where a folder belongs
			damage = fmt.Errorf("the blob folder holds a stray entry %q: %w", sh.Name(), ErrCorrupt)
			continue
		}
		ents, err := os.ReadDir(filepath.Join(root, sh.Name()))
		if err != nil {
			return fileError("list blob files", err)
		}
		for _, e := range ents {
			name := e.Name()
			id, isPart := strings.CutSuffix(name, partSuffix)
			if !e.Type().IsRegular() || !validBlobID(id) || s.blobShard(id) != filepath.Join(root, sh.Name()) {
				damage = fmt.Errorf("the blob folder holds a stray entry %q: %w", filepath.Join(sh.Name(), name), ErrCorrupt)
				continue
			}
			fi, err := e.Info()
			if err != nil {
				return fileError("list blob files", err)
			}
			info := BlobInfo{ID: id, Size: fi.Size(), Partial: isPart}
			if isPart {
				partial = append(partial, info)
				continue
			}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	for _, info := range partial {
		if err := fn(info); err != nil {
			return err
		}
	}
	return damage
}

// eachInline calls fn for every inline blob. A key that no blob write could
// have made is skipped and returned as damage after the others.
func (s *Store) eachInline(fn func(BlobInfo) error) (damage, err error) {
	defer recoverCorrupt(&err)
	err = s.db.View(func(t *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = prefixBlob
		it := t.NewIterator(opts)
		defer it.Close()
		for it.Seek(prefixBlob); it.ValidForPrefix(prefixBlob); it.Next() {
			k := bytes.TrimPrefix(it.Item().Key(), prefixBlob)
			id, ok := bytes.CutSuffix(k, []byte("/data"))
			if !ok || !validBlobID(string(id)) {
				damage = fmt.Errorf("a blob key is malformed: %w", ErrCorrupt)
				continue
			}
			if err := fn(BlobInfo{ID: string(id), Size: it.Item().ValueSize(), Inline: true}); err != nil {
				return err
			}
		}
		return nil
	})
	return damage, err
}

// DeleteBlobs removes the given blobs, in whatever form they are stored
// (inline, file, partial file), rewriting the tables that held the inline
// ones.
func (s *Store) DeleteBlobs(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.removeBlobFiles(ids, "", partSuffix); err != nil {
		return err
	}
	ps := make([][]byte, len(ids))
	for i, id := range ids {
		ps[i] = cat(prefixBlob, []byte(id), []byte("/"))
	}
	return s.dropPrefixes(ps...)
}

// DeletePartialBlobs removes the partial files that interrupted writes of
// the given blobs left (EachBlob reports them with Partial set). A complete
// blob of the same id is not touched.
func (s *Store) DeletePartialBlobs(ids ...string) error {
	return s.removeBlobFiles(ids, partSuffix)
}

// removeBlobFiles removes, for each id, the blob's file with each of the
// given suffixes if it exists, then syncs the folders it removed from.
func (s *Store) removeBlobFiles(ids []string, suffixes ...string) error {
	for _, id := range ids {
		if !validBlobID(id) {
			return fmt.Errorf("invalid blob id %q", id)
		}
	}
	shards := map[string]bool{}
	for _, id := range ids {
		dir, err := s.shard(id, false)
		if err == errNoShard {
			continue
		}
		if err != nil {
			return err
		}
		for _, suf := range suffixes {
			err := os.Remove(filepath.Join(dir, id+suf))
			if err == nil {
				shards[dir] = true
			} else if !errors.Is(err, os.ErrNotExist) {
				return fileError("remove a blob file", err)
			}
		}
	}
	for sh := range shards {
		if err := syncDir(sh); err != nil {
			return fileError("remove a blob file", err)
		}
	}
	return nil
}
