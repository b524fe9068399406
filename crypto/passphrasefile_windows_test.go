package crypto_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
)

// TestReadPassphraseFileACL: on Windows, a passphrase file whose access
// list lets another account read it is refused as an identity file is.
func TestReadPassphraseFileACL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pass")
	writePrivate(t, path, []byte("correct horse\n"))
	if got, err := tcrypto.ReadPassphraseFile(path); err != nil || got != "correct horse" {
		t.Fatalf("a private file: %q, %v", got, err)
	}
	if err := testkit.SetACL(path, "(A;;FA;;;{me})(A;;FR;;;BU)"); errors.Is(err, testkit.ErrNoACLs) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	got, err := tcrypto.ReadPassphraseFile(path)
	var perr *tcrypto.PermissionError
	if !errors.As(err, &perr) || got != "" || perr.File != "passphrase file" || len(perr.Others) != 1 {
		t.Fatalf("readable by BUILTIN\\Users: got %q, %v; want *PermissionError", got, err)
	}
	if !strings.HasPrefix(err.Error(), "passphrase file "+path+" is accessible by others (") {
		t.Errorf("error = %q", err)
	}
}
