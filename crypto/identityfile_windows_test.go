package crypto_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

// requirePrivate fails unless path passes private.Check: on Windows, an
// access list that lets nobody else read or change it.
func requirePrivate(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := private.Check(f); err != nil {
		t.Error(err)
	}
}

// setDACL replaces path's access list with the one in sddl (protected: it
// inherits nothing), and reports whether the file system kept it (wine
// keeps no access lists: it derives one from the Unix mode).
func setDACL(t *testing.T, path, sddl, mustHave string) bool {
	t.Helper()
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	got, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(got.String(), mustHave)
}

// TestReadIdentityFileACL: on Windows, an identity file whose access list
// lets another account read it is refused, naming that account; one that
// only its user, SYSTEM and Administrators may use is read.
func TestReadIdentityFileACL(t *testing.T) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me := u.User.Sid.String()
	id := mustGenerate(t, true)
	path := filepath.Join(t.TempDir(), "identity.txt")
	if err := tcrypto.WriteIdentityFile(path, id, "", testOptions); err != nil {
		t.Fatal(err)
	}
	if _, err := tcrypto.ReadIdentityFile(path, noPassphrase(t)); err != nil {
		t.Fatalf("the file WriteIdentityFile made: %v", err)
	}

	if !setDACL(t, path, "D:P(A;;FA;;;"+me+")(A;;FR;;;BU)", ";;;BU)") {
		t.Skip("this file system keeps no access lists (wine): the check needs Windows")
	}
	_, err = tcrypto.ReadIdentityFile(path, noPassphrase(t))
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

	for _, sddl := range []string{
		"D:P(A;;FA;;;" + me + ")",
		"D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;" + me + ")",
	} {
		setDACL(t, path, sddl, me)
		if _, err := tcrypto.ReadIdentityFile(path, noPassphrase(t)); err != nil {
			t.Errorf("%s: %v", sddl, err)
		}
	}
	if _, err := tcrypto.ReadIdentityFile(filepath.Join(t.TempDir(), "missing"), noPassphrase(t)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}
