package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
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

func TestBlobRoundTrip(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, size := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 5*ChunkSize + 12345} {
		data := make([]byte, size)
		r := rand.NewChaCha8([32]byte{byte(size)})
		r.Read(data)
		id := "blob-test"
		w := s.NewBlobWriter(id)
		// Odd write sizes cross chunk boundaries.
		for off := 0; off < size; off += 70001 {
			if _, err := w.Write(data[off:min(off+70001, size)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if w.Size() != int64(size) || w.Chunks() != ChunkCount(int64(size)) {
			t.Fatalf("size %d: writer says %d bytes in %d chunks", size, w.Size(), w.Chunks())
		}
		got, err := readAll(s, id, int64(size))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: sequential read differs (%v)", size, err)
		}
		if size > 10 {
			buf := make([]byte, size/3)
			off := int64(size / 2)
			n, err := s.BlobReaderAt(id, int64(size)).ReadAt(buf, off)
			if err != nil && err != io.EOF || !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
				t.Fatalf("size %d: ReadAt differs (%v)", size, err)
			}
		}
		if err := s.DeleteBlobs(id); err != nil {
			t.Fatal(err)
		}
	}
	// A blob read with a size its chunks do not have is ErrCorrupt.
	w := s.NewBlobWriter("short")
	w.Write(make([]byte, 100))
	w.Close()
	if _, err := readAll(s, "short", 2*ChunkSize); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("mis-sized blob: %v, want ErrCorrupt", err)
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

// readAll concatenates a blob's chunks.
func readAll(s *Store, id string, size int64) ([]byte, error) {
	var out []byte
	err := s.EachChunk(id, size, func(c []byte) error { out = append(out, c...); return nil })
	return out, err
}
