package main

import (
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

// TestPermissionHintWindows: the hint is an icacls command line that leaves
// only the user's entry, removes the named accounts, and takes ownership
// first when another account owns the file.
func TestPermissionHintWindows(t *testing.T) {
	me := currentAccount()
	path := `C:\Users\olena\.config\tvault\identity.age`
	grant := `icacls "` + path + `" /inheritance:r /grant:r "` + me + `:F"`

	got := permissionHint(&tcrypto.PermissionError{Path: path,
		Others: []string{`BUILTIN\Users`, "S-1-5-21-1-2-3-1009", private.UnknownAccount}})
	want := "run '" + grant + ` /remove "BUILTIN\Users" "*S-1-5-21-1-2-3-1009"' so that only you can read it`
	if got != want {
		t.Errorf("hint:\n%s\nwant:\n%s", got, want)
	}

	got = permissionHint(&tcrypto.PermissionError{Path: path, Owner: `PC\bob`})
	if !strings.HasPrefix(got, `run 'icacls "`+path+`" /setowner "`+me+`"'`) ||
		!strings.HasSuffix(got, "then '"+grant+"', so that only you can read it") {
		t.Errorf("hint for another owner: %s", got)
	}
}
