package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Recovery from a process killed while Badger created its files.

func isEmptyFileError(err error) bool {
	return strings.Contains(err.Error(), "Create a new file")
}

// removeEmptyLogFiles removes memtable and value-log files that hold no
// entry, and returns how many. A memtable file is empty when nothing but
// zeros follows its 20-byte header (a failed open truncates an empty file
// to its full size and bootstraps the header; replay stops at the first
// zero entry header, so such a file replays to nothing). The newest value-log file is empty when
// nothing is written past its first block: Badger bootstraps a 20-byte
// header there on a failed open, and every value-log entry is at least
// valueThreshold (16 KiB) long.
func removeEmptyLogFiles(dir string) int {
	n := 0
	ms, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	for _, m := range ms {
		if noEntries(m) && os.Remove(m) == nil {
			n++
		}
	}
	vs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if len(vs) > 0 {
		sort.Strings(vs) // fixed-width numbers: the last is the newest
		last := vs[len(vs)-1]
		if noEntries(last) && os.Remove(last) == nil {
			n++
		}
	}
	return n
}

// noEntries reports whether a memtable log file holds no entry: no data
// past its first block, and only zeros in that block after the header.
func noEntries(path string) bool {
	if !noDataAfter(path, 4096) {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 4096)
	n, _ := io.ReadFull(f, b)
	for _, c := range b[min(n, 20):n] {
		if c != 0 {
			return false
		}
	}
	return true
}

// noDataAfter reports whether a file has no data (only holes, or nothing)
// at or after offset.
func noDataAfter(path string, offset int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	if fi.Size() <= offset {
		return true
	}
	_, err = unix.Seek(int(f.Fd()), offset, unix.SEEK_DATA)
	return errors.Is(err, syscall.ENXIO)
}
