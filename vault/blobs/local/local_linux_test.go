package local

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/internal/fault"
)

// TestDiskFull: a disk that fills while a blob file is written (the
// free-space check before a seal passed, then something else took the
// space) is fault.ErrNoSpace, not a crash, and leaves no file behind, on
// both write paths. It mounts a small tmpfs, so it runs on Linux only, as
// root, and skips otherwise.
func TestDiskFull(t *testing.T) {
	mnt := testkit.Tmpfs(t, 8<<20)
	for _, p := range ioPaths {
		s := New(filepath.Join(mnt, "blobs"))
		s.io = p.io
		w, err := s.Create(t.Context(), "full-disk")
		if err != nil {
			t.Fatal(err)
		}
		chunk := make([]byte, 64<<10)
		for n := 0; n < 32<<20 && err == nil; n += len(chunk) {
			_, err = w.Write(chunk)
		}
		if err == nil {
			_, err = w.Commit()
		} else {
			w.Abort()
		}
		if !errors.Is(err, fault.ErrNoSpace) || !errors.Is(err, fault.ErrStorage) {
			t.Fatalf("%s: 32 MiB blob on an 8 MiB disk: %v, want ErrNoSpace", p.name, err)
		}
		if files := filesUnder(t, mnt); len(files) != 0 {
			t.Fatalf("%s: files left on the full disk: %v", p.name, files)
		}
	}
}
