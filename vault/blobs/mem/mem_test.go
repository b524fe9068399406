package mem_test

import (
	"testing"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/blobtest"
	"github.com/tvault/tvault/vault/blobs/mem"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(*testing.T) blobs.Store { return mem.New() })
}

// TestAbandonedWriterIsPartial: a writer neither committed nor aborted is
// what a crash leaves, a partial blob, until RemovePartial takes it.
func TestAbandonedWriterIsPartial(t *testing.T) {
	s := mem.New()
	w, err := s.Create(t.Context(), "abandoned")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half"))
	var got []blobs.Info
	s.List(t.Context(), func(i blobs.Info) error { got = append(got, i); return nil })
	if len(got) != 1 || got[0] != (blobs.Info{ID: "abandoned", Size: 4, Partial: true}) {
		t.Fatalf("List: %+v", got)
	}
	if err := s.RemovePartial(t.Context(), "abandoned"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("Commit after RemovePartial succeeded")
	}
}
