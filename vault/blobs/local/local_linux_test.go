package local

import (
	"errors"
	"github.com/tvault/tvault/internal/testkit"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/fault"
)

// TestDiskFull: a disk that fills while a blob file is written (the
// free-space check before a seal passed, then something else took the
// space) is fault.ErrNoSpace, not a crash, and leaves no file behind. It
// mounts a small tmpfs, so it runs only as root and skips otherwise.
func TestDiskFull(t *testing.T) {
	mnt := testkit.Tmpfs(t, 8<<20)
	for _, direct := range []bool{true, false} {
		s := New(filepath.Join(mnt, "blobs"))
		s.direct = direct
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
			t.Fatalf("direct %v: 32 MiB blob on an 8 MiB disk: %v, want ErrNoSpace", direct, err)
		}
		if files := filesUnder(t, mnt); len(files) != 0 {
			t.Fatalf("direct %v: files left on the full disk: %v", direct, files)
		}
	}
}

// TestPlantedEntries: links and FIFOs planted in the blob folder by someone
// with write access to the vault never make tvault read, write or delete
// outside it, or hang.
func TestPlantedEntries(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "db", "blobs")
	s := New(root)
	outside := filepath.Join(dir, "outside")
	os.Mkdir(outside, 0o700)
	victim := filepath.Join(outside, "ab-victim")
	os.WriteFile(victim, make([]byte, 10), 0o600)
	os.MkdirAll(root, 0o700)
	if err := os.Symlink(outside, filepath.Join(root, "ab")); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := s.Open(ctx, "ab-victim", 10); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("Open through a linked shard: %v, want ErrCorrupt", err)
	}
	if _, err := s.Stat(ctx, "ab-victim"); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("Stat through a linked shard: %v, want ErrCorrupt", err)
	}
	if err := s.Remove(ctx, "ab-victim"); err == nil {
		t.Error("Remove through a linked shard succeeded")
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("the file outside the vault: %v", err)
	}
	if w, err := s.Create(ctx, "ab-new"); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("Create through a linked shard: %v, want ErrCorrupt", err)
		if err == nil {
			w.Abort()
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 1 {
		t.Errorf("files outside the vault: %v", ents)
	}
	if err := s.List(ctx, func(blobs.Info) error { return nil }); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("List with a linked shard: %v, want ErrCorrupt", err)
	}

	// A link under a blob's name is a missing blob, and is not followed.
	shard := filepath.Join(root, "li")
	os.Mkdir(shard, 0o700)
	os.Symlink(victim, filepath.Join(shard, "link-blob"))
	if _, err := s.Open(ctx, "link-blob", 10); !errors.Is(err, blobs.ErrNotExist) {
		t.Errorf("Open of a link: %v, want ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "link-blob"); !errors.Is(err, blobs.ErrNotExist) {
		t.Errorf("Stat of a link: %v, want ErrNotExist", err)
	}

	// A FIFO under a blob's name is a missing blob, at once.
	shard = filepath.Join(root, "fi")
	os.Mkdir(shard, 0o700)
	if err := syscall.Mkfifo(filepath.Join(shard, "fifo-blob"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Open(ctx, "fifo-blob", 10); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, blobs.ErrNotExist) {
			t.Errorf("Open of a FIFO: %v, want ErrNotExist", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open of a FIFO hangs")
	}
}
