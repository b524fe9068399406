//go:build !windows

package crypto_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
)

// requirePrivate fails unless path is mode 0600: what private means on Unix.
func requirePrivate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode is %v, want 0600", fi.Mode().Perm())
	}
}

// TestReadIdentityFilePermissions: on Unix, a file that group or others may
// read or write is refused, with its mode in the error.
func TestReadIdentityFilePermissions(t *testing.T) {
	id := mustGenerate(t, true)
	path := filepath.Join(t.TempDir(), "identity.txt")
	if err := tcrypto.WriteIdentityFile(path, id, "", testOptions); err != nil {
		t.Fatal(err)
	}
	checkPrivateModes(t, path, "identity file", func() error {
		_, err := tcrypto.ReadIdentityFile(path, noPassphrase(t))
		return err
	})
	if _, err := tcrypto.ReadIdentityFile(filepath.Join(t.TempDir(), "missing"), noPassphrase(t)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}

// checkPrivateModes sets path to each mode that lets group or others read
// or write it and expects read to fail with a *PermissionError naming the
// kind of file and the mode; then to each private mode, where read must
// succeed.
func checkPrivateModes(t *testing.T, path, kind string, read func() error) {
	t.Helper()
	for _, mode := range []fs.FileMode{0o644, 0o640, 0o604, 0o620, 0o602, 0o666, 0o601} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		err := read()
		var perr *tcrypto.PermissionError
		if !errors.As(err, &perr) {
			t.Errorf("mode %v: got %v, want *PermissionError", mode, err)
			continue
		}
		if perr.Path != path || perr.Mode.Perm() != mode || len(perr.Others) != 0 {
			t.Errorf("mode %v: PermissionError = %+v", mode, perr)
		}
		want := kind + " " + path + " is accessible by others (mode " + fmt.Sprintf("%04o", uint32(mode)) + ")"
		if err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
	}
	for _, mode := range []fs.FileMode{0o600, 0o400} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if err := read(); err != nil {
			t.Errorf("mode %v: %v", mode, err)
		}
	}
}
