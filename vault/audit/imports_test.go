package audit

import (
	"go/build"
	"strings"
	"testing"
)

// The package imports the standard library and only these (see doc.go):
// none of them imports the vault or a storage engine, so neither does this
// package, directly or not. vault/internal/fault holds only the failure
// kinds every layer wraps; internal/csvsafe, only the CSV cell rule.
var allowedImports = map[string]bool{
	"github.com/tvault/tvault/vault/internal/fault":    true,
	"github.com/tvault/tvault/vault/internal/sigbatch": true,
	"github.com/tvault/tvault/internal/csvsafe":        true,
	"github.com/tvault/tvault/internal/edkey":          true,
	"filippo.io/edwards25519":                          true,
	"golang.org/x/mod/sumdb/note":                      true,
	"golang.org/x/mod/sumdb/tlog":                      true,
}

func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
		if !std && !allowedImports[imp] {
			t.Errorf("vault/audit imports %s: it must not import vault, its store, badger or any other storage", imp)
		}
	}
}
