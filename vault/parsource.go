package vault

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/tvault/tvault/vault/blobs"
)

// parSource is the io.ReaderAt age decrypts from. While age opens the blob
// it reads the blob and keeps what it read; once armed, it serves the
// chunks of the segments in flight from their buffers.
type parSource struct {
	blob     io.ReaderAt
	kept     []parKept
	keptLen  int
	overflow bool
	mismatch bool // a kept read differs from the bytes hashed

	// Set before arming (and before any worker starts).
	armed      bool
	payloadOff int64 // where chunk 0 starts in the blob
	segSize    int64 // ciphertext bytes in a full segment
	segs       []atomic.Pointer[parSegment]
}

type parKept struct {
	off int64
	b   []byte
}

func (s *parSource) ReadAt(p []byte, off int64) (int, error) {
	if !s.armed {
		if s.keptLen+len(p) > parMaxKept {
			s.overflow = true
			return 0, errParLargeHead
		}
		n, err := s.blob.ReadAt(p, off)
		s.kept = append(s.kept, parKept{off, bytes.Clone(p[:n])})
		s.keptLen += n
		return n, err
	}
	if off < s.payloadOff {
		return 0, errors.New("vault: parallel read outside the payload")
	}
	k := (off - s.payloadOff) / s.segSize
	seg := s.segs[k%int64(len(s.segs))].Load()
	if seg == nil || seg.idx != k || off-seg.off+int64(len(p)) > int64(len(seg.ct)) {
		return 0, errors.New("vault: parallel read of a segment not in memory")
	}
	return copy(p, seg.ct[off-seg.off:]), nil
}

// check compares the bytes hashed at off with what age read there while
// opening the blob.
func (s *parSource) check(off int64, b []byte) {
	for _, k := range s.kept {
		lo, hi := max(off, k.off), min(off+int64(len(b)), k.off+int64(len(k.b)))
		if lo < hi && !bytes.Equal(b[lo-off:hi-off], k.b[lo-k.off:hi-k.off]) {
			s.mismatch = true
		}
	}
}

// readFullAt reads len(b) bytes at off; a blob that ends first is damaged.
func readFullAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	switch {
	case n == len(b):
		return nil
	case err == nil || err == io.EOF:
		return blobs.ErrCorrupt
	}
	return err
}

// parGCPercent is Go's heap growth while a parallel read runs. The live
// heap of an opened vault is mostly the store's memtable and caches (about
// 30 MB, few of their pages touched), and age's ReadAt allocates a 64 KiB
// chunk per call: at the default of 100 the garbage between collections
// grew to that size again, for 45 MiB of anonymous memory reading 1 GiB;
// at 25 it is 22 MiB, in the same CPU time (scripts/rss, four alternating
// runs each on this 2-core machine).
const parGCPercent = 25

var parGC struct {
	mu   sync.Mutex
	n    int // parallel reads running
	prev int
}

// lowerGC sets parGCPercent until the returned function is called, unless
// GOGC is set: the user's choice stands. Reads that overlap share one
// setting; the last to end restores the previous one.
func lowerGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	parGC.mu.Lock()
	defer parGC.mu.Unlock()
	if parGC.n == 0 {
		parGC.prev = debug.SetGCPercent(parGCPercent)
	}
	parGC.n++
	return func() {
		parGC.mu.Lock()
		defer parGC.mu.Unlock()
		if parGC.n--; parGC.n == 0 {
			debug.SetGCPercent(parGC.prev)
		}
	}
}
