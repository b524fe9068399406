package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
)

// mkTree makes a folder holding one file, and returns the folder.
func mkTree(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "f"), []byte(name), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRenameNoReplace: a file and a folder move to a free name; onto an
// existing file, folder (empty or not) or dangling link, the rename fails
// with fs.ErrExist and both sides stay as they were.
func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("mine"), 0o600)
	folder := mkTree(t, dir, "folder")

	if err := RenameNoReplace(file, filepath.Join(dir, "file2")); err != nil {
		t.Fatalf("file to a free name: %v", err)
	}
	if err := RenameNoReplace(folder, filepath.Join(dir, "folder2")); err != nil {
		t.Fatalf("folder to a free name: %v", err)
	}
	file, folder = filepath.Join(dir, "file2"), filepath.Join(dir, "folder2")
	if readString(t, file) != "mine" || readString(t, filepath.Join(folder, "f")) != "folder" {
		t.Fatal("the renamed file or folder lost its content")
	}
	onlyEntries(t, dir, "file2", "folder2")

	targets := []string{"file", "empty folder", "folder"}
	os.WriteFile(filepath.Join(dir, "file"), []byte("theirs"), 0o600)
	os.Mkdir(filepath.Join(dir, "empty folder"), 0o700)
	mkTree(t, dir, "folder")
	if testkit.Symlink(t, filepath.Join(dir, "nowhere"), filepath.Join(dir, "link")) {
		targets = append(targets, "link")
	}
	for _, target := range targets {
		for _, from := range []string{file, folder} {
			to := filepath.Join(dir, target)
			err := RenameNoReplace(from, to)
			if !errors.Is(err, fs.ErrExist) {
				t.Errorf("%s onto the existing %s: %v, want fs.ErrExist", filepath.Base(from), target, err)
			}
			var le *os.LinkError
			if !errors.As(err, &le) || le.Old != from || le.New != to {
				t.Errorf("%s onto the existing %s: %#v, want an *os.LinkError naming both", filepath.Base(from), target, err)
			}
		}
	}
	if readString(t, file) != "mine" || readString(t, filepath.Join(folder, "f")) != "folder" {
		t.Error("a refused rename changed its source")
	}
	if readString(t, filepath.Join(dir, "file")) != "theirs" || readString(t, filepath.Join(dir, "folder", "f")) != "folder" {
		t.Error("a refused rename changed its target")
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "empty folder")); len(ents) != 0 {
		t.Errorf("a refused rename filled the empty folder: %v", ents)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a rename went through the dangling link: %v", err)
	}
}

// TestRename replaces an existing file, and moves to a free name.
func TestRename(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("new"), 0o600)
	os.WriteFile(b, []byte("old"), 0o600)
	if err := Rename(a, b); err != nil {
		t.Fatal(err)
	}
	if readString(t, b) != "new" {
		t.Error("Rename did not replace the file")
	}
	if err := Rename(b, a); err != nil {
		t.Fatal(err)
	}
	onlyEntries(t, dir, "a")
	err := Rename(b, a)
	var le *os.LinkError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &le) {
		t.Errorf("Rename of a missing file: %v, want an *os.LinkError matching fs.ErrNotExist", err)
	}
}

// TestSyncDir: a folder syncs; on Windows, where a folder cannot be
// flushed (opening one for that is refused), SyncDir must not fail either.
func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
