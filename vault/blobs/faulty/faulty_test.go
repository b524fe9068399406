package faulty_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/blobtest"
	"github.com/tvault/tvault/vault/blobs/faulty"
	"github.com/tvault/tvault/vault/blobs/local"
	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/fault"
)

// The wrapper with nothing to inject is a conforming store, over either
// backend; the suite's own fault tests then wrap it once more.
func TestConformanceMem(t *testing.T) {
	blobtest.Run(t, func(*testing.T) blobs.Store { return faulty.New(mem.New()) })
}

func TestConformanceLocal(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobs.Store { return faulty.New(local.New(t.TempDir())) })
}

func TestCounters(t *testing.T) {
	s := faulty.New(mem.New())
	ctx := t.Context()
	s.FailAfter(faulty.Stat, 2)
	for range 4 {
		s.Stat(ctx, "x")
	}
	if s.Calls(faulty.Stat) != 4 || s.Injected(faulty.Stat) != 2 {
		t.Errorf("Stat: %d calls, %d injected; want 4 and 2", s.Calls(faulty.Stat), s.Injected(faulty.Stat))
	}
	w, _ := s.Create(ctx, "x")
	for range 3 {
		w.Write([]byte("abc"))
	}
	w.Commit()
	r, err := s.Open(ctx, "x", 9)
	if err != nil {
		t.Fatal(err)
	}
	r.ReadAt(make([]byte, 3), 0)
	r.Read(make([]byte, 3))
	s.List(ctx, func(blobs.Info) error { return nil })
	for op, want := range map[faulty.Op]int64{faulty.Create: 1, faulty.Write: 3, faulty.Commit: 1, faulty.Open: 1, faulty.Read: 2, faulty.List: 1} {
		if got := s.Calls(op); got != want {
			t.Errorf("%v: %d calls, want %d", op, got, want)
		}
	}
	s.Heal()
	if _, err := s.Stat(ctx, "x"); err != nil {
		t.Errorf("Stat after Heal: %v", err)
	}
}

func TestInjectedErrorText(t *testing.T) {
	s := faulty.New(mem.New())
	s.FailAfter(faulty.Remove, 0, fault.ErrNoSpace)
	err := s.Remove(t.Context(), "x")
	if !errors.Is(err, faulty.ErrInjected) || !errors.Is(err, fault.ErrStorage) || !errors.Is(err, fault.ErrNoSpace) {
		t.Fatalf("Remove: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "faulty: remove: injected failure") {
		t.Errorf("message: %q", err)
	}
}
