package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebo/blake3"
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
	t.Run("direct", testBlobRoundTrip)
	t.Run("buffered", func(t *testing.T) {
		directIO = false
		defer func() { directIO = true }()
		testBlobRoundTrip(t)
	})
}

func testBlobRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sizes := []int{0, 1, InlineLimit - 1, InlineLimit, InlineLimit + 1, fileBufSize, 3*fileBufSize + 12345}
	for _, size := range sizes {
		data := make([]byte, size)
		r := rand.NewChaCha8([32]byte{byte(size)})
		r.Read(data)
		id := fmt.Sprintf("blob-%d", size)
		w := s.NewBlobWriter(id)
		// Odd write sizes cross buffer boundaries.
		for off := 0; off < size; off += 70001 {
			if _, err := w.Write(data[off:min(off+70001, size)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if w.Size() != int64(size) || w.Sum() != blake3.Sum256(data) {
			t.Fatalf("size %d: writer says %d bytes, hash %x", size, w.Size(), w.Sum())
		}
		_, statErr := os.Stat(s.blobPath(id))
		if Inline(int64(size)) != os.IsNotExist(statErr) {
			t.Fatalf("size %d: inline %v, file: %v", size, Inline(int64(size)), statErr)
		}
		got, err := readAll(s, id, int64(size))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: sequential read differs (%v)", size, err)
		}
		if size > 10 {
			b, err := s.OpenBlob(id, int64(size))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, size/3)
			off := int64(size / 2)
			n, err := b.ReadAt(buf, off)
			b.Close()
			if err != nil && err != io.EOF || !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
				t.Fatalf("size %d: ReadAt differs (%v)", size, err)
			}
		}
		// Read with a size the blob does not have: ErrCorrupt.
		if _, err := readAll(s, id, int64(size)+1); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("size %d read as %d: %v, want ErrCorrupt", size, size+1, err)
		}
	}
	var listed []BlobInfo
	if err := s.EachBlob(func(b BlobInfo) error { listed = append(listed, b); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(sizes) {
		t.Fatalf("EachBlob listed %d blobs, want %d: %+v", len(listed), len(sizes), listed)
	}
	for _, b := range listed {
		var size int64
		fmt.Sscanf(b.ID, "blob-%d", &size)
		if b.Inline != Inline(size) || b.Partial || (!b.Inline && b.Size != size) || b.Size < size {
			t.Errorf("EachBlob: %+v for a blob of %d bytes", b, size)
		}
	}
	for _, size := range sizes {
		id := fmt.Sprintf("blob-%d", size)
		if err := s.DeleteBlobs(id); err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(s, id, int64(size)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("size %d after delete: %v, want ErrCorrupt", size, err)
		}
	}
	if n := countBlobs(t, s); n != 0 {
		t.Fatalf("%d blobs left after deleting all", n)
	}
}

// TestBlobWriterAbortLeavesNothing: an aborted file blob leaves no file, and
// a partial file (as a crash leaves) is listed as partial and removable
// without touching a complete blob of the same id.
func TestBlobWriterAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := s.NewBlobWriter("aborted")
	if _, err := w.Write(make([]byte, 3*fileBufSize)); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if n := countBlobs(t, s); n != 0 {
		t.Fatalf("%d blobs after an abort", n)
	}
	if files := filesUnder(t, filepath.Join(dir, blobDirName)); len(files) != 0 {
		t.Fatalf("files left after an abort: %v", files)
	}
	w = s.NewBlobWriter("kept")
	w.Write(make([]byte, InlineLimit+5))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.blobPath("kept")+partSuffix, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	var partial []string
	s.EachBlob(func(b BlobInfo) error {
		if b.Partial {
			partial = append(partial, b.ID)
		}
		return nil
	})
	if len(partial) != 1 || partial[0] != "kept" {
		t.Fatalf("partial blobs %v, want [kept]", partial)
	}
	if err := s.DeletePartialBlobs(partial...); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(s, "kept", InlineLimit+5); err != nil {
		t.Fatalf("the complete blob went with the partial one: %v", err)
	}
	if files := filesUnder(t, filepath.Join(dir, blobDirName)); len(files) != 1 {
		t.Fatalf("files after removing the partial one: %v", files)
	}
	// A stray file in the blob folder is reported, after every blob.
	stray := filepath.Join(dir, blobDirName, "ke", "notes.txt")
	if err := os.WriteFile(stray, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = s.EachBlob(func(BlobInfo) error { n++; return nil })
	if !errors.Is(err, ErrCorrupt) || n != 1 {
		t.Fatalf("EachBlob with a stray file: %d blobs, %v; want 1 and ErrCorrupt", n, err)
	}
	os.Remove(stray)
	// Ids that are not file names are refused.
	for _, id := range []string{"", "../x", "a/b", ".hidden", "x.part"} {
		w := s.NewBlobWriter(id)
		if _, err := w.Write(make([]byte, InlineLimit+1)); err == nil {
			t.Errorf("blob id %q accepted", id)
		}
		w.Abort()
		if _, err := s.OpenBlob(id, 10); err == nil {
			t.Errorf("blob id %q opened", id)
		}
	}
}

func countBlobs(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.EachBlob(func(BlobInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func filesUnder(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
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

func (s *Store) blobPath(id string) string { return filepath.Join(s.blobShard(id), id) }

// readAll reads a whole blob through OpenBlob.
func readAll(s *Store, id string, size int64) ([]byte, error) {
	b, err := s.OpenBlob(id, size)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return io.ReadAll(b)
}

// BenchmarkBlobWrite measures the file path of a blob: copying into the
// pipeline's buffers, BLAKE3 and O_DIRECT writes, fdatasync and rename.
func BenchmarkBlobWrite256MiB(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	chunk := make([]byte, 64<<10+16) // what age's writer hands over
	rand.NewChaCha8([32]byte{}).Read(chunk)
	const size = 256 << 20
	b.SetBytes(size)
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("bench-%d", i)
		w := s.NewBlobWriter(id)
		for n := 0; n < size; n += len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), size-n)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.DeleteBlobs(id)
		b.StartTimer()
	}
}

// TestBlobFileDiskFull: a disk that fills while a blob file is written (the
// free-space check before a seal passed, then something else took the
// space) is ErrNoSpace, not a crash, and leaves no file behind. It mounts a
// small tmpfs, so it runs only as root and skips otherwise.
func TestBlobFileDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=8m,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	defer syscall.Unmount(mnt, 0)
	// Only the file path of a blob is exercised: it never touches Badger.
	s := &Store{dir: mnt}
	w := s.NewBlobWriter("full-disk")
	var err error
	chunk := make([]byte, 64<<10)
	for n := 0; n < 32<<20 && err == nil; n += len(chunk) {
		_, err = w.Write(chunk)
	}
	if err == nil {
		err = w.Close()
	} else {
		w.Abort()
	}
	if !errors.Is(err, ErrNoSpace) {
		t.Fatalf("32 MiB blob on an 8 MiB disk: %v, want ErrNoSpace", err)
	}
	if files := filesUnder(t, filepath.Join(mnt, blobDirName)); len(files) != 0 {
		t.Fatalf("files left on the full disk: %v", files)
	}
}

// TestBlobFolderPlantedEntries: links and FIFOs planted in the blob folder
// by someone with write access to the vault never make tvault read, write
// or delete outside it, or hang.
func TestBlobFolderPlantedEntries(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	outside := filepath.Join(dir, "outside")
	os.Mkdir(outside, 0o700)
	victim := filepath.Join(outside, "ab-victim")
	os.WriteFile(victim, make([]byte, InlineLimit+10), 0o600)
	os.MkdirAll(filepath.Join(dir, "db", blobDirName), 0o700)
	if err := os.Symlink(outside, filepath.Join(dir, "db", blobDirName, "ab")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenBlob("ab-victim", InlineLimit+10); !errors.Is(err, ErrCorrupt) {
		t.Errorf("OpenBlob through a linked shard: %v, want ErrCorrupt", err)
	}
	if err := s.DeleteBlobs("ab-victim"); err == nil {
		t.Error("DeleteBlobs through a linked shard succeeded")
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("the file outside the vault: %v", err)
	}
	w := s.NewBlobWriter("ab-new")
	_, err = w.Write(make([]byte, InlineLimit+10))
	if err == nil {
		err = w.Close()
	} else {
		w.Abort()
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("writing through a linked shard: %v, want ErrCorrupt", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 1 {
		t.Errorf("files outside the vault: %v", ents)
	}
	if err := s.EachBlob(func(BlobInfo) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Errorf("EachBlob with a linked shard: %v, want ErrCorrupt", err)
	}

	// A FIFO under a blob's name is a missing blob, at once.
	shard := filepath.Join(dir, "db", blobDirName, "fi")
	os.Mkdir(shard, 0o700)
	if err := syscall.Mkfifo(filepath.Join(shard, "fifo-blob"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.OpenBlob("fifo-blob", InlineLimit+10); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("OpenBlob of a FIFO: %v, want ErrCorrupt", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OpenBlob of a FIFO hangs")
	}
}

// TestBlobFileTruncatedWhileRead: a blob file cut short after it was opened
// reads as ErrCorrupt, never as a short, clean end.
func TestBlobFileTruncatedWhileRead(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const size = 3 * InlineLimit
	w := s.NewBlobWriter("cut")
	w.Write(make([]byte, size))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := s.OpenBlob("cut", size)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := os.Truncate(s.blobPath("cut"), size/2); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("reading a file truncated after open: %v, want ErrCorrupt", err)
	}
	if _, err := b.ReadAt(make([]byte, 10), size-10); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ReadAt past the cut: %v, want ErrCorrupt", err)
	}
}

// TestFileErrorClasses: a file error's class comes from its error number,
// never from the path's words.
func TestFileErrorClasses(t *testing.T) {
	pe := func(errno syscall.Errno) error {
		return &os.PathError{Op: "read", Path: "/srv/invalid-corrupt-manifest/blob", Err: errno}
	}
	cases := []struct {
		op      string
		err     error
		corrupt bool
		noSpace bool
	}{
		{"read a blob file", pe(syscall.EIO), true, false},
		{"write a blob file", pe(syscall.EIO), false, false},
		{"read a blob file", pe(syscall.EINVAL), false, false},
		{"write a blob file", pe(syscall.ENOSPC), false, true},
		{"write a blob file", pe(syscall.EDQUOT), false, true},
		{"read a blob file", pe(syscall.EACCES), false, false},
	}
	for _, c := range cases {
		err := fileError(c.op, c.err)
		if errors.Is(err, ErrCorrupt) != c.corrupt || errors.Is(err, ErrNoSpace) != c.noSpace || !errors.Is(err, ErrStorage) {
			t.Errorf("%s: %v: corrupt %v, no space %v", c.op, c.err, errors.Is(err, ErrCorrupt), errors.Is(err, ErrNoSpace))
		}
		if strings.Contains(err.Error(), "/srv") {
			t.Errorf("%s: the path leaks: %v", c.op, err)
		}
	}
}
