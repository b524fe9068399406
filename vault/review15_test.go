package vault

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/store"
)

// bulkForms returns n small one-class-each forms with no attachment, for
// filling a vault fast through the bulk seal path.
func bulkForms(t *testing.T, n, first int) []*Form {
	t.Helper()
	dir := t.TempDir()
	forms := make([]*Form, n)
	for i := range forms {
		k := strconv.Itoa(first + i)
		src := "[public]\ncategory = \"pow\"\nregion = \"Filler region " + k + "\"\n\n" +
			"[testimony]\nsummary = \"interview " + k + "\"\n\n" +
			"[identity]\ninterviewee = \"someone " + k + "\"\n"
		g, err := ParseForm("form-"+k+".toml", []byte(src), dir)
		if err != nil {
			t.Fatal(err)
		}
		forms[i] = g
	}
	return forms
}

// review15: a record sealed long before its erase has its keys in deep LSM
// levels (and its values in an old value-log file). The erase deletes its
// keys; Scrub's DropPrefix then finds no live key under them (Badger's
// DropPrefix skips a prefix without one) and rewrites nothing below the
// level the erase's tombstones land on.
func TestReview15EraseAfterManyRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a vault with thousands of records")
	}
	f := newFileFixture(t, 1)
	canary := randomCanary()
	id, _ := sealCanaried(t, f, canary, 0)
	var er erasable
	f.as("iryna", func(v *member) { er = storedBytes(t, v, id) })
	for round := range 8 {
		f.as("olena", func(v *member) {
			if _, err := v.Seal(ctx, bulkForms(t, 1000, round*1000)); err != nil {
				t.Fatal(err)
			}
		})
	}
	needles := er.needles("testimony", "identity")
	needles["canary"] = []byte(canary)
	for name, b := range needles {
		if len(filesHolding(t, f.dir, b)) == 0 {
			t.Fatalf("before the erase, no file holds the %s: the test cannot fail", name)
		}
	}
	f.as("iryna", func(v *member) {
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatalf("Erase: %v", err)
		}
	})
	for name, b := range needles {
		if files := filesHolding(t, f.dir, b); len(files) > 0 {
			t.Errorf("after the erase, the %s is still in %v", name, files)
		}
	}
}

// filesNamed returns the files under root whose name is name.
func filesNamed(t *testing.T, root, name string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == name {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sealTwoBigClasses seals a record whose testimony and identity classes
// each hold an attachment large enough for a blob file of its own.
func sealTwoBigClasses(t *testing.T, f *fixture) string {
	t.Helper()
	form := f.customForm(`[public]
category = "pow"

[testimony]
summary = "what happened"
files = ["clip.opus"]

[identity]
interviewee = "someone"
files = ["scan.jpg"]
`, map[string][]byte{"clip.opus": pseudoRandom(1<<20+100, 5), "scan.jpg": pseudoRandom(1<<20+200, 6)})
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, form)[0].ID })
	return id
}

// review15: each erasure's scrub note is stored under its record id alone
// (scrub/<id>), so a second erasure of the same record before the first was
// scrubbed — two class erasures in one batch (retention expires classes),
// or a class erase interrupted before its scrub and then another — replaces
// the first's note: its blob files and wrap bytes stay in the folder for
// good, and neither check nor a rerun knows.
func TestReview15TwoClassErasuresOfOneRecord(t *testing.T) {
	for _, interrupted := range []bool{false, true} {
		t.Run(fmt.Sprintf("interrupted=%v", interrupted), func(t *testing.T) {
			f := newFileFixture(t, 1)
			id := sealTwoBigClasses(t, f)
			var er erasable
			var files []string
			f.as("iryna", func(v *member) {
				er = storedBytes(t, v, id)
				for _, c := range []string{"testimony", "identity"} {
					b := blobRef(t, v, id, c, 0).ID
					if files = append(files, b); len(filesNamed(t, f.dir, b)) != 1 {
						t.Fatalf("the %s attachment has no blob file: the test cannot fail", c)
					}
				}
				targets := []EraseTarget{{ID: id, Class: "identity"}, {ID: id, Class: "testimony"}}
				if interrupted {
					if err := v.v.update(func(tx *store.Txn) error {
						_, err := v.eraseOne(tx, targets[0], "reason: interrupted")
						return err
					}); err != nil {
						t.Fatal(err)
					}
					targets = targets[1:]
				}
				if _, err := v.eraseAll(ctx, targets, func(EraseTarget) string { return "reason: expired" }); err != nil {
					t.Fatal(err)
				}
			})
			for name, b := range er.needles("testimony", "identity") {
				if name == "header" {
					continue
				}
				if files := filesHolding(t, f.dir, b); len(files) > 0 {
					t.Errorf("after both class erasures, the %s is still in %v", name, files)
				}
			}
			for _, b := range files {
				if left := filesNamed(t, f.dir, b); len(left) > 0 {
					t.Errorf("an erased attachment's blob file is still there: %v", left)
				}
			}
			f.as("iryna", func(v *member) { checkClean(t, v, false) })
		})
	}
}

// Erasing a record of a threshold class removes its unmask requests and
// their grants from every file; another record's request stays and can
// still be approved.
func TestReview15EraseUnmaskRequests(t *testing.T) {
	f := newFileFixture(t, 2)
	ids, reqs := unmaskSetup(t, f)
	var request, grant []byte
	f.as("iryna", func(v *member) {
		err := v.st.View(func(tx *store.Txn) error {
			var err error
			if request, err = tx.UnmaskRequest(reqs[0]); err != nil {
				return err
			}
			grant, err = tx.UnmaskGrant(reqs[0], "taras")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Erase(ctx, ids[0], "", "consent withdrawn"); err != nil {
			t.Fatal(err)
		}
	})
	for name, b := range map[string][]byte{"request": request, "grant": grant} {
		if files := filesHolding(t, f.dir, b); len(files) > 0 {
			t.Errorf("after the erase, the %s is still in %v", name, files)
		}
	}
	f.as("taras", func(v *member) {
		if _, err := v.ApproveUnmask(ctx, reqs[1]); err != nil {
			t.Errorf("approving the other record's request: %v", err)
		}
		checkClean(t, v, false)
	})
}

// Erasing a record in the same opening that sealed it (its keys still in
// the memtable), whose public fields hold many index values with '/', '%'
// and non-ASCII (a scrub note past Badger's value threshold), leaves no
// canary; a record whose values are prefixes of the erased one's stays.
func TestReview15EraseFreshManyIndexValues(t *testing.T) {
	f := newFileFixture(t, 1)
	canary := randomCanary()
	var topics []string
	for i := range 60 {
		topics = append(topics, fmt.Sprintf(`"%s/%d%%2F é"`, canary, i))
	}
	form := f.customForm(`[public]
category = "pow"
region = "`+canary+`/a%b"
topics = [`+strings.Join(topics, ", ")+`]

[testimony]
summary = "x"
`, nil)
	keep := f.customForm(`[public]
category = "pow"
region = "`+canary[:10]+`"
topics = ["`+canary[:12]+`"]

[testimony]
summary = "kept"
`, nil)
	v := f.open("olena")
	res := seal(t, v, keep, form)
	iryna := as(v.Vault, f.team.Get("iryna").Identity)
	if _, err := iryna.Erase(ctx, res[1].ID, "", "sealed by mistake"); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if files := filesHolding(t, f.dir, []byte(canary)); len(files) > 0 {
		t.Errorf("after the erase, the canary is still in %v", files)
	}
	f.as("iryna", func(v *member) {
		if _, err := v.Show(ctx, res[0].ID); err != nil {
			t.Errorf("the kept record: %v", err)
		}
		checkClean(t, v, true)
	})
}

// A record whose wraps were replaced by keys rotate and rewrap keeps its
// old wraps (on the old epoch, which a removed member may still hold) in
// the files until something rewrites them: its erase removes them too.
func TestReview15EraseAfterRewrap(t *testing.T) {
	f := newFileFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("rw"))[0].ID })
	var old erasable
	f.as("iryna", func(v *member) {
		old = storedBytes(t, v, id)
		for _, c := range []string{"identity", "testimony"} {
			if _, err := v.RotateKeys(c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := v.Rewrap(ctx, RewrapOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		if cur := storedBytes(t, v, id); bytes.Equal(cur.wraps["identity"], old.wraps["identity"]) {
			t.Fatal("the rewrap did not replace the wrap: the test cannot fail")
		}
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range []string{"identity", "testimony"} {
		if files := filesHolding(t, f.dir, old.wraps[c]); len(files) > 0 {
			t.Errorf("after the erase, the pre-rotation wrap of %s is still in %v", c, files)
		}
	}
}

// A field vault (the Small store) purges a record its bundle carried home
// after thousands more were sealed there: no byte of its public canary is
// left in the field vault's files (review15: before the placeholders, the
// purge's DropPrefix rewrote nothing below the top levels either).
func TestReview15FieldPurgeAfterManyRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a field vault with thousands of records")
	}
	f := newFixture(t, 1)
	f.fieldBlobs = mem.New()
	_, dir := fieldFixtureWith(t, f, f.fieldBlobs)
	canary := randomCanary()
	b, ids := fieldBundle(t, f, dir, f.customForm(`[public]
category = "pow"
region = "`+canary+`"

[testimony]
summary = "what happened"
`, nil))
	for round := range 8 {
		fv, err := Open(dir, Options{Blobs: f.fieldBlobs})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := as(fv, f.team.Get("olena").Identity).Seal(ctx, bulkForms(t, 1000, round*1000)); err != nil {
			t.Fatal(err)
		}
		if err := fv.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(filesHolding(t, dir, []byte(canary))) == 0 {
		t.Fatal("the field vault does not hold the canary: the test cannot fail")
	}
	var receipt []byte
	f.as("iryna", func(v *member) {
		rep, err := importBytes(v, b)
		if err != nil || rep.Imported != 1 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		receipt = rep.Receipt
	})
	fv, err := Open(dir, Options{Blobs: f.fieldBlobs})
	if err != nil {
		t.Fatal(err)
	}
	defer fv.Close()
	if rep, err := as(fv, f.team.Get("olena").Identity).PurgeBundle(ctx, receipt); err != nil || rep.Purged != 1 {
		t.Fatalf("purge: %+v, %v", rep, err)
	}
	if err := fv.Close(); err != nil {
		t.Fatal(err)
	}
	if files := filesHolding(t, dir, []byte(canary)); len(files) > 0 {
		t.Errorf("after the purge of %s, the field vault's files still hold its canary: %v", ids[0], files)
	}
}
