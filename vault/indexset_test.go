package vault

import (
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/internal/store"
)

// The compact set finds exactly what the map of entries found: planted
// entries, missing ones, and a stored entry matched only once.
func TestIndexSet(t *testing.T) {
	s := newIndexSet()
	s.add([]indexEntry{{"region", "Kharkiv", "r1"}, {"topics", "a", "r1"}, {"topics", "a", "r1"}})
	s.add([]indexEntry{{"region", "Kharkiv", "r2"}, {"region", "", "r3"}})
	s.seal()
	for _, e := range []indexEntry{{"region", "Kharkiv", "r1"}, {"topics", "a", "r1"}, {"region", "", "r3"}} {
		if !s.take(e) {
			t.Errorf("expected entry %v not found", e)
		}
	}
	for _, e := range []indexEntry{
		{"region", "Kharkiv", "r1"}, // twice
		{"region", "Kharkiv", "r9"}, // planted
		{"regionK", "harkiv", "r2"}, // the same bytes, split elsewhere
		{"region", "Kharkivr", "2"},
	} {
		if s.take(e) {
			t.Errorf("entry %v taken, want refused", e)
		}
	}
	if n := s.missing(); n != 1 {
		t.Errorf("missing = %d, want 1 (region=Kharkiv of r2)", n)
	}
}

// Check counts a planted and a removed index entry exactly, repair
// rebuilds the index from the headers it read again, and check is then
// clean.
func TestCheckIndexPlantedAndMissing(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("ci"), f.exampleForm("ci"))[0].ID })
	f.as("iryna", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error {
			if err := tx.PutIndex("region", "Odesa oblast", id); err != nil {
				return err
			}
			return tx.DeleteIndex("region", "Kharkiv oblast", id)
		})
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := "1 entries point to nothing and 1 are missing"
		found := false
		for _, fd := range rep.Findings {
			found = found || fd.Subject == "index" && strings.HasPrefix(fd.Msg, want)
		}
		if !found {
			t.Fatalf("check findings %+v, want %q", rep.Findings, want)
		}
		if _, err := v.Check(ctx, CheckOptions{Repair: true}); err != nil {
			t.Fatal(err)
		}
		rep, err = v.Check(ctx, CheckOptions{ReadData: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range rep.Findings {
			if fd.Severity == "error" {
				t.Errorf("after repair: %+v", fd)
			}
		}
	})
}
