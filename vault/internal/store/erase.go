package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Erasure and legal holds (vault/erase*.go, vault/hold.go):
//
//	erased/<id>/*          seq of the erase entry that erased record id whole
//	erased/<id>/<class>    seq of the erase entry that erased one class of it
//	scrub/<id>             what remains to be removed from the files of the
//	                       folder (an Erasure, JSON): written with the erase,
//	                       dropped by Scrub once the keys it lists are gone
//	scrubgc/<id>           empty: the value log still holds erased values
//	hold/<id>              seq of the hold entry that placed a legal hold
//
// A record is erased in two steps. Erase, inside the transaction that
// appends the erase entry, deletes the record's keys (so that nothing
// reads them from then on) and notes what Scrub must remove. Badger keeps a
// deleted value in its table and value-log files until something rewrites
// them, so Scrub then rewrites them: DropPrefix on every key the erasure
// names (the tables holding them are rewritten without them, and the
// memtable is flushed first), then a reopen (which starts a new value-log
// file) and value-log GC until no file with a discarded value is left
// (each such file is rewritten without it and unlinked). A crash anywhere
// leaves scrub/ or scrubgc/ keys that PendingScrubs reports and a later
// Scrub finishes.
var (
	prefixErased  = []byte("erased/")
	prefixScrub   = []byte("scrub/")
	prefixScrubGC = []byte("scrubgc/")
	prefixHold    = []byte("hold/")
	prefixConsent = []byte("consent/")
)

// wholeRecord is the class part of the erased/ key of a record erased
// whole: no class name contains '*'.
const wholeRecord = "*"

// Erasure names what one erase removes from the store.
type Erasure struct {
	ID string `json:"id"`
	// Whole erases the record: its header, every wrap, its index entries,
	// its consent changes; otherwise only the wraps of Classes go.
	Whole   bool     `json:"whole"`
	Classes []string `json:"classes"`
	// Index lists the record's index entries (Whole only), as field and
	// value.
	Index [][2]string `json:"index,omitempty"`
	// Blobs are the ids of the blobs of the erased parts; the inline ones
	// are removed here, the rest by the caller's blob store.
	Blobs []string `json:"blobs"`
	// Requests are the unmask requests for the erased parts.
	Requests []string `json:"requests,omitempty"`
	// ListMarks names the members whose list marks of the record go
	// (Whole only; see PutListCache).
	ListMarks []string `json:"list_marks,omitempty"`
	// Unmarked leaves no erasure mark: a field vault's purge, which its
	// receipt accounts for.
	Unmarked bool `json:"unmarked,omitempty"`
}

// keys returns every key (or key prefix) of the store that holds e's
// bytes: one DropPrefix of all of them removes them. Every one is a whole
// key or ends in '/', so that it is no other key's prefix, except a class's
// DEK key, which the caller makes sure no other class of the record
// extends (vault: checkClassPrefix).
func (e *Erasure) keys() [][]byte {
	var ks [][]byte
	id := []byte(e.ID)
	if e.Whole {
		ks = append(ks, cat(prefixRecord, id), cat(prefixDEK, id, []byte("/")), cat(prefixConsent, id, []byte("/")))
		for _, ix := range e.Index {
			ks = append(ks, cat(indexPrefix(ix[0], ix[1]), id))
		}
		for _, m := range e.ListMarks {
			ks = append(ks, cat(prefixListC, []byte(m), []byte("/"), id))
		}
	} else {
		for _, c := range e.Classes {
			ks = append(ks, dekKey(e.ID, c))
		}
	}
	for _, c := range e.Classes {
		ks = append(ks, contribPrefix(c, e.ID))
	}
	for _, b := range e.Blobs {
		ks = append(ks, cat(prefixBlob, []byte(b), []byte("/")))
	}
	for _, r := range e.Requests {
		ks = append(ks, cat(prefixUnmaskR, []byte(r)), cat(prefixUnmaskG, []byte(r), []byte("/")))
	}
	return ks
}

func erasedKey(id, class string) []byte {
	if class == "" {
		class = wholeRecord
	}
	return cat(prefixErased, []byte(id), []byte("/"), []byte(class))
}

// Erase deletes the keys of e (nothing reads them after the commit), marks
// the record (or each of e.Classes) erased by audit entry seq, and notes
// what Scrub must remove from the files.
func (t *Txn) Erase(e *Erasure, seq int64) error {
	for _, k := range e.keys() {
		if err := t.deletePrefix(k); err != nil {
			return err
		}
	}
	switch {
	case e.Unmarked:
	case e.Whole:
		if err := t.set(erasedKey(e.ID, ""), u64(uint64(seq))); err != nil {
			return err
		}
	default:
		for _, c := range e.Classes {
			if err := t.set(erasedKey(e.ID, c), u64(uint64(seq))); err != nil {
				return err
			}
		}
	}
	note := cat(prefixScrub, []byte(e.ID))
	if old, err := t.get(note); err == nil {
		// An erasure of the record not yet scrubbed (another class in the
		// same batch, or an interrupted run): its note must keep what it
		// names, or its blobs and keys are never scrubbed.
		var prev Erasure
		if err := json.Unmarshal(old, &prev); err != nil {
			return fmt.Errorf("pending erasure: %w", ErrCorrupt)
		}
		e = prev.merge(e)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := t.set(note, b); err != nil {
		return err
	}
	return t.set(cat(prefixScrubGC, []byte(e.ID)), nil)
}

// merge returns the erasure of both e and o (of the same record): what
// Scrub must remove for either.
func (e *Erasure) merge(o *Erasure) *Erasure {
	union := func(a, b []string) []string {
		out := slices.Clone(a)
		for _, s := range b {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	m := &Erasure{ID: o.ID, Whole: e.Whole || o.Whole, Unmarked: e.Unmarked && o.Unmarked,
		Classes: union(e.Classes, o.Classes), Blobs: union(e.Blobs, o.Blobs),
		Requests: union(e.Requests, o.Requests), ListMarks: union(e.ListMarks, o.ListMarks)}
	m.Index = slices.Clone(e.Index)
	for _, ix := range o.Index {
		if !slices.Contains(m.Index, ix) {
			m.Index = append(m.Index, ix)
		}
	}
	return m
}

// deletePrefix deletes key k, or every key under k when k ends in '/'.
func (t *Txn) deletePrefix(k []byte) error {
	if !bytes.HasSuffix(k, []byte("/")) {
		if err := t.del(k); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	}
	var ks [][]byte
	err := t.each(k, false, func(s, _ []byte) error {
		ks = append(ks, cat(k, s))
		return nil
	})
	if err != nil {
		return err
	}
	for _, key := range ks {
		if err := t.del(key); err != nil {
			return err
		}
	}
	return nil
}

// Erased returns the seqs of the erase entries that erased record id, by
// class ("" for the whole record); an empty map if none did.
func (t *Txn) Erased(id string) (map[string]int64, error) {
	out := map[string]int64{}
	err := t.each(cat(prefixErased, []byte(id), []byte("/")), true, func(s, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("erasure of record %s: %w", id, ErrCorrupt)
		}
		class := string(s)
		if class == wholeRecord {
			class = ""
		}
		out[class] = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return out, err
}

// EachErased calls fn for every erasure mark: record id, class ("" for a
// whole record) and the seq of its entry (-1 if malformed).
func (t *Txn) EachErased(fn func(id, class string, seq int64) error) error {
	return t.each(prefixErased, true, func(s, v []byte) error {
		i := bytes.IndexByte(s, '/')
		if i < 0 {
			return fmt.Errorf("erasure key: %w", ErrCorrupt)
		}
		id, class := string(s[:i]), string(s[i+1:])
		if class == wholeRecord {
			class = ""
		}
		seq := int64(-1)
		if len(v) == 8 {
			seq = int64(binary.BigEndian.Uint64(v))
		}
		return fn(id, class, seq)
	})
}

// PendingScrubs returns the ids of the records whose erasure has not yet
// been scrubbed from the files, in id order.
func (t *Txn) PendingScrubs() ([]string, error) {
	var ids []string
	add := func(s, _ []byte) error {
		if id := string(s); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		return nil
	}
	if err := t.each(prefixScrub, false, add); err != nil {
		return nil, err
	}
	if err := t.each(prefixScrubGC, false, add); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// Hold returns the seq of the entry that placed the legal hold on record
// id, or ErrNotFound.
func (t *Txn) Hold(id string) (int64, error) {
	return t.seqAt(cat(prefixHold, []byte(id)), "legal hold of record "+id)
}

// PutHold records a legal hold on record id, placed by entry seq.
func (t *Txn) PutHold(id string, seq int64) error {
	return t.set(cat(prefixHold, []byte(id)), u64(uint64(seq)))
}

// DeleteHold releases the legal hold on record id.
func (t *Txn) DeleteHold(id string) error { return t.del(cat(prefixHold, []byte(id))) }

// EachHold calls fn with every held record and the seq of its hold entry
// (-1 if malformed), in id order.
func (t *Txn) EachHold(fn func(id string, seq int64) error) error {
	return t.each(prefixHold, true, func(s, v []byte) error {
		seq := int64(-1)
		if len(v) == 8 {
			seq = int64(binary.BigEndian.Uint64(v))
		}
		return fn(string(s), seq)
	})
}
