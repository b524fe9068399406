package blobtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/zeebo/blake3"
)

// noneComplete fails the test unless List reports no complete blob.
func noneComplete(t *testing.T, s blobs.Store) {
	t.Helper()
	if c := complete(t, s); len(c) != 0 {
		t.Errorf("List reports complete blobs: %+v", c)
	}
}

// nothingAtAll fails the test unless List reports nothing, not even a
// partial blob.
func nothingAtAll(t *testing.T, s blobs.Store) {
	t.Helper()
	if l := list(t, s); len(l) != 0 {
		t.Errorf("List reports %+v, want nothing", l)
	}
}

func testInvisibleBeforeCommit(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	data := content(5<<20+3, 1)
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	mustBeMissing(t, s, id, int64(len(data)))
	if err := writeAll(w, data); err != nil {
		t.Fatal(err)
	}
	mustBeMissing(t, s, id, int64(len(data)))
	for _, i := range list(t, s) {
		if !i.Partial || i.ID != id {
			t.Errorf("List during the write reports %+v; at most a partial %s", i, id)
		}
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	mustRead(t, s, id, data)
}

func testAbort(t *testing.T, s blobs.Store) {
	for i, size := range []int{0, 10, 9<<20 + 1} {
		id := blobID(uint64(i), 1)
		w, err := s.Create(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeAll(w, content(size, 1)); err != nil {
			t.Fatal(err)
		}
		w.Abort()
		w.Abort()
		if _, err := w.Write([]byte("x")); err == nil {
			t.Errorf("size %d: Write after Abort succeeded", size)
		}
		if _, err := w.Commit(); err == nil {
			t.Errorf("size %d: Commit after Abort succeeded", size)
		}
		mustBeMissing(t, s, id, int64(size))
		nothingAtAll(t, s)
	}
}

func testWriterAfterCommit(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	data := content(4<<20+1, 1)
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(w, data)
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Commit succeeded")
	}
	w.Abort()
	mustRead(t, s, id, data)
}

func testCancelDuringWrite(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w, err := s.Create(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := writeAll(w, content(9<<20, 1)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Write([]byte("more")); !errors.Is(err, context.Canceled) {
		t.Errorf("Write after cancel: %v, want context.Canceled", err)
	}
	if _, err := w.Commit(); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit after cancel: %v, want context.Canceled", err)
	}
	mustBeMissing(t, s, id, 9<<20)
	// At most a partial is left, and RemovePartial takes it.
	if err := s.RemovePartial(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	nothingAtAll(t, s)
}

func testCancelBeforeCommit(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	ctx, cancel := context.WithCancel(t.Context())
	w, err := s.Create(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := writeAll(w, content(100, 1)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Commit(); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit after cancel: %v, want context.Canceled", err)
	}
	mustBeMissing(t, s, id, 100)
}

// testDoneContext: a context that is already done fails the write, at
// Create or at the latest at Commit, with the context's error.
func testDoneContext(t *testing.T, s blobs.Store) {
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	id := blobID(1, 1)
	w, err := s.Create(ctx, id)
	if err == nil {
		defer w.Abort()
		if _, err = w.Write([]byte("x")); err == nil {
			_, err = w.Commit()
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write with an expired context: %v, want context.DeadlineExceeded", err)
	}
	mustBeMissing(t, s, id, 1)
	if _, err := s.Open(ctx, id, 1); err == nil {
		t.Error("Open with an expired context succeeded")
	}
}

func testReplace(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	v1, v2 := content(5000, 1), content(4<<20+6000, 2)
	put(t, s, id, v1)
	info := put(t, s, id, v2)
	if info.Size != int64(len(v2)) || info.BLAKE3 != blake3.Sum256(v2) {
		t.Fatalf("Commit of the second write: %+v", info)
	}
	mustRead(t, s, id, v2)
	if _, err := s.Open(t.Context(), id, int64(len(v1))); !isCorrupt(err) {
		t.Errorf("Open with the first size: %v, want ErrCorrupt", err)
	}
	if l := list(t, s); len(l) != 1 {
		t.Errorf("List after a replacement: %+v", l)
	}
}
