package testkit

import (
	"os"
	"testing"
)

// Symlink makes link a symbolic link to target and reports whether it
// could. Only Windows may refuse (creating a link there needs Developer
// Mode or administrator rights): then it returns false, and the test runs
// its other cases. Any other failure fails the test.
func Symlink(t testing.TB, target, link string) bool {
	t.Helper()
	err := os.Symlink(target, link)
	if err != nil && symlinkRefused(err) {
		t.Logf("Windows refused to create a symbolic link (no Developer Mode or administrator rights): %v", err)
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}
