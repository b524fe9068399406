package store

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Recovery from a process killed while Badger created its files.

func isEmptyFileError(err error) bool {
	return strings.Contains(err.Error(), "Create a new file")
}

// removeEmptyLogFiles removes memtable and value-log files that hold no
// entry, and returns how many. A memtable file is empty when nothing but
// zeros follows its 20-byte header (a failed open truncates an empty file
// to its full size and bootstraps the header; replay stops at the first
// zero entry header, so such a file replays to nothing). The newest
// value-log file is empty on the same test: Badger bootstraps the same
// header there on a failed open, and every entry starts right after it
// with a non-zero header. Each file is closed before it is removed, as
// Windows requires.
func removeEmptyLogFiles(dir string) int { return removeLogFilesIf(dir, noEntries) }

// removeLogFilesIf removes the memtable files, and the newest value-log
// file, for which empty holds, and returns how many.
func removeLogFilesIf(dir string, empty func(path string) bool) int {
	n := 0
	ms, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, m := range ms {
		if empty(m) && os.Remove(m) == nil {
			n++
		}
	}
	vs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if len(vs) > 0 {
		sort.Strings(vs) // fixed-width numbers: the last is the newest
		last := vs[len(vs)-1]
		if empty(last) && os.Remove(last) == nil {
			n++
		}
	}
	return n
}

// noEntries reports whether a memtable or value-log file holds no entry:
// only zeros in its first block after the header, and no data past that
// block. Where it cannot tell, it says the file has entries: a file is
// removed only when proved empty.
func noEntries(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	const block = 4096
	fi, err := f.Stat()
	if err != nil || (fi.Size() > block && !holesFrom(f, block)) {
		return false
	}
	b := make([]byte, block)
	n, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return false
	}
	for _, c := range b[min(n, 20):n] {
		if c != 0 {
			return false
		}
	}
	return true
}

// zerosFrom reports whether every byte of f from offset to its end reads as
// zero, reading it through (it stops at the first other byte or error). It
// is the proof where SEEK_DATA is missing: Badger never writes an all-zero
// entry, so zeros are no entry.
func zerosFrom(f *os.File, offset int64) bool {
	buf := make([]byte, 64<<10)
	r := io.NewSectionReader(f, offset, 1<<62)
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c != 0 {
				return false
			}
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
