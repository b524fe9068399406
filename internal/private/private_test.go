package private_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvault/tvault/internal/private"
	"github.com/tvault/tvault/internal/testkit"
)

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "secret")
	f, err := private.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name() != p {
		t.Errorf("Name = %q, want %q", f.Name(), p)
	}
	if _, err := f.WriteString("testimony"); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := private.Check(f); err != nil {
		t.Errorf("Check of the new file: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "testimony" {
		t.Fatalf("read back %q, %v", b, err)
	}
	testkit.RequirePrivate(t, p)

	// Never an existing file, which keeps its content.
	if _, err := private.Create(p); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing file: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "testimony" {
		t.Errorf("the existing file changed: %q", b)
	}
	// Never through a symbolic link, dangling or not.
	link, target := filepath.Join(dir, "link"), filepath.Join(dir, "target")
	if err := os.Symlink(target, link); err != nil {
		// Windows lets only administrators and developer mode make links.
		t.Logf("no symbolic link to test with: %v", err)
	} else if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		// wine says it made one, and did not.
		t.Logf("os.Symlink made no symbolic link: %v", err)
	} else {
		if _, err := private.Create(link); !errors.Is(err, fs.ErrExist) {
			t.Errorf("Create through a symbolic link: %v, want fs.ErrExist", err)
		}
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the link's target was created")
		}
	}
	if _, err := private.Create(filepath.Join(dir, "missing", "f")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Create in a missing folder: %v, want fs.ErrNotExist", err)
	}
}

func TestMkdirAll(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b", "c")
	if err := private.MkdirAll(deep); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b"), deep} {
		testkit.RequirePrivate(t, p)
	}
	// What is later created below, by anyone, is private too: on Windows
	// by inheritance, on Unix by the umask tvault sets (here: by mode).
	f, err := private.Create(filepath.Join(deep, "f"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	testkit.RequirePrivate(t, filepath.Join(deep, "f"))

	if err := private.MkdirAll(deep); err != nil {
		t.Errorf("MkdirAll of an existing folder: %v", err)
	}
	if err := private.MkdirAll(deep + string(filepath.Separator)); err != nil {
		t.Errorf("MkdirAll with a trailing separator: %v", err)
	}
	if err := private.MkdirAll(filepath.Join(deep, "f")); err == nil {
		t.Errorf("MkdirAll over a file succeeded")
	}
	if err := private.MkdirAll(filepath.Join(deep, "f", "g")); err == nil {
		t.Errorf("MkdirAll below a file succeeded")
	}
}

func TestTemp(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for range 3 {
		d, err := private.MkdirTemp(dir, ".tvault-open-*")
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(d) != dir || !strings.HasPrefix(filepath.Base(d), ".tvault-open-") || seen[d] {
			t.Errorf("MkdirTemp gave %q", d)
		}
		seen[d] = true
		testkit.RequirePrivate(t, d)

		f, err := private.CreateTemp(d, ".tvault-*.partial")
		if err != nil {
			t.Fatal(err)
		}
		name := f.Name()
		f.Close()
		base := filepath.Base(name)
		if filepath.Dir(name) != d || !strings.HasPrefix(base, ".tvault-") || !strings.HasSuffix(base, ".partial") || seen[name] {
			t.Errorf("CreateTemp gave %q", name)
		}
		seen[name] = true
		testkit.RequirePrivate(t, name)
	}
	if _, err := private.CreateTemp(dir, "a/b*"); err == nil {
		t.Error("CreateTemp accepted a pattern with a separator")
	}
	if _, err := private.MkdirTemp(filepath.Join(dir, "missing"), "x*"); err == nil {
		t.Error("MkdirTemp in a missing folder succeeded")
	}
}

func TestExposedError(t *testing.T) {
	e := &private.ExposedError{Path: "id.age", Mode: 0o644}
	if got, want := e.Error(), "id.age is accessible by others (mode 0644)"; got != want {
		t.Errorf("Unix: %q, want %q", got, want)
	}
	e = &private.ExposedError{Path: `C:\id.age`, Others: []string{`BUILTIN\Users`, "Everyone"}}
	if got, want := e.Error(), `C:\id.age is accessible by others (BUILTIN\Users, Everyone may read or change it)`; got != want {
		t.Errorf("Windows: %q, want %q", got, want)
	}
	e = &private.ExposedError{Path: `C:\id.age`, Owner: `PC\bob`, Others: []string{`PC\bob`}}
	if got, want := e.Error(), `C:\id.age is accessible by others (owned by PC\bob; PC\bob may read or change it)`; got != want {
		t.Errorf("Windows, owner: %q, want %q", got, want)
	}
	e = &private.ExposedError{Path: `C:\id.age`, Owner: `PC\bob`}
	if got, want := e.Error(), `C:\id.age is accessible by others (owned by PC\bob)`; got != want {
		t.Errorf("Windows, owner only: %q, want %q", got, want)
	}
}

func TestRestrict(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(d, "f")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// What it does is checked per platform (mode_test.go,
	// acl_windows_test.go): wine accepts an access list and keeps none.
	for _, p := range []string{d, f} {
		if err := private.Restrict(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := private.Restrict(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Restrict of a missing file: %v", err)
	}
}
