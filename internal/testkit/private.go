package testkit

import (
	"os"
	"testing"

	"github.com/tvault/tvault/internal/private"
)

// RequirePrivate fails the test unless private.Check accepts the file at
// path: on unix, modes only its user can use; on Windows, an access list
// that lets nobody else read or change it.
func RequirePrivate(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := private.Check(f); err != nil {
		t.Errorf("Check(%s): %v", path, err)
	}
}
