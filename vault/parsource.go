package vault

import (
	"bytes"
	"errors"
	"io"
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
