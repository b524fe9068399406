package store

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Two erasures of one record before a scrub (its classes erased one by
// one in one run, as retention erases them) leave one scrub note naming
// the keys of both: a second note that replaced the first would leave the
// first class's bytes in the files.
func TestEraseMergesScrubNotes(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := &Erasure{ID: "r", Classes: []string{"identity"}, Blobs: []string{"r-identity-1"}, Requests: []string{"q1"}}
	second := &Erasure{ID: "r", Classes: []string{"testimony"}, Blobs: []string{"r-testimony-1"}}
	for i, e := range []*Erasure{first, second} {
		if err := s.Update(func(tx *Txn) error { return tx.Erase(e, int64(10+i)) }); err != nil {
			t.Fatal(err)
		}
	}
	var note Erasure
	err = s.View(func(tx *Txn) error {
		b, err := tx.get(cat(prefixScrub, []byte("r")))
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &note)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(first.keys(), second.keys()...) {
		found := false
		for _, n := range note.keys() {
			found = found || bytes.Equal(k, n)
		}
		if !found {
			t.Errorf("the scrub note does not name %q: %+v", k, note)
		}
	}
	// A whole-record erasure after a class's keeps the class's keys too.
	whole := &Erasure{ID: "r", Whole: true, Classes: []string{"testimony"}}
	if err := s.Update(func(tx *Txn) error { return tx.Erase(whole, 12) }); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Txn) error {
		b, err := tx.get(cat(prefixScrub, []byte("r")))
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &note)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !note.Whole || !bytes.Contains(bytes.Join(note.keys(), []byte(" ")), []byte("r-identity-1")) {
		t.Errorf("the whole erasure's note dropped the earlier class's: %+v", note)
	}
}
