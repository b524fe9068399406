//go:build unix

package vault

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
)

// Permission bits and the umask are Unix's (Linux, macOS); see
// perm_windows_test.go for Windows.

// setUmask sets the process's umask until the test ends. The umask is
// process-wide: a test that sets it must not run in parallel with others.
func setUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// notPrivate says why fi is not private to its owner: a file must be mode
// 0600, a folder 0700.
func notPrivate(fi fs.FileInfo) string {
	want := fs.FileMode(0o600)
	if fi.IsDir() {
		want = 0o700
	}
	if fi.Mode().Perm() != want {
		return fmt.Sprintf("is mode %04o, want %04o", fi.Mode().Perm(), want)
	}
	return ""
}

// TestOpenedFilesPrivate: what Open writes is 0600 in folders 0700 whatever
// the umask, since a library caller may not have set one.
func TestOpenedFilesPrivate(t *testing.T) {
	setUmask(t, 0o022)
	f := newFileFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("perm"))[0].ID })
	out := filepath.Join(f.mkdir("out"), "new")
	f.as("iryna", func(v *member) {
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: out}); err != nil {
			t.Fatal(err)
		}
	})
	for _, class := range []string{"testimony", "identity"} {
		private(t, filepath.Join(out, class))
	}
}
