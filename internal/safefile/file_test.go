package safefile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// entries lists the names in dir, hidden ones included.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

// onlyEntries fails unless dir holds exactly the given names: in particular
// no temporary file.
func onlyEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	got := entries(t, dir)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	content := bytes.Repeat([]byte("plaintext "), 100_000)
	err := Write(context.Background(), p, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(content))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("content differs (err %v)", err)
	}
	// Windows has no permission bits (os reports 0666 for any writable
	// file): the file's access list is what keeps it private there, and
	// internal/private's tests check the lists it makes.
	if fi, _ := os.Stat(p); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
	onlyEntries(t, dir, "out.bin")
}

// An existing file, or even a dangling symbolic link, is refused before
// fill runs, and left as it was.
func TestWriteRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	os.WriteFile(p, []byte("old"), 0o600)
	paths, names := []string{p}, []string{"out.bin"}
	if link := filepath.Join(dir, "link"); testkit.Symlink(t, filepath.Join(dir, "nowhere"), link) {
		paths, names = append(paths, link), []string{"link", "out.bin"}
	}
	for _, path := range paths {
		called := false
		err := Write(context.Background(), path, func(w io.Writer) error { called = true; return nil })
		if !errors.Is(err, fs.ErrExist) {
			t.Errorf("%s: err = %v, want fs.ErrExist", path, err)
		}
		if called {
			t.Errorf("%s: fill ran although the file exists", path)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("existing file changed to %q", b)
	}
	onlyEntries(t, dir, names...)
}

// A file that appears while fill runs is not replaced, and the temporary
// file goes.
func TestWriteNoReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	err := Write(context.Background(), p, func(w io.Writer) error {
		w.Write([]byte("secret"))
		return os.WriteFile(p, []byte("theirs"), 0o600)
	})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "theirs" {
		t.Errorf("the other file was replaced: %q", b)
	}
	onlyEntries(t, dir, "out.bin")
}

// A failing fill leaves nothing: no file, no temporary file.
func TestWriteFillFails(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	boom := errors.New("boom")
	err := Write(context.Background(), p, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("secret"), 10_000))
		names := entries(t, dir)
		if len(names) != 1 || !strings.HasPrefix(names[0], ".") || !strings.HasSuffix(names[0], ".partial") {
			t.Errorf("while writing, the folder holds %q, want one hidden .partial file", names)
		} else if fi, _ := os.Stat(filepath.Join(dir, names[0])); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("temporary file mode %o, want 600", fi.Mode().Perm())
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want fill's error", err)
	}
	onlyEntries(t, dir)
}

// A panic in fill removes the temporary file too.
func TestWriteFillPanics(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		Write(context.Background(), filepath.Join(dir, "out.bin"), func(w io.Writer) error {
			w.Write([]byte("secret"))
			panic("bug")
		})
	}()
	onlyEntries(t, dir)
}

// Cancelling ctx stops a fill that only streams into the writer (it never
// looks at ctx) at its next write, and leaves nothing.
func TestWriteCancelledDuringFill(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("interrupt signal received")
	chunk := bytes.Repeat([]byte("secret"), 10_000)
	writes := 0
	err := Write(ctx, p, func(w io.Writer) error {
		for {
			if _, err := w.Write(chunk); err != nil {
				return err
			}
			if writes++; writes == 5 {
				cancel(cause)
			}
		}
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want context.Canceled with its cause", err)
	}
	if writes != 5 {
		t.Errorf("%d writes, want the writer to fail right after the cancellation", writes)
	}
	onlyEntries(t, dir)
}

// A fill that ignores a failed write, or finishes just as ctx is cancelled,
// still leaves nothing: the rename happens only under a live ctx.
func TestWriteCancelledBeforeRename(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	err := Write(ctx, filepath.Join(dir, "out.bin"), func(w io.Writer) error {
		w.Write([]byte("secret"))
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	onlyEntries(t, dir)

	// Already cancelled: nothing is created at all.
	called := false
	err = Write(ctx, filepath.Join(dir, "out.bin"), func(w io.Writer) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Fatalf("err = %v, fill called = %v; want context.Canceled before fill", err, called)
	}
	onlyEntries(t, dir)
}

func TestWriteMissingFolder(t *testing.T) {
	err := Write(context.Background(), filepath.Join(t.TempDir(), "no", "out.bin"), func(w io.Writer) error { return nil })
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}
