//go:build !windows

package crypto_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
)

// TestReadPassphraseFilePermissions: a passphrase file that group or others
// may read or write is refused as an identity file is, with its mode in
// the error; the passphrase is not returned.
func TestReadPassphraseFilePermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pass")
	writePrivate(t, path, []byte("correct horse\n"))
	for _, mode := range []fs.FileMode{0o644, 0o640, 0o604, 0o620, 0o602, 0o666} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		got, err := tcrypto.ReadPassphraseFile(path)
		var perr *tcrypto.PermissionError
		if !errors.As(err, &perr) || got != "" {
			t.Errorf("mode %v: got %q, %v; want *PermissionError", mode, got, err)
			continue
		}
		if perr.Path != path || perr.File != "passphrase file" || perr.Mode.Perm() != mode {
			t.Errorf("mode %v: PermissionError = %+v", mode, perr)
		}
		if mode == 0o644 {
			want := "passphrase file " + path + " is accessible by others (mode 0644)"
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		}
	}
	for _, mode := range []fs.FileMode{0o600, 0o400} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if got, err := tcrypto.ReadPassphraseFile(path); err != nil || got != "correct horse" {
			t.Errorf("mode %v: %q, %v", mode, got, err)
		}
	}
}
