package store

import (
	"errors"
	"testing"
)

// A crash between Scrub's placeholders and its DropPrefix leaves them in
// the database: no reader may see one (review15).
func TestPlaceholdersAreInvisible(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := "aaaaaaaaaaaaaaaaaaaa"
	er := &Erasure{ID: id, Whole: true, Classes: []string{"identity"}, Blobs: []string{"b"},
		Index: [][2]string{{"region", "x/y%z"}}, Requests: []string{"r"}, ListMarks: []string{"m"}}
	if err := s.putPlaceholders(er.keys()); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Txn) error {
		if ok, err := tx.HasHeader(id); ok || err != nil {
			t.Errorf("HasHeader = %v, %v", ok, err)
		}
		if _, err := tx.Header(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Header: %v, want ErrNotFound", err)
		}
		if _, err := tx.DEK(id, "identity"); !errors.Is(err, ErrNotFound) {
			t.Errorf("DEK: %v, want ErrNotFound", err)
		}
		if ids, err := tx.RecordIDs(); len(ids) > 0 || err != nil {
			t.Errorf("RecordIDs = %v, %v", ids, err)
		}
		n := 0
		damage, err := tx.EachBlob(func(string, int64) error { n++; return nil })
		if n > 0 || damage != nil || err != nil {
			t.Errorf("EachBlob: %d blobs, %v, %v", n, damage, err)
		}
		for _, p := range [][]byte{prefixRecord, prefixDEK, prefixIndex, prefixListC, prefixUnmaskR, prefixUnmaskG, prefixContrib, prefixConsent, prefixBlob} {
			if err := tx.each(p, true, func(s, _ []byte) error {
				t.Errorf("each %s sees %q", p, s)
				return nil
			}); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A scrub note planted in the store must not make Scrub drop other
// records' keys: one naming no record (its keys would be "rec/", "dek//")
// is damage, and nothing is dropped (review15).
func TestScrubRefusesPlantedNote(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := "aaaaaaaaaaaaaaaaaaaa"
	err = s.Update(func(tx *Txn) error {
		if err := tx.PutHeader(id, []byte("header")); err != nil {
			return err
		}
		return tx.set(cat(prefixScrub), []byte(`{"id":"","whole":true,"classes":null,"blobs":null}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scrub(ScrubOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Scrub of a planted note: %v, want ErrCorrupt", err)
	}
	if err := s.View(func(tx *Txn) error { _, err := tx.Header(id); return err }); err != nil {
		t.Errorf("another record's header after the scrub: %v", err)
	}
}

// A scrub note planted for a live record (its header and wraps stored)
// must not make the next erase's scrub drop that record (review15).
func TestScrubRefusesNoteOfLiveRecord(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := "aaaaaaaaaaaaaaaaaaaa"
	for _, note := range []string{`{"id":"` + id + `","whole":true,"classes":["identity"],"blobs":null}`,
		`{"id":"` + id + `","whole":false,"classes":["identity"],"blobs":null}`} {
		err = s.Update(func(tx *Txn) error {
			if err := tx.PutHeader(id, []byte("header")); err != nil {
				return err
			}
			if err := tx.PutDEK(id, "identity", []byte("wrap")); err != nil {
				return err
			}
			return tx.set(cat(prefixScrub, []byte(id)), []byte(note))
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Scrub(ScrubOptions{}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Scrub of a note planted for a live record: %v, want ErrCorrupt", err)
		}
		err = s.View(func(tx *Txn) error {
			if _, err := tx.Header(id); err != nil {
				return err
			}
			_, err := tx.DEK(id, "identity")
			return err
		})
		if err != nil {
			t.Errorf("the live record after the scrub: %v", err)
		}
	}
}

// A record erased (marked) whose header was restored before the scrub ran
// is dropped by the scrub: the mark says it was erased.
func TestScrubDropsRestoredUnderMark(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := "aaaaaaaaaaaaaaaaaaaa"
	err = s.Update(func(tx *Txn) error {
		if err := tx.Erase(&Erasure{ID: id, Whole: true, Classes: []string{"identity"}}, 5); err != nil {
			return err
		}
		return tx.PutHeader(id, []byte("restored"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scrub(ScrubOptions{}); err != nil {
		t.Fatalf("Scrub: %v", err)
	}
	if err := s.View(func(tx *Txn) error { _, err := tx.Header(id); return err }); !errors.Is(err, ErrNotFound) {
		t.Errorf("the restored header after the scrub: %v, want ErrNotFound", err)
	}
}
