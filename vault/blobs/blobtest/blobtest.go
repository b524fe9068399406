package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Run runs the conformance suite against the stores newStore returns; each
// call must return a new, empty store. Every test is a named subtest, so
// that -run selects them (-run 'Conformance/RoundTrip/4MiB$', say).
func Run(t *testing.T, newStore func(t *testing.T) blobs.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore) })
	t.Run("OneLargeWrite", func(t *testing.T) { testOneLargeWrite(t, newStore(t)) })
	t.Run("ReaderContract", func(t *testing.T) { testReaderContract(t, newStore(t)) })
	t.Run("ReadAt", func(t *testing.T) { testReadAt(t, newStore(t)) })
	t.Run("ReadAtEmpty", func(t *testing.T) { testReadAtEmpty(t, newStore(t)) })
	t.Run("ConcurrentReadAt", func(t *testing.T) { testConcurrentReadAt(t, newStore(t)) })
	t.Run("OpenWrongSize", func(t *testing.T) { testOpenWrongSize(t, newStore(t)) })
	t.Run("Missing", func(t *testing.T) { testMissing(t, newStore(t)) })
	t.Run("InvisibleBeforeCommit", func(t *testing.T) { testInvisibleBeforeCommit(t, newStore(t)) })
	t.Run("AbortLeavesNothing", func(t *testing.T) { testAbort(t, newStore(t)) })
	t.Run("WriterAfterCommit", func(t *testing.T) { testWriterAfterCommit(t, newStore(t)) })
	t.Run("CancelDuringWrite", func(t *testing.T) { testCancelDuringWrite(t, newStore(t)) })
	t.Run("CancelBeforeCommit", func(t *testing.T) { testCancelBeforeCommit(t, newStore(t)) })
	t.Run("DoneContext", func(t *testing.T) { testDoneContext(t, newStore(t)) })
	t.Run("Replace", func(t *testing.T) { testReplace(t, newStore(t)) })
	t.Run("List", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("ListStopsOnError", func(t *testing.T) { testListStops(t, newStore(t)) })
	t.Run("Remove", func(t *testing.T) { testRemove(t, newStore(t)) })
	t.Run("RemovePartial", func(t *testing.T) { testRemovePartial(t, newStore(t)) })
	t.Run("InvalidIDs", func(t *testing.T) { testInvalidIDs(t, newStore(t)) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrentWriters(t, newStore(t)) })
	t.Run("Faults", func(t *testing.T) { testFaults(t, newStore) })
}

// base32 is the alphabet of record ids (RFC 4648, lower case).
const base32 = "abcdefghijklmnopqrstuvwxyz234567"

// blobID returns an id shaped like the engine's, "<record>-<class>-<n>",
// whose record part (and so its shard) depends on seed.
func blobID(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 1))
	rec := make([]byte, 20)
	for i := range rec {
		rec[i] = base32[r.IntN(len(base32))]
	}
	return fmt.Sprintf("%s-witness-%d", rec, n)
}

// content returns size pseudo-random bytes determined by seed.
func content(size int, seed byte) []byte {
	b := make([]byte, size)
	rand.NewChaCha8([32]byte{seed, byte(size), byte(size >> 8), byte(size >> 16)}).Read(b)
	return b
}

// pieces are the sizes of successive Writes: odd, so that they cross
// every block and buffer boundary at a different offset.
var pieces = []int{70001, 1, 4095, 4097, 1<<20 + 3, 13}

// writeAll writes data to w in pieces of varying sizes.
func writeAll(w io.Writer, data []byte) error {
	for i := 0; len(data) > 0; i++ {
		k := min(pieces[i%len(pieces)], len(data))
		n, err := w.Write(data[:k])
		if err != nil {
			return err
		}
		if n != k {
			return fmt.Errorf("Write took %d of %d bytes without an error", n, k)
		}
		data = data[k:]
	}
	return nil
}

// put stores data as blob id and returns Commit's Info.
func put(t *testing.T, s blobs.Store, id string, data []byte) blobs.Info {
	t.Helper()
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatalf("Create %s: %v", id, err)
	}
	defer w.Abort()
	if err := writeAll(w, data); err != nil {
		t.Fatalf("Write %s: %v", id, err)
	}
	info, err := w.Commit()
	if err != nil {
		t.Fatalf("Commit %s: %v", id, err)
	}
	return info
}

// abandon starts writing blob id and leaves the writer neither committed
// nor aborted, as a crash would; it is aborted when the test ends.
func abandon(t *testing.T, s blobs.Store, id string, data []byte) {
	t.Helper()
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatalf("Create %s: %v", id, err)
	}
	t.Cleanup(w.Abort)
	if err := writeAll(w, data); err != nil {
		t.Fatalf("Write %s: %v", id, err)
	}
}

// readBack reads blob id of len(want) bytes front to back, in pieces, and
// compares it with want. It returns how many bytes were read before the
// first error other than io.EOF, which it returns.
func readBack(ctx context.Context, s blobs.Store, id string, want []byte) (int, error) {
	r, err := s.Open(ctx, id, int64(len(want)))
	if err != nil {
		return 0, err
	}
	defer r.Close()
	if r.Size() != int64(len(want)) {
		return 0, fmt.Errorf("Size() = %d, want %d", r.Size(), len(want))
	}
	buf := make([]byte, 256<<10+1)
	read := 0
	for {
		n, err := r.Read(buf)
		if n > len(want)-read || !bytes.Equal(buf[:n], want[read:read+n]) {
			return read, fmt.Errorf("the bytes read from offset %d differ from those written", read)
		}
		read += n
		if err == io.EOF {
			if read != len(want) {
				return read, fmt.Errorf("io.EOF after %d of %d bytes", read, len(want))
			}
			return read, nil
		}
		if err != nil {
			return read, err
		}
	}
}

// mustRead fails the test unless blob id holds exactly want.
func mustRead(t *testing.T, s blobs.Store, id string, want []byte) {
	t.Helper()
	if _, err := readBack(t.Context(), s, id, want); err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
}

// list returns every Info that List reports.
func list(t *testing.T, s blobs.Store) []blobs.Info {
	t.Helper()
	var infos []blobs.Info
	if err := s.List(t.Context(), func(i blobs.Info) error { infos = append(infos, i); return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	return infos
}

// complete returns the ids of the complete blobs List reports, and fails
// the test if one is reported twice or with a BLAKE3.
func complete(t *testing.T, s blobs.Store) map[string]blobs.Info {
	t.Helper()
	out := map[string]blobs.Info{}
	for _, i := range list(t, s) {
		if i.Partial {
			continue
		}
		if _, dup := out[i.ID]; dup {
			t.Errorf("List reports %s twice", i.ID)
		}
		if i.BLAKE3 != ([32]byte{}) {
			t.Errorf("List reports a BLAKE3 for %s: only Commit sets it", i.ID)
		}
		out[i.ID] = i
	}
	return out
}

// mustBeMissing fails the test unless blob id is neither readable nor
// listed as complete.
func mustBeMissing(t *testing.T, s blobs.Store, id string, size int64) {
	t.Helper()
	if _, err := s.Stat(t.Context(), id); !isNotExist(err) {
		t.Errorf("Stat %s: %v, want ErrNotExist", id, err)
	}
	if r, err := s.Open(t.Context(), id, size); !isNotExist(err) {
		t.Errorf("Open %s: %v, want ErrNotExist", id, err)
		if err == nil {
			r.Close()
		}
	}
	if _, ok := complete(t, s)[id]; ok {
		t.Errorf("List reports %s as complete", id)
	}
}

func isNotExist(err error) bool {
	return errors.Is(err, blobs.ErrNotExist) && errors.Is(err, fault.ErrIntegrity)
}

func isCorrupt(err error) bool {
	return errors.Is(err, blobs.ErrCorrupt) && errors.Is(err, fault.ErrIntegrity) && !errors.Is(err, blobs.ErrNotExist)
}
