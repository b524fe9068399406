//go:build unix

package local

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tvault/tvault/vault/blobs"
)

// TestPlantedFIFO: a FIFO planted under a blob's name (Linux and macOS
// have them in folders; Windows does not) is a missing blob, at once: the
// open does not hang waiting for a writer.
func TestPlantedFIFO(t *testing.T) {
	root := t.TempDir()
	s := New(root)
	shard := filepath.Join(root, "fi")
	os.Mkdir(shard, 0o700)
	if err := syscall.Mkfifo(filepath.Join(shard, "fifo-blob"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Open(t.Context(), "fifo-blob", 10); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, blobs.ErrNotExist) {
			t.Errorf("Open of a FIFO: %v, want ErrNotExist", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open of a FIFO hangs")
	}
}
