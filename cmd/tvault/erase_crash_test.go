package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/tvault/tvault/internal/testkit"
)

// TestCrashDuringErase kills `tvault erase` (SIGKILL) at random moments
// and at each named point between its commit and the end of the scrub,
// over many trials. After each kill, the record is either whole (it shows
// and its attachment reads back byte for byte) or gone (exit 5); a rerun
// of the same erase finishes the job, after which neither its header nor
// its wraps are in any file of the vault folder. At the end check
// --read-data and audit verify pass.
func TestCrashDuringErase(t *testing.T) {
	trials := 20
	if testing.Short() {
		trials = 10
	}
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	vdir := filepath.Join(dir, "vault")
	bin := newBuiltBinary(t, "tvaultdebug", vdir, team.PassFile)
	key := func(name string) string { return team.Get(name).Path }
	bin.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", key("admin-kyiv"))
	forms := make([]string, trials+1)
	for i := range forms {
		d := filepath.Join(dir, fmt.Sprintf("form%d", i))
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "note.txt"), noteOf(i), 0o600)
		os.WriteFile(filepath.Join(d, "form.toml"), []byte(`[public]
category = "pow"
[testimony]
summary = "crash test"
files = ["note.txt"]
[identity]
interviewee = "someone"
`), 0o600)
		forms[i] = filepath.Join(d, "form.toml")
	}
	ids := strings.Fields(bin.must(append([]string{"seal", "--no-progress", "-i", key("olena")}, forms...)...))
	if len(ids) != len(forms) {
		t.Fatalf("sealed %d records, want %d", len(ids), len(forms))
	}
	stored := map[string][][]byte{}
	for _, id := range ids {
		stored[id] = storedOf(t, vdir, id)
	}
	// Time one undisturbed erase, so that random kills spread over its span.
	start := time.Now()
	bin.must("erase", ids[trials], "--reason", "timing", "-i", key("iryna"))
	span := time.Since(start)
	rng := rand.New(rand.NewPCG(3, 4))
	points := []string{"erase-after-commit", "scrub-placeholders", "scrub-after-drop", "scrub-before-gc", "scrub-gc"}
	whole, gone, orphaned := 0, 0, 0
	// The first half of the trials stop at each named point; the second
	// kill at random. A kill inside value-log collection can leave copies
	// of other, live records' values that no key points to (Badger had
	// written them to the new file, not yet to its tree): Badger never
	// collects those, so a record erased after such a kill may keep them
	// (SECURITY.md, "Erasure"). Those are counted, not failed.
	killedAtRandom := false
	for i, id := range ids[:trials] {
		var env []string
		random := i >= trials/2
		if !random {
			env = []string{"TVAULT_FAILPOINT=" + points[i%len(points)]}
		}
		c := bin.cmd(env, "erase", id, "--reason", "crash test", "-i", key("iryna"))
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		killSent := false
		if env == nil {
			time.Sleep(time.Duration(rng.Int64N(int64(span))))
			killSent = c.Process.Kill() == nil
		}
		if err := c.Wait(); err != nil && !killedOutright(c.ProcessState, killSent) {
			t.Fatalf("trial %d: erase failed without being killed: %v\n%s", i, err, stderr.String())
		}
		// Whole or gone, never partly there.
		switch _, errs, code := bin.run("show", id, "-i", key("iryna")); code {
		case 0:
			whole++
			if out := bin.must("cat", id, "testimony/note.txt", "-i", key("iryna")); out != string(noteOf(i)) {
				t.Fatalf("trial %d: the record shows but its attachment reads %q", i, out)
			}
		case 5:
			gone++
		default:
			t.Fatalf("trial %d: show exits %d after the kill: %s", i, code, errs)
		}
		// The rerun finishes (or finds nothing left to do).
		if out, errs, code := bin.run("erase", id, "--reason", "crash test, again", "-i", key("iryna")); code != 0 && !(code == 5 && strings.Contains(errs, "was erased")) {
			t.Fatalf("trial %d: the rerun exits %d: %s%s", i, code, out, errs)
		}
		for j, b := range stored[id] {
			files := filesWith(t, vdir, b)
			switch {
			case len(files) > 0 && killedAtRandom:
				orphaned++
			case len(files) > 0:
				t.Fatalf("trial %d: after the rerun, stored value %d of record %s is still in %v", i, j, id, files)
			}
		}
		killedAtRandom = killedAtRandom || random && killedOutright(c.ProcessState, true)
	}
	t.Logf("%d trials: %d left the record whole, %d left it gone before the rerun; %d values of records erased after a random kill survived in unreferenced value-log copies", trials, whole, gone, orphaned)
	out := bin.must("check", "--read-data", "-i", key("iryna"))
	if strings.Contains(out, "error:") || strings.Contains(out, "note:") {
		t.Errorf("check after the crashes:\n%s", out)
	}
	bin.must("audit", "verify", "-i", key("iryna"))
}

func noteOf(i int) []byte { return []byte(fmt.Sprintf("note of record %d, unique: %d\n", i, i*7919)) }

// storedOf reads record id's header and DEK wraps from the vault's
// database (closed, read-only).
func storedOf(t *testing.T, vdir, id string) [][]byte {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(vdir, "db")).WithReadOnly(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out [][]byte
	err = db.View(func(txn *badger.Txn) error {
		for _, k := range []string{"rec/" + id, "dek/" + id + "/testimony", "dek/" + id + "/identity"} {
			item, err := txn.Get([]byte(k))
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// filesWith returns the files below root that contain needle.
func filesWith(t *testing.T, root string, needle []byte) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, needle) {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
