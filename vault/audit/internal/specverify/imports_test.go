package specverify

import (
	"go/build"
	"strings"
	"testing"
)

// The verifier is independent of the code it checks: the standard library
// and x/mod's note and tlog only, which doc.go names, and nothing of
// tvault (not even vault/audit's own constants).
var allowedImports = map[string]bool{
	"golang.org/x/mod/sumdb/note": true,
	"golang.org/x/mod/sumdb/tlog": true,
}

func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imps := range [][]string{pkg.Imports, pkg.TestImports} {
		for _, imp := range imps {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			if !std && !allowedImports[imp] {
				t.Errorf("specverify imports %s: it may use only the standard library and x/mod's note and tlog", imp)
			}
		}
	}
}
