package blobtest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/faulty"
	"github.com/tvault/tvault/vault/internal/fault"
)

// testFaults wraps the store under test in faulty and breaks operations
// off in their middle: each failure must surface as an error, and leave
// neither a complete blob that was not committed nor short data that looks
// whole.
func testFaults(t *testing.T, newStore func(*testing.T) blobs.Store) {
	t.Run("WriteMidway", func(t *testing.T) { testWriteMidway(t, newStore(t)) })
	t.Run("WriteNoSpace", func(t *testing.T) { testWriteNoSpace(t, newStore(t)) })
	t.Run("Commit", func(t *testing.T) { testCommitFails(t, newStore(t)) })
	t.Run("ReadMidway", func(t *testing.T) { testReadMidway(t, newStore(t)) })
	t.Run("ListMidway", func(t *testing.T) { testListMidway(t, newStore(t)) })
	t.Run("Calls", func(t *testing.T) { testCallFaults(t, newStore(t)) })
}

func isInjected(err error) bool {
	return errors.Is(err, faulty.ErrInjected) && errors.Is(err, fault.ErrStorage)
}

func testWriteMidway(t *testing.T, inner blobs.Store) {
	s := faulty.New(inner)
	const allowed = 5<<20 + 3
	s.FailAfter(faulty.Write, allowed)
	id := blobID(1, 1)
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	data := content(9<<20, 1)
	written := 0
	for err == nil && written < len(data) {
		var n int
		n, err = w.Write(data[written:min(written+70001, len(data))])
		written += n
	}
	if !isInjected(err) || written != allowed {
		t.Fatalf("write across the fault: %d bytes, %v; want %d and ErrInjected", written, err, allowed)
	}
	if _, err := w.Write([]byte("x")); !isInjected(err) {
		t.Errorf("Write after the fault: %v", err)
	}
	if _, err := w.Commit(); !isInjected(err) {
		t.Errorf("Commit after a failed Write: %v, want ErrInjected", err)
	}
	s.Heal()
	mustBeMissing(t, s, id, int64(len(data)))
	mustBeMissing(t, s, id, allowed)
	nothingAtAll(t, inner)
	if s.Injected(faulty.Write) == 0 {
		t.Error("no Write failure counted")
	}
}

func testWriteNoSpace(t *testing.T, inner blobs.Store) {
	s := faulty.New(inner)
	s.FailAfter(faulty.Write, 100, fault.ErrNoSpace)
	w, err := s.Create(t.Context(), blobID(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := w.Write(make([]byte, 4096)); !errors.Is(err, fault.ErrNoSpace) || !isInjected(err) {
		t.Errorf("Write on a full disk: %v, want ErrNoSpace and ErrInjected", err)
	}
}

func testCommitFails(t *testing.T, inner blobs.Store) {
	s := faulty.New(inner)
	s.FailAfter(faulty.Commit, 0)
	id := blobID(1, 1)
	data := content(4<<20+1, 1)
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	writeAll(w, data)
	if _, err := w.Commit(); !isInjected(err) {
		t.Fatalf("Commit: %v, want ErrInjected", err)
	}
	mustBeMissing(t, s, id, int64(len(data)))
	nothingAtAll(t, inner)
	s.Heal()
	put(t, s, id, data)
	mustRead(t, inner, id, data)
}

func testReadMidway(t *testing.T, inner blobs.Store) {
	s := faulty.New(inner)
	id := blobID(1, 1)
	data := content(9<<20, 1)
	put(t, s, id, data)
	const allowed = 3<<20 + 5
	s.FailAfter(faulty.Read, allowed)
	if n, err := readBack(t.Context(), s, id, data); !isInjected(err) || n != allowed {
		t.Fatalf("read across the fault: %d bytes, %v; want %d and ErrInjected", n, err, allowed)
	}
	r, err := s.Open(t.Context(), id, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := make([]byte, 4<<20)
	n, err := r.ReadAt(p, 1000)
	if !isInjected(err) || n != allowed || !bytes.Equal(p[:n], data[1000:1000+n]) {
		t.Fatalf("ReadAt across the fault: %d bytes, %v; want %d and ErrInjected", n, err, allowed)
	}
	if n, err := r.ReadAt(p[:1], 0); n != 0 || !isInjected(err) {
		t.Errorf("ReadAt after the fault: %d, %v", n, err)
	}
	s.Heal()
	mustRead(t, s, id, data)
	// A read that ends with the blob loses nothing: it is not failed.
	small := blobID(2, 1)
	put(t, s, small, []byte("0123456789"))
	s.FailAfter(faulty.Read, 10)
	if _, err := readBack(t.Context(), s, small, []byte("0123456789")); err != nil {
		t.Errorf("read that ends at the allowance: %v", err)
	}
	if n, err := readBack(t.Context(), s, id, data); !isInjected(err) || n != 10 {
		t.Errorf("read past the allowance: %d bytes, %v", n, err)
	}
}

func testListMidway(t *testing.T, inner blobs.Store) {
	s := faulty.New(inner)
	for i := range 5 {
		put(t, s, blobID(uint64(i), 1), []byte("x"))
	}
	for _, allowed := range []int{0, 2, 4} {
		s.FailAfter(faulty.List, int64(allowed))
		n := 0
		err := s.List(t.Context(), func(blobs.Info) error { n++; return nil })
		if !isInjected(err) || n != allowed {
			t.Errorf("List failing after %d: %d entries, %v", allowed, n, err)
		}
	}
	s.FailAfter(faulty.List, 5)
	if l := list(t, s); len(l) != 5 {
		t.Errorf("List with an allowance of every entry: %d entries", len(l))
	}
}

// testCallFaults: a failed Create, Open, Stat, Remove or RemovePartial
// changes nothing.
func testCallFaults(t *testing.T, inner blobs.Store) {
	s := faulty.New(inner)
	id := blobID(1, 1)
	data := content(4097, 1)
	put(t, s, id, data)
	ctx := t.Context()
	s.FailAfter(faulty.Create, 1)
	if w, err := s.Create(ctx, blobID(2, 1)); err != nil {
		t.Fatalf("first Create: %v", err)
	} else {
		w.Abort()
	}
	if _, err := s.Create(ctx, blobID(2, 1)); !isInjected(err) {
		t.Errorf("second Create: %v, want ErrInjected", err)
	}
	s.FailAfter(faulty.Open, 0)
	s.FailAfter(faulty.Stat, 0)
	s.FailAfter(faulty.Remove, 0)
	s.FailAfter(faulty.RemovePartial, 0)
	if _, err := s.Open(ctx, id, int64(len(data))); !isInjected(err) {
		t.Errorf("Open: %v, want ErrInjected", err)
	}
	if _, err := s.Stat(ctx, id); !isInjected(err) {
		t.Errorf("Stat: %v, want ErrInjected", err)
	}
	if err := s.Remove(ctx, id); !isInjected(err) {
		t.Errorf("Remove: %v, want ErrInjected", err)
	}
	if err := s.RemovePartial(ctx, id); !isInjected(err) {
		t.Errorf("RemovePartial: %v, want ErrInjected", err)
	}
	mustRead(t, inner, id, data)
	s.Heal()
	if err := s.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	nothingAtAll(t, inner)
}
