package crypto_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
)

// requirePrivate fails unless path passes private.Check: on Windows, an
// access list that lets nobody else read or change it.
func requirePrivate(t *testing.T, path string) { testkit.RequirePrivate(t, path) }

// TestReadIdentityFileACL: on Windows, an identity file whose access list
// lets another account read it is refused, naming that account; one that
// only its user, SYSTEM and Administrators may use is read.
func TestReadIdentityFileACL(t *testing.T) {
	id := mustGenerate(t, true)
	path := filepath.Join(t.TempDir(), "identity.txt")
	if err := tcrypto.WriteIdentityFile(path, id, "", testOptions); err != nil {
		t.Fatal(err)
	}
	if _, err := tcrypto.ReadIdentityFile(path, noPassphrase(t)); err != nil {
		t.Fatalf("the file WriteIdentityFile made: %v", err)
	}

	if err := testkit.SetACL(path, "(A;;FA;;;{me})(A;;FR;;;BU)"); errors.Is(err, testkit.ErrNoACLs) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	_, err := tcrypto.ReadIdentityFile(path, noPassphrase(t))
	var perr *tcrypto.PermissionError
	if !errors.As(err, &perr) {
		t.Fatalf("readable by BUILTIN\\Users: got %v, want *PermissionError", err)
	}
	users, err := windows.StringToSid("S-1-5-32-545")
	if err != nil {
		t.Fatal(err)
	}
	account, domain, _, err := users.LookupAccount("")
	if err != nil {
		t.Fatal(err)
	}
	want := domain + `\` + account
	if perr.Path != path || len(perr.Others) != 1 || perr.Others[0] != want {
		t.Errorf("PermissionError = %+v, want others [%s]", perr, want)
	}
	if msg := err.Error(); msg != "identity file "+path+" is accessible by others ("+want+" may read or change it)" {
		t.Errorf("error = %q", msg)
	}

	for _, aces := range []string{"(A;;FA;;;{me})", "(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;{me})"} {
		if err := testkit.SetACL(path, aces); err != nil {
			t.Fatal(err)
		}
		if _, err := tcrypto.ReadIdentityFile(path, noPassphrase(t)); err != nil {
			t.Errorf("%s: %v", aces, err)
		}
	}
	if _, err := tcrypto.ReadIdentityFile(filepath.Join(t.TempDir(), "missing"), noPassphrase(t)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}
