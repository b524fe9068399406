//go:build !windows

package private_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tvault/tvault/internal/private"
)

// TestModes: on Unix, private means these exact modes, and Check refuses
// any group or other bit.
func TestModes(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "d", "e")
	if err := private.MkdirAll(d); err != nil {
		t.Fatal(err)
	}
	f, err := private.Create(filepath.Join(d, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for p, want := range map[string]fs.FileMode{filepath.Join(dir, "d"): 0o700, d: 0o700, f.Name(): 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s is mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
	for _, mode := range []fs.FileMode{0o644, 0o640, 0o604, 0o620, 0o602, 0o601, 0o610, 0o666} {
		if err := f.Chmod(mode); err != nil {
			t.Fatal(err)
		}
		err := private.Check(f)
		var xe *private.ExposedError
		if !errors.As(err, &xe) || xe.Mode.Perm() != mode || xe.Path != f.Name() || len(xe.Others) != 0 {
			t.Errorf("mode %04o: Check = %#v", mode, err)
		}
	}
	for _, mode := range []fs.FileMode{0o600, 0o400, 0o700, 0o000} {
		if err := f.Chmod(mode); err != nil {
			t.Fatal(err)
		}
		if err := private.Check(f); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
}

func TestRestrictModes(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(d, "f")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{d: 0o700, f: 0o600} {
		if err := private.Restrict(p); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v, want mode %04o", p, fi.Mode(), err, want)
		}
	}
}
