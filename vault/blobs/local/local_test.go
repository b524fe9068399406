package local

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/blobs/blobtest"
	"github.com/tvault/tvault/vault/internal/fault"
)

// ioPaths are the two ways a Store can write: its platform's (O_DIRECT and
// fdatasync on Linux) and the portable one that macOS and Windows take,
// which tests run on Linux too. Elsewhere both are the same.
var ioPaths = []struct {
	name string
	io   fileIO
}{
	{"platform", platformIO},
	{"portable", portableIO},
}

func TestConformance(t *testing.T) {
	for _, p := range ioPaths {
		t.Run(p.name, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) blobs.Store {
				s := New(t.TempDir())
				s.io = p.io
				return s
			})
		})
	}
}

// filesUnder returns the files (not folders) under root, relative to it,
// with slashes on every platform.
func filesUnder(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func write(t *testing.T, s *Store, id string, data []byte) {
	t.Helper()
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestLayout: the files are where existing vaults have them,
// <root>/<first two characters>/<id>, written as <id>.part, mode 0600; and
// a blob file an earlier tvault wrote is read and listed.
func TestLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "db", "blobs")
	s := New(root)
	const id = "q2tmrk7xw4bd5ypzne3a-witness-1"
	w, err := s.Create(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, fileBufSize+1))
	if got := filesUnder(t, root); !slices.Equal(got, []string{"q2/" + id + ".part"}) {
		t.Fatalf("files during the write: %v", got)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := filesUnder(t, root); !slices.Equal(got, []string{"q2/" + id}) {
		t.Fatalf("files after Commit: %v", got)
	}
	// Windows has no permission bits (os reports 0666): there the blob's
	// access is its folder's access list.
	fi, err := os.Stat(filepath.Join(root, "q2", id))
	if err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) || fi.Size() != fileBufSize+1 {
		t.Fatalf("the blob file: %v, %v", fi.Mode(), err)
	}
	old := []byte("written by an earlier tvault")
	const oldID = "a7aaaaaaaaaaaaaaaaaa-doctor-m"
	os.MkdirAll(filepath.Join(root, "a7"), 0o700)
	if err := os.WriteFile(filepath.Join(root, "a7", oldID), old, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(t.Context(), oldID, int64(len(old)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != string(old) {
		t.Fatalf("read %q", got)
	}
	var ids []string
	s.List(t.Context(), func(i blobs.Info) error { ids = append(ids, i.ID); return nil })
	if !slices.Equal(ids, []string{oldID, id}) {
		t.Fatalf("List: %v", ids)
	}
}

// TestPartialFile: a partial file left by a crash is listed as partial,
// after the complete blobs, and RemovePartial removes it without touching
// the complete blob of the same id; a new write of the id replaces it.
func TestPartialFile(t *testing.T) {
	root := t.TempDir()
	s := New(root)
	write(t, s, "kept", []byte("complete"))
	part := filepath.Join(root, "ke", "kept.part")
	if err := os.WriteFile(part, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []blobs.Info
	s.List(t.Context(), func(i blobs.Info) error { got = append(got, i); return nil })
	want := []blobs.Info{{ID: "kept", Size: 8}, {ID: "kept", Size: 15, Partial: true}}
	if !slices.Equal(got, want) {
		t.Fatalf("List: %+v, want %+v", got, want)
	}
	if err := s.RemovePartial(t.Context(), "kept"); err != nil {
		t.Fatal(err)
	}
	if files := filesUnder(t, root); !slices.Equal(files, []string{"ke/kept"}) {
		t.Fatalf("files after RemovePartial: %v", files)
	}
	os.WriteFile(part, []byte("left by a crash"), 0o600)
	write(t, s, "kept", []byte("again"))
	if files := filesUnder(t, root); !slices.Equal(files, []string{"ke/kept"}) {
		t.Fatalf("files after a new write: %v", files)
	}
}

// TestCancelRemovesPart: a write whose context ends leaves no file at all.
func TestCancelRemovesPart(t *testing.T) {
	for _, p := range ioPaths {
		root := t.TempDir()
		s := New(root)
		s.io = p.io
		ctx, cancel := context.WithCancel(t.Context())
		w, err := s.Create(ctx, "cancelled")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(make([]byte, 3*fileBufSize+5))
		cancel()
		if _, err := w.Commit(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Commit: %v", err)
		}
		if files := filesUnder(t, root); len(files) != 0 {
			t.Fatalf("files after a cancelled write: %v", files)
		}
	}
}

func TestAbortRemovesPart(t *testing.T) {
	root := t.TempDir()
	s := New(root)
	w, err := s.Create(t.Context(), "aborted")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 3*fileBufSize))
	w.Abort()
	if files := filesUnder(t, root); len(files) != 0 {
		t.Fatalf("files after Abort: %v", files)
	}
}

// errNoLink: the platform refused to plant a link (Windows may).
var errNoLink = errors.New("no symbolic link")

// TestStrayEntries: an entry in the blob folder that no write could have
// made is skipped and reported as ErrCorrupt after every blob.
func TestStrayEntries(t *testing.T) {
	strays := map[string]func(p string) error{
		"notes.txt":    func(p string) error { return os.WriteFile(p, nil, 0o600) }, // a file where a shard belongs
		"ke/notes txt": func(p string) error { return os.WriteFile(p, nil, 0o600) }, // no id
		"ke/other":     func(p string) error { return os.WriteFile(p, nil, 0o600) }, // the wrong shard
		"ke/.kept":     func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"ke/kept-link": func(p string) error {
			if !testkit.Symlink(t, "kept", p) {
				return errNoLink
			}
			return nil
		},
		"ke/kept-dir":      func(p string) error { return os.Mkdir(p, 0o700) },
		"ke/kept-dir.part": func(p string) error { return os.Mkdir(p, 0o700) },
	}
	for name, plant := range strays {
		root := t.TempDir()
		s := New(root)
		write(t, s, "kept", []byte("x"))
		write(t, s, "zz", []byte("y"))
		if err := plant(filepath.Join(root, name)); err == errNoLink {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		n := 0
		err := s.List(t.Context(), func(blobs.Info) error { n++; return nil })
		if !errors.Is(err, blobs.ErrCorrupt) || n != 2 {
			t.Errorf("%s: List visited %d blobs and returned %v; want 2 and ErrCorrupt", name, n, err)
		}
		if err != nil && strings.Contains(err.Error(), root) {
			t.Errorf("%s: the path leaks: %v", name, err)
		}
	}
}

// TestRootIsLink: a link in place of the root folder is refused.
func TestRootIsLink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "elsewhere"), 0o700)
	root := filepath.Join(dir, "blobs")
	if !testkit.Symlink(t, filepath.Join(dir, "elsewhere"), root) {
		t.Skip("Windows refused to make the link this test plants")
	}
	s := New(root)
	if _, err := s.Create(t.Context(), "abc"); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("Create under a linked root: %v, want ErrCorrupt", err)
	}
	if err := s.List(t.Context(), func(blobs.Info) error { return nil }); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("List of a linked root: %v, want ErrCorrupt", err)
	}
}

// TestPlantedLinks: links planted in the blob folder by someone with write
// access to the vault never make tvault read, write or delete outside it.
func TestPlantedLinks(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "db", "blobs")
	s := New(root)
	outside := filepath.Join(dir, "outside")
	os.Mkdir(outside, 0o700)
	victim := filepath.Join(outside, "ab-victim")
	os.WriteFile(victim, make([]byte, 10), 0o600)
	os.MkdirAll(root, 0o700)
	if !testkit.Symlink(t, outside, filepath.Join(root, "ab")) {
		t.Skip("Windows refused to make the links this test plants")
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
	testkit.Symlink(t, victim, filepath.Join(shard, "link-blob"))
	if _, err := s.Open(ctx, "link-blob", 10); !errors.Is(err, blobs.ErrNotExist) {
		t.Errorf("Open of a link: %v, want ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "link-blob"); !errors.Is(err, blobs.ErrNotExist) {
		t.Errorf("Stat of a link: %v, want ErrNotExist", err)
	}
}

// TestTruncatedWhileRead: a blob file cut short after it was opened reads
// as ErrCorrupt, never as a short, clean end.
func TestTruncatedWhileRead(t *testing.T) {
	root := t.TempDir()
	s := New(root)
	const size = 3 << 20
	data := make([]byte, size)
	write(t, s, "cut", data)
	r, err := s.Open(t.Context(), "cut", size)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := os.Truncate(filepath.Join(root, "cu", "cut"), size/2); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("reading a file truncated after open: %v, want ErrCorrupt", err)
	}
	if _, err := r.ReadAt(make([]byte, 10), size-10); !errors.Is(err, blobs.ErrCorrupt) {
		t.Errorf("ReadAt past the cut: %v, want ErrCorrupt", err)
	}
}

// TestFileErrorClasses: a file error's class comes from its error number,
// never from the path's words, and the path never reaches the message.
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
		err := newFileError(c.op, c.err)
		if errors.Is(err, blobs.ErrCorrupt) != c.corrupt || errors.Is(err, fault.ErrNoSpace) != c.noSpace || !errors.Is(err, fault.ErrStorage) {
			t.Errorf("%s: %v: corrupt %v, no space %v", c.op, c.err, errors.Is(err, blobs.ErrCorrupt), errors.Is(err, fault.ErrNoSpace))
		}
		if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%s: the OS error is reachable: %v", c.op, err)
		}
		if strings.Contains(err.Error(), "/srv") {
			t.Errorf("%s: the path leaks: %v", c.op, err)
		}
	}
}

// BenchmarkLocalWrite measures the write path of a 256 MiB blob, as
// store's BenchmarkBlobWrite256MiB does for the old code: copying into the
// pipeline's buffers, BLAKE3, the writes, the sync and the rename. It runs
// both paths: "platform" (on Linux O_DIRECT writes and fdatasync) and
// "portable" (buffered writes and (*os.File).Sync, what macOS and Windows
// take); elsewhere than on Linux they are the same.
func BenchmarkLocalWrite(b *testing.B) {
	chunk := make([]byte, 64<<10+16) // what age's writer hands over
	rand.NewChaCha8([32]byte{}).Read(chunk)
	const size = 256 << 20
	for _, p := range ioPaths {
		b.Run(p.name, func(b *testing.B) {
			s := New(b.TempDir())
			s.io = p.io
			b.SetBytes(size)
			ctx := b.Context()
			for b.Loop() {
				w, err := s.Create(ctx, "bench")
				if err != nil {
					b.Fatal(err)
				}
				for n := 0; n < size; n += len(chunk) {
					if _, err := w.Write(chunk[:min(len(chunk), size-n)]); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := w.Commit(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Remove(ctx, "bench")
				b.StartTimer()
			}
		})
	}
}
