package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEmptyLogFileProof: a log file extended past its header and never
// written to is proved empty, by the platform's test (SEEK_DATA on Linux
// and macOS) and by the read-through one that Windows uses; one byte of
// data anywhere past the header, in the first block or far beyond it,
// keeps the file.
func TestEmptyLogFileProof(t *testing.T) {
	dir := t.TempDir()
	const size = 8 << 20 // as Badger extends a new file: ftruncate
	mk := func(name string, at int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		header := []byte("20 bytes of header..")
		if _, err := f.Write(header); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		if at > 0 {
			if _, err := f.WriteAt([]byte{1}, at); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	cases := []struct {
		name  string
		at    int64 // where one non-zero byte is written; 0 for none
		empty bool
	}{
		{"empty.mem", 0, true},
		{"first-block.mem", 25, false},
		{"second-block.mem", 4096, false},
		{"last-byte.vlog", size - 1, false},
	}
	for _, c := range cases {
		p := mk(c.name, c.at)
		if got := noEntries(p); got != c.empty {
			t.Errorf("%s: noEntries = %v, want %v", c.name, got, c.empty)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		// What holesFrom does without SEEK_DATA.
		if got := zerosFrom(f, 4096); got != (c.at < 4096) {
			t.Errorf("%s: zerosFrom(4096) = %v, want %v", c.name, got, c.at < 4096)
		}
		f.Close()
	}
	if noEntries(filepath.Join(dir, "missing.mem")) {
		t.Error("a file that cannot be opened was taken for empty")
	}
}

// TestFreeSpace: the free space of an existing folder is known and not
// zero; a missing folder is an error, never zero free bytes.
func TestFreeSpace(t *testing.T) {
	free, err := FreeSpace(t.TempDir())
	if err != nil || free == 0 {
		t.Fatalf("FreeSpace = %d, %v", free, err)
	}
	if _, err := FreeSpace(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("FreeSpace of a missing folder succeeded")
	}
}
