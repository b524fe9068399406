package vault

import (
	"strconv"
	"testing"
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
