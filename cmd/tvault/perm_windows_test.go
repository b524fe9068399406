package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tvault/tvault/internal/private"
	"github.com/tvault/tvault/internal/testkit"
)

// checkPrivate: on Windows, which has no modes, p passes private.Check:
// nobody but the user, SYSTEM and Administrators may read or change it.
func checkPrivate(p string, d fs.DirEntry, want fs.FileMode) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return private.Check(f)
}

func makePrivate(p string) error { return testkit.SetACL(p, "(A;;FA;;;{me})") }

func makeExposed(p string) error { return testkit.SetACL(p, "(A;;FA;;;{me})(A;;FR;;;BU)") }

// makeUnreadable gives p an empty access list, which grants nobody
// anything (its owner may still change it).
func makeUnreadable(p string) error { return testkit.SetACL(p, "") }

// permsKept reports whether the system keeps the access lists it is given:
// Windows does, wine does not.
func permsKept() bool {
	dir, err := os.MkdirTemp("", "tvault-acl-")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "probe")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		return false
	}
	return !errors.Is(makeExposed(p), testkit.ErrNoACLs)
}
