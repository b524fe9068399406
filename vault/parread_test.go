package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/zeebo/blake3"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// parCase is an attachment's blob as a record stores it: an age file to a
// DEK stanza, its plaintext the content and, in a padded record, zeros.
type parCase struct {
	ident   age.Identity
	ct      []byte
	ref     record.BlobRef
	content []byte
	padded  bool
}

func newParCase(t testing.TB, n int, padded bool) *parCase {
	t.Helper()
	dek := pseudoRandom(tcrypto.DEKSize, 9)
	const id = "parread-testimony-1"
	c := &parCase{content: pseudoRandom(n, 3), padded: padded}
	plain := c.content
	if padded {
		plain = append(bytes.Clone(plain), make([]byte, record.PaddedSize(int64(n))-int64(n))...)
	}
	r, err := tcrypto.NewDEKRecipient(dek, id)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	aw, err := age.Encrypt(&buf, r)
	if err == nil {
		_, err = aw.Write(plain)
	}
	if err == nil {
		err = aw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.ident, err = tcrypto.NewDEKIdentity(dek, id); err != nil {
		t.Fatal(err)
	}
	c.ct = buf.Bytes()
	c.ref = refOf(id, c.ct)
	return c
}

func refOf(id string, ct []byte) record.BlobRef {
	sum := blake3.Sum256(ct)
	return record.BlobRef{ID: id, Size: int64(len(ct)), BLAKE3: hex.EncodeToString(sum[:])}
}

// read decrypts the case's blob as decryptContent does (through the
// parallel read once a test called parallelAlways).
func (c *parCase) read(ctx context.Context, blob blobs.Reader, w io.Writer) error {
	return decryptOpened(ctx, c.ident, blob, c.ref, int64(len(c.content)), c.padded, w, nil)
}

func (c *parCase) blob() blobs.Reader { return inlineBlob{bytes.NewReader(c.ct)} }

// parallelAlways reads every blob in parallel for the test, however small.
func parallelAlways(t *testing.T) {
	old := parMinSize
	parMinSize = 0
	t.Cleanup(func() { parMinSize = old })
}

// smallSegments reads every blob in parallel, in segments of two chunks,
// for the test: a few hundred KiB make many segments.
func smallSegments(t *testing.T) {
	parallelAlways(t)
	old := parSegChunks
	parSegChunks = 2
	t.Cleanup(func() { parSegChunks = old })
}

// noLeak fails if the goroutines of a parallel read outlive it.
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for range 100 {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Errorf("%d goroutines after the test, %d before", runtime.NumGoroutine(), before)
	})
}

const segBytes = 2 * ageChunkSize // smallSegments' plaintext per segment

func TestParallelReadSizes(t *testing.T) {
	smallSegments(t)
	noLeak(t)
	sizes := []int{0, 1, ageChunkSize - 1, ageChunkSize, ageChunkSize + 1, segBytes - 1, segBytes, segBytes + 1,
		3 * segBytes, 3*segBytes + ageChunkSize, 7*segBytes + 12345, 2<<20 + 777}
	for _, n := range sizes {
		for _, padded := range []bool{false, true} {
			c := newParCase(t, n, padded)
			var got bytes.Buffer
			if err := c.read(ctx, c.blob(), &got); err != nil {
				t.Fatalf("%d bytes (padded %v): %v", n, padded, err)
			}
			if !bytes.Equal(got.Bytes(), c.content) {
				t.Fatalf("%d bytes (padded %v): read %d bytes that differ", n, padded, got.Len())
			}
			// The content hash that open checks, fed beside the writing.
			sum := sha256.New()
			if err := decryptOpened(ctx, c.ident, c.blob(), c.ref, int64(n), padded, io.Discard, sum); err != nil {
				t.Fatal(err)
			}
			if want := sha256.Sum256(c.content); !bytes.Equal(sum.Sum(nil), want[:]) {
				t.Fatalf("%d bytes (padded %v): the content hash differs", n, padded)
			}
		}
	}
}

// A segment size that is not the test's: the default geometry, one worker,
// and a blob of a single segment.
func TestParallelReadGeometry(t *testing.T) {
	parallelAlways(t)
	noLeak(t)
	for _, workers := range []int{1, 3} {
		old := parMaxWorkers
		parMaxWorkers = workers
		for _, n := range []int{5<<20 + 3, int(parSegChunks*ageChunkSize) - 5} {
			c := newParCase(t, n, true)
			var got bytes.Buffer
			if err := c.read(ctx, c.blob(), &got); err != nil || !bytes.Equal(got.Bytes(), c.content) {
				t.Errorf("%d workers, %d bytes: read %d bytes, err %v", workers, n, got.Len(), err)
			}
		}
		parMaxWorkers = old
	}
}

// A chunk in the middle that fails authentication (the hash in the
// reference made to match, so that only age can tell) stops the read:
// nothing from that chunk on reaches w.
func TestParallelReadTamperedChunk(t *testing.T) {
	smallSegments(t)
	noLeak(t)
	c := newParCase(t, 20*ageChunkSize+999, false)
	payload := c.ref.Size - int64(len(c.content)) - 21*16
	for _, chunk := range []int64{0, 7, 10, 13, 19} {
		ct := flipped(c.ct, int(payload+chunk*ageEncChunkSize+100))
		bad := &parCase{ident: c.ident, ct: ct, ref: refOf(c.ref.ID, ct), content: c.content}
		var got bytes.Buffer
		err := bad.read(ctx, bad.blob(), &got)
		wantIntegrity(t, fmt.Sprintf("chunk %d tampered", chunk), err)
		if int64(got.Len()) > chunk*ageChunkSize || !bytes.Equal(got.Bytes(), c.content[:got.Len()]) {
			t.Errorf("chunk %d tampered: %d bytes written, want at most the %d before it", chunk, got.Len(), chunk*ageChunkSize)
		}
	}
}

func TestParallelReadHashMismatch(t *testing.T) {
	smallSegments(t)
	noLeak(t)
	c := newParCase(t, 9*segBytes+5, true)
	c.ref.BLAKE3 = refOf(c.ref.ID, []byte("another blob")).BLAKE3
	wantIntegrity(t, "a blob that is not the one the header pins", c.read(ctx, c.blob(), io.Discard))
}

// rangeFailBlob fails every read that touches [lo, hi) of the blob.
type rangeFailBlob struct {
	blobs.Reader
	lo, hi int64
	err    error
}

func (b rangeFailBlob) ReadAt(p []byte, off int64) (int, error) {
	if off < b.hi && off+int64(len(p)) > b.lo {
		return 0, b.err
	}
	return b.Reader.ReadAt(p, off)
}

// A blob that ends early in the middle is damaged; a store that fails
// there is a storage failure, not damage.
func TestParallelReadBlobFails(t *testing.T) {
	smallSegments(t)
	noLeak(t)
	c := newParCase(t, 12*segBytes, false)
	mid := c.ref.Size / 2
	short := rangeFailBlob{c.blob(), mid, mid + 1, fmt.Errorf("blob ends early: %w", blobs.ErrCorrupt)}
	wantIntegrity(t, "a blob short in the middle", c.read(ctx, short, io.Discard))

	failing := rangeFailBlob{c.blob(), mid, mid + 1, fmt.Errorf("disk on fire: %w", fault.ErrStorage)}
	err := c.read(ctx, failing, io.Discard)
	if !errors.Is(err, fault.ErrStorage) || errors.Is(err, ErrIntegrity) {
		t.Errorf("a store failing in the middle: %v, want a storage error", err)
	}
	// The header and nonce, which the hasher reads itself.
	head := rangeFailBlob{c.blob(), 50, 51, fmt.Errorf("disk on fire: %w", fault.ErrStorage)}
	if err := c.read(ctx, head, io.Discard); !errors.Is(err, fault.ErrStorage) {
		t.Errorf("a store failing in the header: %v, want a storage error", err)
	}
	// A blob truncated below its reference's size.
	trunc := &parCase{ident: c.ident, ct: c.ct[:c.ref.Size-100], ref: c.ref, content: c.content}
	wantIntegrity(t, "a truncated blob", trunc.read(ctx, trunc.blob(), io.Discard))
}

// swapBlob serves the original bytes to the first read that touches [lo,
// end) and the replaced ones to every later read: a blob file changed
// while it is read.
type swapBlob struct {
	orig, repl []byte
	lo         int64
	mu         sync.Mutex
	seen       bool
}

func (b *swapBlob) ReadAt(p []byte, off int64) (int, error) {
	src := b.orig
	if off+int64(len(p)) > b.lo {
		b.mu.Lock()
		if b.seen {
			src = b.repl
		}
		b.seen = true
		b.mu.Unlock()
	}
	return bytes.NewReader(src).ReadAt(p, off)
}
func (b *swapBlob) Read([]byte) (int, error) { return 0, errors.New("not read in order") }
func (b *swapBlob) Close() error             { return nil }
func (b *swapBlob) Size() int64              { return int64(len(b.orig)) }

// The final chunk that age authenticates as it opens the blob is compared
// with what is hashed: a final chunk swapped after that, whose hash the
// reference pins, is caught although age decrypts from its cached copy.
func TestParallelReadFinalChunkSwapped(t *testing.T) {
	parallelAlways(t)
	noLeak(t)
	c := newParCase(t, 3*ageChunkSize+10, false) // one segment
	repl := flipped(c.ct, len(c.ct)-3)
	blob := &swapBlob{orig: c.ct, repl: repl, lo: c.ref.Size - 30}
	swapped := &parCase{ident: c.ident, ct: repl, ref: refOf(c.ref.ID, repl), content: c.content}
	wantIntegrity(t, "a final chunk swapped while read", swapped.read(ctx, blob, io.Discard))
}

// failWriter fails once it has taken n bytes.
type failWriter struct {
	n   int
	err error
	got bytes.Buffer
}

func (w *failWriter) Write(p []byte) (int, error) {
	if w.got.Len()+len(p) > w.n {
		return 0, w.err
	}
	return w.got.Write(p)
}

func TestParallelReadWriterFails(t *testing.T) {
	smallSegments(t)
	noLeak(t)
	c := newParCase(t, 10*segBytes+3, true)
	errFull := errors.New("no space left on the output")
	w := &failWriter{n: 4 * segBytes, err: errFull}
	if err := c.read(ctx, c.blob(), w); err != errFull {
		t.Errorf("a failing writer: %v, want its own error unchanged", err)
	}
	if w.got.Len() != 4*segBytes {
		t.Errorf("%d bytes written before the failure, want %d", w.got.Len(), 4*segBytes)
	}
}

// cancelWriter cancels the read's context after its first write.
type cancelWriter struct {
	cancel context.CancelFunc
	got    bytes.Buffer
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.cancel()
	return w.got.Write(p)
}

func TestParallelReadCancelled(t *testing.T) {
	smallSegments(t)
	noLeak(t)
	c := newParCase(t, 30*segBytes, false)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &cancelWriter{cancel: cancel}
	if err := c.read(cctx, c.blob(), w); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled read: %v, want context.Canceled", err)
	}
	if w.got.Len() != segBytes {
		t.Errorf("%d bytes written, want one segment (%d): the read stops between segments", w.got.Len(), segBytes)
	}
	done, stop := context.WithCancel(ctx)
	stop()
	if err := c.read(done, c.blob(), io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("a read cancelled before it starts: %v", err)
	}
}

// A blob whose plaintext is not as long as its manifest says fails before
// anything is written: padding read as content too.
func TestParallelReadWrongSize(t *testing.T) {
	smallSegments(t)
	c := newParCase(t, 5*segBytes+123, true)
	n := int64(len(c.content))
	padding := make([]byte, record.PaddedSize(n)-n)
	for _, content := range [][]byte{c.content[:n-1], c.content, append(append(bytes.Clone(c.content), padding...), 0)} {
		wrong := &parCase{ident: c.ident, ct: c.ct, ref: c.ref, content: content}
		var got bytes.Buffer
		wantIntegrity(t, fmt.Sprintf("a manifest of %d bytes, unpadded", len(content)), wrong.read(ctx, wrong.blob(), &got))
		if got.Len() != 0 {
			t.Errorf("%d bytes written", got.Len())
		}
	}
}

// A blob whose padding is not zeros is caught by the unpadWriter, after
// the content.
func TestParallelReadBadPadding(t *testing.T) {
	smallSegments(t)
	c := newParCase(t, 3*segBytes+17, false)
	// The same content with its padding made of ones, encrypted as a padded
	// blob.
	n := int64(len(c.content))
	plain := append(bytes.Clone(c.content), bytes.Repeat([]byte{1}, int(record.PaddedSize(n)-n))...)
	r, err := tcrypto.NewDEKRecipient(pseudoRandom(tcrypto.DEKSize, 9), c.ref.ID)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	aw, err := age.Encrypt(&buf, r)
	if err == nil {
		_, err = aw.Write(plain)
	}
	if err == nil {
		err = aw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	bad := &parCase{ident: c.ident, ct: buf.Bytes(), ref: refOf(c.ref.ID, buf.Bytes()), content: c.content, padded: true}
	var got bytes.Buffer
	wantIntegrity(t, "padding of ones", bad.read(ctx, bad.blob(), &got))
	if !bytes.Equal(got.Bytes(), c.content) {
		t.Errorf("%d bytes written, want the %d of the content", got.Len(), n)
	}
}

// A blob whose opening reads more than parMaxKept is read by the
// sequential pipe instead, with the same result.
func TestParallelReadFallsBack(t *testing.T) {
	parallelAlways(t)
	old := parMaxKept
	parMaxKept = 1 << 10
	t.Cleanup(func() { parMaxKept = old })
	c := newParCase(t, 4*ageChunkSize+5, true)
	var got bytes.Buffer
	if err := c.read(ctx, c.blob(), &got); err != nil || !bytes.Equal(got.Bytes(), c.content) {
		t.Errorf("read %d bytes, err %v", got.Len(), err)
	}
}
