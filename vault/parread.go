package vault

import (
	"context"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"filippo.io/age"
	"github.com/zeebo/blake3"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/record"
)

// Reading a large blob on every core (issue 16). The plaintext is cut into
// segments of parSegChunks age chunks. Workers read a segment's ciphertext
// from the blob (blobs.Reader's ReadAt is safe for concurrent use) and
// decrypt it through age.DecryptReaderAt, which authenticates every chunk;
// a hasher goroutine feeds the same ciphertext bytes, in order, to the
// BLAKE3 hash that the signed reference pins; the caller's goroutine writes
// the decrypted segments to w in order. A segment's buffers are reused once
// it is both written and hashed, so that at most len(slots) segments are in
// memory whatever the blob's size.
//
// What age reads while it opens the blob (the header, the nonce and the
// final chunk, which DecryptReaderAt authenticates at once) is kept, and
// compared with the bytes the hasher sees at those offsets: every byte
// decrypted is a byte hashed, as with the sequential pipe.

// age's STREAM chunks: 64 KiB of plaintext, each followed by a 16-byte tag.
const (
	ageChunkSize    = 64 << 10
	ageEncChunkSize = ageChunkSize + 16
)

// The parallel read's shape. Variables, so that tests can cut a small blob
// into many segments.
var (
	// parSegChunks is the number of age chunks in a segment, what a worker
	// decrypts and the writer writes at once: 1 MiB. Every segment costs
	// a few hand-offs between goroutines, dear on a busy machine: 1 MiB
	// segments took 0.9x the CPU of 512 KiB ones in tvault open of 1 GiB
	// (three alternating runs, scripts/rss).
	parSegChunks int64 = 16
	// parMinSize is the smallest stored blob read in parallel: below it,
	// starting workers costs more than they save, and the sequential pipe
	// (decryptStream) reads it.
	parMinSize int64 = 4 << 20
	// parMaxWorkers caps the workers (and so the memory) on a machine of
	// many cores.
	parMaxWorkers = 8
	// parMaxKept bounds what age may read while opening a blob (tvault's
	// headers take about 200 bytes, the final chunk 64 KiB): a blob with a
	// larger header, which tvault never writes, is read by the sequential
	// pipe.
	parMaxKept = 256 << 10
)

var (
	errParStopped   = errors.New("parallel read stopped")
	errParLargeHead = errors.New("age header too large for the parallel read")
)

// decryptParallel streams the plaintext of a large blob to u, as
// decryptStream does, decrypting segments on several goroutines; sum, if
// set, takes the content (u.content bytes, without padding) on a goroutine
// of its own. A blob whose plaintext is not the size u expects is an
// integrity error before anything is written. Every chunk is
// authenticated before its bytes reach u, and nothing after a chunk that
// fails is written; the ciphertext hash is checked once all is written. An
// error of u comes back unchanged. errParLargeHead means that nothing was
// read and the sequential pipe must read this blob.
func decryptParallel(ctx context.Context, ident age.Identity, blob blobs.Reader, ref record.BlobRef, u *unpadWriter, sum hash.Hash) error {
	src := &parSource{blob: blob}
	ra, ptSize, err := age.DecryptReaderAt(src, ref.Size, ident)
	if src.overflow {
		return errParLargeHead
	}
	if err != nil {
		return blobError(ref.ID, err)
	}
	switch {
	case ptSize > u.total:
		return integrityErrorf("blob %s: its plaintext is longer than its manifest says", ref.ID)
	case ptSize < u.total:
		return integrityErrorf("blob %s: its plaintext is shorter than its manifest says", ref.ID)
	}
	p := newParReader(ctx, blob, ref, src, ra, ptSize)
	p.sideSum, p.content = sum, u.content
	return p.run(u)
}

// parSlot is one segment's worth of buffers; free holds a token while no
// segment uses them.
type parSlot struct {
	ct, pt []byte
	free   chan struct{}
}

// parSegment is one segment in flight. readErr is set before read closes,
// err before done closes.
type parSegment struct {
	idx, off, ptOff int64
	ct, pt          []byte
	slot            *parSlot
	read, done      chan struct{}
	readErr, err    error
	left            atomic.Int32 // the consumers not done with it
}

// parReader is one parallel read. Its consumers take every segment in
// order: the hasher (the ciphertext, once read), the writer (the
// plaintext, once decrypted) and, if sideSum is set, the content hasher.
type parReader struct {
	ctx     context.Context
	blob    io.ReaderAt
	ref     record.BlobRef
	src     *parSource
	ra      io.ReaderAt
	ptSize  int64
	nseg    int64
	workers int
	slots   []*parSlot
	stop    chan struct{}
	halt    func()
	wg      sync.WaitGroup
	sideSum hash.Hash
	content int64
	// The hasher's results, read after wg.Wait.
	sum     []byte
	hashErr error
}

func newParReader(ctx context.Context, blob io.ReaderAt, ref record.BlobRef, src *parSource, ra io.ReaderAt, ptSize int64) *parReader {
	chunks := max(1, (ptSize+ageChunkSize-1)/ageChunkSize)
	workers := max(1, min(runtime.GOMAXPROCS(0), parMaxWorkers))
	p := &parReader{
		ctx: ctx, blob: blob, ref: ref, src: src, ra: ra, ptSize: ptSize,
		nseg:    (chunks + parSegChunks - 1) / parSegChunks,
		workers: workers,
		stop:    make(chan struct{}),
	}
	p.halt = sync.OnceFunc(func() { close(p.stop) })
	// Enough segments for every worker to have one ahead while the
	// consumers each hold one, but never more than the blob has.
	n := int(min(int64(2*workers+1), p.nseg))
	ctSize, ptSeg := parSegChunks*ageEncChunkSize, parSegChunks*ageChunkSize
	for range n {
		sl := &parSlot{ct: make([]byte, ctSize), pt: make([]byte, ptSeg), free: make(chan struct{}, 1)}
		sl.free <- struct{}{}
		p.slots = append(p.slots, sl)
	}
	src.payloadOff = ref.Size - ptSize - chunks*(ageEncChunkSize-ageChunkSize)
	src.segSize = ctSize
	src.segs = make([]atomic.Pointer[parSegment], n)
	src.armed = true
	return p
}

// run starts the dispatcher, the workers, the hasher and the content
// hasher, writes on the calling goroutine, and returns once every
// goroutine has: the caller may close the blob then.
func (p *parReader) run(w io.Writer) error {
	n := len(p.slots)
	work, hashQ, writeQ := make(chan *parSegment, n), make(chan *parSegment, n), make(chan *parSegment, n)
	queues := []chan *parSegment{hashQ, writeQ}
	if p.sideSum != nil {
		sideQ := make(chan *parSegment, n)
		queues = append(queues, sideQ)
		p.wg.Go(func() { p.hashContent(sideQ) })
	}
	p.wg.Go(func() { p.dispatch(work, queues) })
	for range p.workers {
		p.wg.Go(func() {
			for s := range work {
				p.decrypt(s)
			}
		})
	}
	p.wg.Go(func() {
		p.sum, p.hashErr = p.hash(hashQ)
		if p.hashErr != nil {
			p.halt()
		}
	})
	err := p.write(w, writeQ)
	if err != nil {
		p.halt()
	}
	p.wg.Wait()
	switch {
	case errors.Is(err, errParStopped) && p.hashErr != nil:
		return blobError(p.ref.ID, p.hashErr)
	case err != nil:
		return copyError(p.ref.ID, err)
	case p.hashErr != nil:
		return blobError(p.ref.ID, p.hashErr)
	case p.src.mismatch || hex.EncodeToString(p.sum) != p.ref.BLAKE3:
		return integrityErrorf("blob %s: ciphertext does not match the signed header", p.ref.ID)
	}
	return nil
}

// dispatch hands out the segments in order, each once its slot is free.
// No queue ever holds more than len(slots) segments, so sending never
// blocks.
func (p *parReader) dispatch(work chan<- *parSegment, queues []chan *parSegment) {
	defer close(work)
	for _, q := range queues {
		defer close(q)
	}
	n := int64(len(p.slots))
	segPt := parSegChunks * ageChunkSize
	for k := range p.nseg {
		sl := p.slots[k%n]
		select {
		case <-sl.free:
		case <-p.stop:
			return
		}
		s := &parSegment{idx: k, off: p.src.payloadOff + k*p.src.segSize, ptOff: k * segPt, slot: sl,
			read: make(chan struct{}), done: make(chan struct{})}
		s.ct = sl.ct[:min(p.src.segSize, p.ref.Size-s.off)]
		s.pt = sl.pt[:min(segPt, p.ptSize-s.ptOff)]
		s.left.Store(int32(len(queues)))
		p.src.segs[k%n].Store(s)
		for _, q := range queues {
			q <- s
		}
		work <- s
	}
}

// decrypt reads a segment's ciphertext and decrypts it.
func (p *parReader) decrypt(s *parSegment) {
	select {
	case <-p.stop:
		s.readErr = errParStopped
	default:
		s.readErr = p.ctx.Err()
	}
	if s.readErr == nil {
		s.readErr = readFullAt(p.blob, s.ct, s.off)
	}
	close(s.read)
	if s.err = s.readErr; s.err == nil {
		var n int
		n, s.err = p.ra.ReadAt(s.pt, s.ptOff)
		if n == len(s.pt) && s.err == io.EOF {
			s.err = nil
		}
	}
	close(s.done)
}

// hash feeds the blob to BLAKE3 in order: the header and nonce, which no
// worker reads, then each segment's ciphertext once it is read.
func (p *parReader) hash(q <-chan *parSegment) ([]byte, error) {
	h := blake3.New()
	buf := make([]byte, min(p.src.payloadOff, ageChunkSize))
	for off := int64(0); off < p.src.payloadOff; {
		b := buf[:min(int64(len(buf)), p.src.payloadOff-off)]
		if err := readFullAt(p.blob, b, off); err != nil {
			return nil, err
		}
		h.Write(b)
		p.src.check(off, b)
		off += int64(len(b))
	}
	for s := range q {
		select {
		case <-s.read:
		case <-p.stop:
			return nil, errParStopped
		}
		if s.readErr != nil {
			return nil, s.readErr
		}
		h.Write(s.ct)
		p.src.check(s.off, s.ct)
		p.release(s)
	}
	return h.Sum(nil), nil
}

// write writes the segments to w in order, each once it is decrypted and
// authenticated, stopping between segments when ctx is done.
func (p *parReader) write(w io.Writer, q <-chan *parSegment) error {
	var written int64
	for s := range q {
		select {
		case <-s.done:
		case <-p.stop:
			return errParStopped
		}
		if s.err != nil {
			return s.err
		}
		if err := p.ctx.Err(); err != nil {
			return err
		}
		if _, err := w.Write(s.pt); err != nil {
			return &writeError{err}
		}
		p.release(s)
		written++
	}
	if written < p.nseg {
		return errParStopped // the hasher stopped the dispatcher
	}
	return nil
}

// hashContent feeds the content, without padding, to sideSum in order. It
// stops at the first segment that failed, which the writer reports.
func (p *parReader) hashContent(q <-chan *parSegment) {
	for s := range q {
		select {
		case <-s.done:
		case <-p.stop:
			return
		}
		if s.err != nil {
			return
		}
		if k := min(int64(len(s.pt)), p.content-s.ptOff); k > 0 {
			p.sideSum.Write(s.pt[:k])
		}
		p.release(s)
	}
}

// release gives a segment's slot back once every consumer is done with
// it.
func (p *parReader) release(s *parSegment) {
	if s.left.Add(-1) == 0 {
		s.slot.free <- struct{}{}
	}
}
