package blobtest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tvault/tvault/vault/blobs"
)

func testList(t *testing.T, s blobs.Store) {
	if l := list(t, s); len(l) != 0 {
		t.Fatalf("List of an empty store: %+v", l)
	}
	want := map[string]int64{}
	for i := range 25 {
		size := i * 1001
		if i%10 == 3 {
			size = 4<<20 + i
		}
		id := blobID(uint64(i/2), i) // pairs share a shard
		put(t, s, id, content(size, byte(i)))
		want[id] = int64(size)
	}
	got := complete(t, s)
	if len(got) != len(want) {
		t.Fatalf("List reports %d blobs, want %d", len(got), len(want))
	}
	for id, size := range want {
		if got[id] != (blobs.Info{ID: id, Size: size}) {
			t.Errorf("List reports %+v for %s of %d bytes", got[id], id, size)
		}
	}
	if l := list(t, s); len(l) != len(want) {
		t.Errorf("List reports %d entries, want %d", len(l), len(want))
	}
}

func testListStops(t *testing.T, s blobs.Store) {
	for i := range 6 {
		put(t, s, blobID(uint64(i), 1), []byte("x"))
	}
	stop := errors.New("stop here")
	n := 0
	err := s.List(t.Context(), func(blobs.Info) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("List with fn failing at the third: %d calls, %v", n, err)
	}
}

func testRemove(t *testing.T, s blobs.Store) {
	a, b, c := blobID(1, 1), blobID(1, 2), blobID(2, 1)
	for _, id := range []string{a, b, c} {
		put(t, s, id, content(4097, 1))
	}
	if err := s.Remove(t.Context()); err != nil {
		t.Fatalf("Remove of nothing: %v", err)
	}
	if err := s.Remove(t.Context(), a, blobID(3, 1), c, blobID(1, 9)); err != nil {
		t.Fatalf("Remove with missing ids: %v", err)
	}
	if err := s.Remove(t.Context(), a); err != nil {
		t.Fatalf("Remove again: %v", err)
	}
	mustBeMissing(t, s, a, 4097)
	mustBeMissing(t, s, c, 4097)
	if got := complete(t, s); len(got) != 1 || got[b].ID != b {
		t.Fatalf("after Remove List reports %+v, want only %s", got, b)
	}
	// Remove takes a partial blob too, with or without a complete one.
	abandon(t, s, a, content(5<<20, 2))
	abandon(t, s, b, content(5<<20, 3))
	if err := s.Remove(t.Context(), a, b); err != nil {
		t.Fatal(err)
	}
	nothingAtAll(t, s)
}

func testRemovePartial(t *testing.T, s blobs.Store) {
	id := blobID(1, 1)
	v1 := content(4<<20+1, 1)
	put(t, s, id, v1)
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := writeAll(w, content(9<<20, 2)); err != nil {
		t.Fatal(err)
	}
	for _, i := range list(t, s) {
		if i.ID != id || !i.Partial && i.Size != int64(len(v1)) {
			t.Errorf("List during a second write reports %+v", i)
		}
	}
	if err := s.RemovePartial(t.Context(), id, blobID(2, 1)); err != nil {
		t.Fatal(err)
	}
	if l := list(t, s); len(l) != 1 || l[0].Partial {
		t.Errorf("after RemovePartial List reports %+v, want the complete blob only", l)
	}
	mustRead(t, s, id, v1)
	// The write whose partial blob was removed cannot publish it.
	if _, err := w.Commit(); err == nil {
		t.Error("Commit of a write whose partial blob was removed succeeded")
	}
	mustRead(t, s, id, v1)
	if err := s.RemovePartial(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	mustRead(t, s, id, v1)
}

var invalidIDs = []string{
	"", ".", "..", "../x", "a/b", `a\b`, "/abs", ".hidden", "x.part", "a b", "é", "ab\x00c", "ab\n",
	strings.Repeat("a", 201),
}

func testInvalidIDs(t *testing.T, s blobs.Store) {
	for _, id := range []string{"a", "A_b.c-1", strings.Repeat("a", 200), blobID(1, 1), blobID(1, 1) + "-m"} {
		if !blobs.ValidID(id) {
			t.Errorf("ValidID(%q) = false", id)
		}
	}
	good := blobID(1, 1)
	put(t, s, good, []byte("kept"))
	ctx := t.Context()
	for _, id := range invalidIDs {
		if blobs.ValidID(id) {
			t.Errorf("ValidID(%q) = true", id)
		}
		if w, err := s.Create(ctx, id); !errors.Is(err, blobs.ErrInvalidID) {
			t.Errorf("Create(%q): %v, want ErrInvalidID", id, err)
			if w != nil {
				w.Abort()
			}
		}
		if _, err := s.Open(ctx, id, 4); !errors.Is(err, blobs.ErrInvalidID) {
			t.Errorf("Open(%q): %v, want ErrInvalidID", id, err)
		}
		if _, err := s.Stat(ctx, id); !errors.Is(err, blobs.ErrInvalidID) {
			t.Errorf("Stat(%q): %v, want ErrInvalidID", id, err)
		}
		if err := s.Remove(ctx, good, id); !errors.Is(err, blobs.ErrInvalidID) {
			t.Errorf("Remove(%q): %v, want ErrInvalidID", id, err)
		}
		if err := s.RemovePartial(ctx, good, id); !errors.Is(err, blobs.ErrInvalidID) {
			t.Errorf("RemovePartial(%q): %v, want ErrInvalidID", id, err)
		}
	}
	mustRead(t, s, good, []byte("kept"))
	if l := list(t, s); len(l) != 1 {
		t.Errorf("List after refused ids: %+v", l)
	}
}

func testConcurrentWriters(t *testing.T, s blobs.Store) {
	var wg sync.WaitGroup
	data := map[string][]byte{}
	for g := range 4 {
		for n := range 3 {
			data[blobID(uint64(g), n)] = content(1<<20+g*(1<<20)+n, byte(g*3+n))
		}
	}
	for g := range 4 {
		wg.Go(func() {
			for n := range 3 {
				id := blobID(uint64(g), n)
				w, err := s.Create(t.Context(), id)
				if err != nil {
					t.Error(err)
					return
				}
				if err := writeAll(w, data[id]); err != nil {
					t.Error(err)
				}
				if _, err := w.Commit(); err != nil {
					t.Error(err)
				}
				w.Abort()
			}
		})
	}
	wg.Wait()
	if got := complete(t, s); len(got) != len(data) {
		t.Fatalf("List reports %d blobs, want %d", len(got), len(data))
	}
	for id, d := range data {
		mustRead(t, s, id, d)
	}
}
