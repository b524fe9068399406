//go:build !windows

package main

import (
	"fmt"
	"io/fs"
	"os"
)

// checkPrivate: on Unix, a file has exactly mode want, and a folder no
// permission for group or others.
func checkPrivate(p string, d fs.DirEntry, want fs.FileMode) error {
	fi, err := d.Info()
	if err != nil {
		return err
	}
	perm := fi.Mode().Perm()
	if d.IsDir() {
		if perm&0o077 != 0 {
			return fmt.Errorf("directory %s is mode %o, open to others", p, perm)
		}
		return nil
	}
	if perm != want {
		return fmt.Errorf("%s is mode %o, want %o", p, perm, want)
	}
	return nil
}

func makePrivate(p string) error { return os.Chmod(p, 0o600) }

func makeExposed(p string) error { return os.Chmod(p, 0o644) }

func makeUnreadable(p string) error { return os.Chmod(p, 0) }

// permsKept: Unix always keeps a file's mode.
func permsKept() bool { return true }
