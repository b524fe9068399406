package vault

import (
	"testing"

	"github.com/tvault/tvault/vault/internal/store"
)

// A threshold record erased in the middle of a rewrap (one holder's
// contribution stored, the other's not yet) leaves no byte of the
// contribution in the files.
func TestReview15EraseDuringThresholdRewrap(t *testing.T) {
	f := newFileFixture(t, 2)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("T1"))[0].ID })
	for _, who := range []string{"taras", "iryna"} {
		f.as(who, func(v *member) {
			if _, err := v.RotateKeys("identity"); err != nil {
				t.Fatal(err)
			}
		})
	}
	var contribs map[byte][]byte
	f.as("iryna", func(v *member) {
		if _, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"identity"}}); err != nil {
			t.Fatal(err)
		}
		err := v.st.View(func(tx *store.Txn) error {
			var err error
			contribs, err = tx.Contributions("identity", id)
			return err
		})
		if err != nil || len(contribs) == 0 {
			t.Fatalf("no contribution stored (%v): the test cannot fail", err)
		}
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatal(err)
		}
	})
	for x, c := range contribs {
		if files := filesHolding(t, f.dir, c); len(files) > 0 {
			t.Errorf("after the erase, contribution %d is still in %v", x, files)
		}
	}
	f.as("taras", func(v *member) {
		if _, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"identity"}}); err != nil {
			t.Errorf("the other holder's rewrap after the erase: %v", err)
		}
		checkClean(t, v, false)
	})
}

// A class erase, then (in a later run, after more seals) the whole record:
// nothing of either is left, the header included.
func TestReview15ClassThenWholeErase(t *testing.T) {
	f := newFileFixture(t, 1)
	canary := randomCanary()
	id, _ := sealCanaried(t, f, canary, 3)
	var er erasable
	f.as("iryna", func(v *member) {
		er = storedBytes(t, v, id)
		if _, err := v.Erase(ctx, id, "identity", "sealed by mistake"); err != nil {
			t.Fatal(err)
		}
	})
	f.as("olena", func(v *member) { seal(t, v, bulkForms(t, 50, 0)...) })
	f.as("iryna", func(v *member) {
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatal(err)
		}
		checkClean(t, v, true)
	})
	needles := er.needles("testimony", "identity")
	needles["canary"] = []byte(canary)
	for name, b := range needles {
		if files := filesHolding(t, f.dir, b); len(files) > 0 {
			t.Errorf("after the class and then the whole erase, the %s is still in %v", name, files)
		}
	}
}
