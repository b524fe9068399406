package vault

import (
	"testing"

	"github.com/tvault/tvault/vault/internal/store"
)

// A record erased whole whose header and index entries are stored again
// (restored from a copy) is left out of a listing, whether its candidates
// are looked up one by one (a selective query) or checked against every
// erasure mark (a query with more candidates than lookupErasedMax).
func TestListLeavesOutRestoredErased(t *testing.T) {
	f := newFixture(t, 1)
	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, f.exampleForm("a"), f.exampleForm("b"), f.exampleForm("c")) {
			ids = append(ids, r.ID)
		}
	})
	v := f.open("iryna")
	var raw []byte
	if err := v.st.View(func(tx *store.Txn) (err error) { raw, err = tx.Header(ids[1]); return err }); err != nil {
		t.Fatal(err)
	}
	h := readHeader(t, v, ids[1])
	if _, err := v.Erase(ctx, ids[1], "", "sealed by mistake"); err != nil {
		t.Fatal(err)
	}
	tamper(t, v, func(tx *store.Txn) error {
		for _, e := range indexEntries(h) {
			if err := tx.PutIndex(e.field, e.value, ids[1]); err != nil {
				return err
			}
		}
		return tx.PutHeader(ids[1], raw)
	})
	f2 := ListFilter{Where: []Condition{{Field: "category", Value: "pow-family"}}}
	ls, err := v.List(ctx, f2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].ID == ids[1] || ls[1].ID == ids[1] {
		t.Errorf("listed %v; want %s and %s", ls, ids[0], ids[2])
	}
	// Both ways of leaving it out agree.
	err = v.st.View(func(tx *store.Txn) error {
		all := append([]string(nil), ids...)
		one, err := lookupErased(tx, append([]string(nil), all...))
		if err != nil {
			return err
		}
		many, err := withoutErased(tx, append(all, make([]string, lookupErasedMax)...)) // more than lookupErasedMax: one pass
		if err != nil {
			return err
		}
		if len(one) != 2 || one[0] != ids[0] || one[1] != ids[2] || len(many) != 2+lookupErasedMax || many[1] != ids[2] {
			t.Errorf("looked up: %v; one pass: %d ids", one, len(many))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
