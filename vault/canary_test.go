package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPlaintextAtRest seals and opens records whose fields, attachment
// contents and attachment file names carry a unique canary, then proves that
// no file in the vault directory and no file in the temporary directory
// holds the canary (in its content or its name), and that the vault's files
// are private to their owner.
func TestNoPlaintextAtRest(t *testing.T) {
	// The umask is the process's, and cmd/tvault's main sets it to 077
	// because Badger creates its files 0666 and its folders 0755 before the
	// umask. Tests do not run main, so the test sets it itself (restored at
	// the end; umask is process-wide, so this test must not run in
	// parallel with others).
	setUmask(t, 0o077)

	f := newFileFixture(t, 1)
	out := f.mkdir("out")
	// Every folder the test needs is made before TMPDIR changes: t.TempDir
	// itself follows TMPDIR.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // Linux and macOS
	t.Setenv("TMP", tmp)    // Windows, which also reads TEMP
	t.Setenv("TEMP", tmp)
	if os.TempDir() != tmp {
		t.Fatalf("os.TempDir() = %s, want %s", os.TempDir(), tmp)
	}

	var rb [8]byte
	_, _ = rand.Read(rb[:])
	canary := "canary" + hex.EncodeToString(rb[:])

	example := f.exampleForm(canary) // canary in fields and contents
	named := f.customForm(publicTOML+`
[testimony]
summary = "told by `+canary+`-witness"
files = ["`+canary+`-interview.opus"]

[identity]
interviewee = "Ірина `+canary+`-name"
files = ["passport-`+canary+`.jpg"]
`, map[string][]byte{
		canary + "-interview.opus":    append([]byte("OggS "), pseudoRandom(300<<10, 9)...),
		"passport-" + canary + ".jpg": []byte("\xff\xd8\xff fake jpeg of " + canary + "-passport"),
	})

	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, example, named) {
			ids = append(ids, r.ID)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.List(ctx, ListFilter{}); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			if _, err := v.Show(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: filepath.Join(out, string(rune('a'+i))), Purpose: "review"}); err != nil {
				t.Fatalf("Open: %v", err)
			}
		}
		var buf bytes.Buffer
		if err := v.Cat(ctx, ids[1], "testimony", canary+"-interview.opus", &buf, CatOptions{Length: -1}); err != nil {
			t.Fatal(err)
		}
		if err := v.Cat(ctx, ids[1], "identity", "passport-"+canary+".jpg", &buf, CatOptions{Offset: 3, Length: 20}); err != nil {
			t.Fatal(err)
		}
		// A failed read names the attachment it was asked for; that must
		// not reach the store either.
		if err := v.Cat(ctx, ids[1], "identity", "missing-"+canary+".jpg", &buf, CatOptions{Length: -1}); err == nil {
			t.Fatal("Cat of a missing attachment succeeded")
		}
		if _, err := v.OpenRecord(ctx, ids[0], OpenRecordOptions{Dir: filepath.Join(out, "a")}); err == nil {
			t.Fatal("a second Open into the same folder succeeded")
		}
	})
	f.as("mykola", func(v *member) {
		if _, err := v.OpenRecord(ctx, ids[1], OpenRecordOptions{Dir: filepath.Join(out, "m")}); err != nil {
			t.Fatal(err)
		}
	})
	// Closing flushes the memtables into tables: every byte is in a file now.

	// The detector works: the opened files do hold the canary, in names and
	// in contents.
	if found := findNeedle(t, out, canary); len(found) < 6 {
		t.Fatalf("only %v of the opened files mention the canary: the search is broken", found)
	}

	for _, root := range []string{f.dir, tmp} {
		for _, needle := range []string{canary, "Олена Петренко", "Ірина", "interview.opus", "transcript-full.txt", "passport-"} {
			if found := findNeedle(t, root, needle); len(found) != 0 {
				t.Errorf("%q is in the name or content of %v", needle, found)
			}
		}
	}

	private(t, f.dir)
	private(t, out)
}

// findNeedle returns the files and folders below root whose name, or whose
// content, contains needle.
func findNeedle(t *testing.T, root, needle string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), needle) {
			found = append(found, p)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(needle)) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return found
}

// private asserts that every entry below root (root included) is a regular
// file or a folder, private to its owner as far as notPrivate can tell on
// this platform.
func private(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if !fi.IsDir() && !fi.Mode().IsRegular() {
			t.Errorf("%s is a %v, not a regular file", p, fi.Mode().Type())
		} else if why := notPrivate(fi); why != "" {
			t.Errorf("%s %s", p, why)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
}
