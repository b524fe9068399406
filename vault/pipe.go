package vault

import (
	"crypto/sha256"
	"errors"
	"hash"
	"io"

	"github.com/zeebo/blake3"
)

// hashingReader reads src on a goroutine of its own, hashing what it reads
// there, and hands the bytes on through a fixed set of buffers.
// Reading and hashing thus overlap with encryption on the caller's goroutine
// (and with hashing and storing the ciphertext on the blob writer's), while
// memory stays bounded at pipeBuffers buffers.
type hashingReader struct {
	full  chan []byte
	free  chan []byte
	done  chan struct{}
	cur   []byte
	spare []byte
	err   error // the source's terminal error, set before full closes
	n     int64
	sum   hash.Hash
	prog  *progress
}

// A pipe holds pipeBuffers buffers: of 1 MiB for a seal's plaintext (fewer
// read syscalls), of 256 KiB for the ciphertext that cat and open read,
// whose memory figure also carries age's per-chunk allocations.
const (
	pipeBuffers       = 4
	plaintextBufSize  = 1 << 20
	ciphertextBufSize = 256 << 10
)

// newHashingReader reads a plaintext, hashing it with SHA-256: the hash an
// examiner computes with sha256sum on the file they were given. size is
// what the file held when it was opened (-1 if unknown): a small file gets
// buffers its size, not 4 MiB to allocate and clear (a 2 KB transcript
// sealed in bulk spent more time there than on its encryption). A file
// that grows meanwhile is still read whole, in more reads.
func newHashingReader(src io.Reader, prog *progress, size int64) *hashingReader {
	buf := plaintextBufSize
	if size >= 0 && size < int64(buf) {
		buf = max(int(size)+1, 4<<10) // one read also finds the end
	}
	return newPipe(src, sha256.New(), prog, buf)
}

// newCiphertextReader reads a stored blob, hashing it with BLAKE3, the hash
// its signed reference pins.
func newCiphertextReader(src io.Reader) *hashingReader {
	return newPipe(src, blake3.New(), nil, ciphertextBufSize)
}

func newPipe(src io.Reader, sum hash.Hash, prog *progress, bufSize int) *hashingReader {
	r := &hashingReader{
		full: make(chan []byte, pipeBuffers),
		free: make(chan []byte, pipeBuffers),
		done: make(chan struct{}),
		sum:  sum,
		prog: prog,
	}
	for range pipeBuffers {
		r.free <- make([]byte, bufSize)
	}
	go r.fill(src)
	return r
}

var errPipeClosed = errors.New("reader closed")

func (r *hashingReader) fill(src io.Reader) {
	defer close(r.full)
	for {
		var b []byte
		select {
		case b = <-r.free:
		case <-r.done:
			return
		}
		n, err := io.ReadFull(src, b[:cap(b)])
		if n > 0 {
			r.sum.Write(b[:n])
			select {
			case r.full <- b[:n]:
			case <-r.done:
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			r.err = err
			return
		}
	}
}

func (r *hashingReader) Read(p []byte) (int, error) {
	if len(r.cur) == 0 {
		if r.spare != nil {
			r.free <- r.spare[:cap(r.spare)]
			r.spare = nil
		}
		b, ok := <-r.full
		if !ok {
			return 0, r.err
		}
		r.cur, r.spare = b, b
		r.n += int64(len(b))
		r.prog.add(int64(len(b)))
	}
	k := copy(p, r.cur)
	r.cur = r.cur[k:]
	return k, nil
}

// WriteTo hands whole buffers to w, saving a copy.
func (r *hashingReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.cur) > 0 {
			k, err := w.Write(r.cur)
			total += int64(k)
			r.cur = r.cur[k:]
			if err != nil {
				return total, err
			}
		}
		_, err := r.Read(nil)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Close stops the reading goroutine and waits for it to return, so that it
// never reads from a store that the caller closes next. The reader must not
// be used after.
func (r *hashingReader) Close() {
	select {
	case <-r.done:
	default:
		close(r.done)
	}
	for range r.full {
	}
}

// Sum returns the hash of everything read; valid once Read returned io.EOF.
func (r *hashingReader) Sum() []byte { return r.sum.Sum(nil) }
