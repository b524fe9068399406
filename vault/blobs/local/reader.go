package local

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tvault/tvault/vault/blobs"
)

// fileReader reads a blob file of a known size. A file that ends early (it
// was truncated after it was opened) is ErrCorrupt; bytes past the size are
// never returned; other failures are reported without their paths.
type fileReader struct {
	f    *os.File
	id   string
	size int64
	off  int64 // Read's position
}

var _ blobs.Reader = (*fileReader)(nil)

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	return n, err
}

// ReadAt is safe for concurrent use (it does not touch r.off).
func (r *fileReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("failed to read a blob file: negative offset")
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p[:min(int64(len(p)), r.size-off)]
	n, err := r.f.ReadAt(want, off)
	switch {
	case n == len(want):
		err = nil
	case err == nil || err == io.EOF:
		return n, fmt.Errorf("blob %s ends before its %d bytes: %w", r.id, r.size, blobs.ErrCorrupt)
	default:
		return n, newFileError("read a blob file", err)
	}
	if off+int64(n) == r.size {
		err = io.EOF
	}
	return n, err
}

func (r *fileReader) Size() int64 { return r.size }

func (r *fileReader) Close() error { return newFileError("close a blob file", r.f.Close()) }
