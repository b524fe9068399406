package store

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/tvault/tvault/internal/testkit"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSecondProcessIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = Open(dir, Options{LockWait: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if err.Error() != "the vault is in use by another tvault process" {
		t.Errorf("message: %q", err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Error("did not retry for the lock wait")
	}
}

func TestErrorsHideBadgerText(t *testing.T) {
	err := wrap("read", errors.New("value log truncate required: key=0x7365637265742d6e616d65"))
	if bytes.Contains([]byte(err.Error()), []byte("0x7365")) {
		t.Fatalf("store error leaks Badger's text: %v", err)
	}
	if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrStorage) {
		t.Fatalf("classification lost: %v", err)
	}
}

// TestOpenAfterKillDuringFileCreation: a process killed while Badger
// created a memtable or value-log file leaves it empty, which Badger alone
// refuses to open; Open removes such files, and only such files.
func TestOpenAfterKillDuringFileCreation(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Txn) error { return tx.SetMeta([]byte("kept")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	next := fmt.Sprintf("%06d.vlog", len(vlogs)+1) // the file a new writer would create
	for _, name := range []string{"00099.mem", next} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("open with an empty %s: %v", name, err)
		}
		var got []byte
		s.View(func(tx *Txn) error { got, err = tx.Meta(); return err })
		s.Close()
		if string(got) != "kept" {
			t.Fatalf("after removing an empty %s the data is %q", name, got)
		}
	}
	// A log file with an entry after its header is never removed.
	p := filepath.Join(dir, "00098.mem")
	b := make([]byte, 4096)
	b[25] = 1
	os.WriteFile(p, b, 0o600)
	if noEntries(p) {
		t.Fatal("a memtable file with data was taken for empty")
	}
}

// TestInlineBlobs: an inline blob is stored in a transaction, read back,
// listed with about its size, and gone after DeleteBlobs; ids that could
// not name a blob and blobs over the inline limit are refused.
func TestInlineBlobs(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := map[string][]byte{"r-testimony-1": bytes.Repeat([]byte("a"), 100), "r-testimony-m": {}, "r-identity-1": make([]byte, InlineLimit)}
	err = s.Update(func(tx *Txn) error {
		for id, b := range data {
			if err := tx.PutBlob(id, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Txn) error {
		for _, id := range []string{"", "../x", "a/b", ".hidden"} {
			if tx.PutBlob(id, nil) == nil {
				t.Errorf("PutBlob(%q) accepted", id)
			}
		}
		if tx.PutBlob("big", make([]byte, InlineLimit+1)) == nil {
			t.Error("PutBlob accepted a blob over the inline limit")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Txn) error {
		for id, want := range data {
			got, err := tx.Blob(id)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("Blob(%s) = %d bytes, %v", id, len(got), err)
			}
		}
		n := 0
		damage, err := tx.EachBlob(func(id string, size int64) error {
			n++
			if size < int64(len(data[id])) {
				t.Errorf("EachBlob: %s has %d bytes, want at least %d", id, size, len(data[id]))
			}
			return nil
		})
		if err != nil || damage != nil || n != len(data) {
			t.Errorf("EachBlob listed %d blobs (%v, %v), want %d", n, err, damage, len(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBlobs("r-testimony-1"); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Txn) error {
		if _, err := tx.Blob("r-testimony-1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("after DeleteBlobs: %v, want ErrNotFound", err)
		}
		return nil
	})
}

// TestUpdateRefusesWithoutReserve: every write transaction checks the free
// space itself, so that no write path can let Badger fill the disk under
// its mmap (SIGBUS). On a disk smaller than the reserve, Update writes
// nothing and says why.
func TestUpdateRefusesWithoutReserve(t *testing.T) {
	mnt := testkit.Tmpfs(t, Reserve/2)
	s, err := Open(filepath.Join(mnt, "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(func(tx *Txn) error { return tx.SetMeta([]byte("x")) })
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Update on a disk below the reserve: %v, want ErrNoSpace", err)
	}
	s.View(func(tx *Txn) error {
		if _, err := tx.Meta(); !errors.Is(err, ErrNotFound) {
			t.Errorf("a refused Update wrote: %v", err)
		}
		return nil
	})
}
