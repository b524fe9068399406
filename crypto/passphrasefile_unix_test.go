//go:build !windows

package crypto_test

import (
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
	var got string
	checkPrivateModes(t, path, "passphrase file", func() error {
		var err error
		if got, err = tcrypto.ReadPassphraseFile(path); err != nil && got != "" {
			t.Errorf("a refused passphrase file gave its passphrase")
		}
		return err
	})
	if got != "correct horse" {
		t.Errorf("ReadPassphraseFile = %q, want the first line", got)
	}
}
