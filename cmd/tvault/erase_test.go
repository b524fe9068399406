package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/rogpeppe/go-internal/testscript"
)

// storedvalue VAULT KEY OUT: writes the value stored under KEY in the
// vault's database (read-only, between commands) to OUT: the exact bytes
// of a header (rec/ID) or a DEK wrap (dek/ID/CLASS), for nobytes.
func cmdStoredvalue(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: storedvalue VAULT KEY OUT")
	}
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(ts.MkAbs(args[0]), "db")).
		WithReadOnly(true).WithLogger(nil))
	ts.Check(err)
	defer db.Close()
	var v []byte
	ts.Check(db.View(func(t *badger.Txn) error {
		item, err := t.Get([]byte(args[1]))
		if err != nil {
			return fmt.Errorf("key %s: %w", args[1], err)
		}
		v, err = item.ValueCopy(nil)
		return err
	}))
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), v, 0o600))
}

// nobytes FILE PATH...: no file below any PATH contains the exact bytes of
// FILE, searched byte for byte (value logs and tables included). Negated,
// some file does: the check before an erase that makes the one after it
// able to fail.
func cmdNobytes(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: nobytes FILE PATH...")
	}
	needle, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(needle) < 16 {
		ts.Fatalf("%s holds %d bytes: too few to search for", args[0], len(needle))
	}
	var found []string
	for _, root := range args[1:] {
		err := filepath.WalkDir(ts.MkAbs(root), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err == nil && bytes.Contains(b, needle) {
				found = append(found, p)
			}
			return err
		})
		ts.Check(err)
	}
	switch {
	case neg && len(found) == 0:
		ts.Fatalf("no file holds the bytes of %s", args[0])
	case !neg && len(found) > 0:
		ts.Fatalf("the bytes of %s are in %v", args[0], found)
	}
}

// eraseCases are the erase commands for cliCases, each on a record sealed
// for it.
func (f *cliFixture) eraseCases() []cliCase {
	return []cliCase{
		{cmd: "erase", done: "was erased all the same", args: func(string) []string {
			rec := strings.TrimSpace(f.b.must("seal", f.form, "-i", f.key("olena")))
			return []string{"erase", rec, "--reason", "sealed by mistake", "-i", f.key("iryna")}
		}},
	}
}
