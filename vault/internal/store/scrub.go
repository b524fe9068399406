package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/tvault/tvault/vault/blobs"
)

// ScrubOptions are the caller's parts of a scrub.
type ScrubOptions struct {
	// RemoveBlobs removes the given blobs from wherever the caller stores
	// them beside the database (files, an object store); it must succeed
	// for blobs already removed.
	RemoveBlobs func(ids []string) error
	// Failpoint, if set, is called at named points (the crash tests).
	Failpoint func(name string)
}

func (o ScrubOptions) failpoint(name string) {
	if o.Failpoint != nil {
		o.Failpoint(name)
	}
}

// Scrub removes from the database's files every byte of the erasures not
// yet scrubbed (PendingScrubs), and returns their record ids. No other
// transaction may run meanwhile: it closes and reopens the database.
func (s *Store) Scrub(opts ScrubOptions) ([]string, error) {
	var pending []*Erasure
	var ids []string
	err := s.View(func(t *Txn) error {
		var err error
		if ids, err = t.PendingScrubs(); err != nil {
			return err
		}
		return t.each(prefixScrub, true, func(k, v []byte) error {
			var e Erasure
			if err := json.Unmarshal(v, &e); err != nil || e.ID != string(k) || !e.valid() {
				return fmt.Errorf("pending erasure: %w", ErrCorrupt)
			}
			if live, err := t.stillStored(&e); err != nil || live {
				return errors.Join(err, fmt.Errorf("the pending erasure of record %s names data that is stored: it was planted, or the record restored from a copy (run 'tvault check'): %w", e.ID, ErrCorrupt))
			}
			pending = append(pending, &e)
			return nil
		})
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var ks, notes [][]byte
	for _, e := range pending {
		if opts.RemoveBlobs != nil {
			if err := opts.RemoveBlobs(e.Blobs); err != nil {
				return nil, err
			}
		}
		ks = append(ks, e.keys()...)
		notes = append(notes, cat(prefixScrub, []byte(e.ID)))
	}
	if len(ks) > 0 {
		if err := s.putPlaceholders(ks); err != nil {
			return nil, err
		}
		opts.failpoint("scrub-placeholders")
		// The notes go only once every key they list is gone: a crash in
		// between leaves the notes, and a rerun drops the keys again.
		if err := s.dropPrefixes(ks...); err != nil {
			return nil, err
		}
		opts.failpoint("scrub-after-drop")
		if err := s.dropPrefixes(notes...); err != nil {
			return nil, err
		}
	}
	opts.failpoint("scrub-before-gc")
	if err := s.collectValueLog(opts); err != nil {
		return nil, err
	}
	return ids, s.Update(func(t *Txn) error {
		for _, id := range ids {
			if err := t.del(cat(prefixScrubGC, []byte(id))); err != nil {
				return err
			}
		}
		return nil
	})
}

// collectValueLog rewrites every value-log file that holds a deleted or
// dropped value, so that none of their bytes remain: it reopens the
// database (Badger never collects the file it is writing, and a reopen
// starts a new one), then runs value-log GC with the smallest ratio Badger
// accepts, one file per run, until no file qualifies.
func (s *Store) collectValueLog(opts ScrubOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return wrap("close the database", err)
	}
	db, err := s.reopen()
	if err != nil {
		return err
	}
	s.db = db
	for range maxGCRuns {
		err := db.RunValueLogGC(1e-12)
		opts.failpoint("scrub-gc")
		if errors.Is(err, badger.ErrNoRewrite) {
			return nil
		}
		if err != nil {
			return wrap("rewrite the value log", err)
		}
	}
	return fmt.Errorf("rewrite the value log: still collecting after %d files: %w", maxGCRuns, ErrStorage)
}

// errReopen is the error of every use of a store whose reopen in Scrub
// failed.
var errReopen = fmt.Errorf("the database was closed to remove erased data and could not be opened again: %w", ErrStorage)

// maxGCRuns bounds collectValueLog: one run per value-log file, and a
// vault of 1 TiB has 4,096 of them.
const maxGCRuns = 1 << 16

// placeholderMeta is the user meta of a placeholder key. Badger's
// DropPrefix drops only the prefixes under which a live key exists (its
// filterPrefixesToDrop): an erase has deleted every key it names, so
// without one DropPrefix rewrote nothing, and the deleted values and the
// tombstones (whose keys hold index values) stayed in every table below
// the level the erase's tombstones reached. Scrub therefore first writes an
// empty placeholder at each key or prefix it drops; DropPrefix then
// removes it with every older version and tombstone under it, from every
// table that holds one. Readers never see a placeholder (get, each,
// EachBlob, HasHeader skip it), so a crash before the drop leaves nothing
// visible, and the rerun writes and drops them again.
const placeholderMeta byte = 0x5c

// placeholderBatch bounds the placeholders of one transaction (Badger
// limits a transaction's size).
const placeholderBatch = 4096

// putPlaceholders writes a placeholder at each of ks (see placeholderMeta).
func (s *Store) putPlaceholders(ks [][]byte) error {
	for len(ks) > 0 {
		batch := ks[:min(placeholderBatch, len(ks))]
		ks = ks[len(batch):]
		err := s.Update(func(t *Txn) error {
			for _, k := range batch {
				if err := t.t.SetEntry(badger.NewEntry(k, nil).WithMeta(placeholderMeta)); err != nil {
					return wrap("write", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// valid reports whether every key e names is one an erasure of one record
// can have: a note planted in the store must not make Scrub drop a prefix
// of other records' keys ("rec/" for an empty id, "unm/r/a" for a short
// request id).
func (e *Erasure) valid() bool {
	ok := validID(e.ID)
	for _, c := range e.Classes {
		ok = ok && c != "" && !strings.ContainsAny(c, "/*")
	}
	for _, b := range e.Blobs {
		ok = ok && blobs.ValidID(b)
	}
	for _, r := range e.Requests {
		ok = ok && validID(r)
	}
	// An index key and a list mark end in the record's id: whatever their
	// field, value or member name, they are no other record's prefix.
	return ok
}

// validID reports whether s has the shape of a record (or unmask request)
// id, as vault's record.ValidID: 20 characters a-z and 2-7. The store
// decides no meaning, but it must not drop a shorter prefix.
func validID(s string) bool {
	if len(s) != 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// stillStored reports whether e names a live record: the header of a
// whole erasure, or the wrap of an erased class, stored and not marked
// erased. Erase deletes them and marks them in the transaction that writes
// the note, so such a note was planted, and Scrub must not drop a live
// record's keys on its word. (Data restored from a copy under its erasure
// mark is dropped: the mark and its entry say it was erased.)
func (t *Txn) stillStored(e *Erasure) (bool, error) {
	marks, err := t.Erased(e.ID)
	if err != nil {
		return false, err
	}
	if _, ok := marks[""]; ok {
		return false, nil
	}
	if e.Whole {
		return t.HasHeader(e.ID)
	}
	for _, c := range e.Classes {
		if _, ok := marks[c]; ok {
			continue
		}
		if _, err := t.DEK(e.ID, c); err == nil {
			return true, nil
		} else if !errors.Is(err, ErrNotFound) {
			return false, err
		}
	}
	return false, nil
}
