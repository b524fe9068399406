package store

import (
	"encoding/binary"
	"fmt"
)

// Seal kits and the field. In a vault: kit/<seq> holds each exported kit
// and intake/<seq> the intake key made with it, keyed by the seq of the
// kit-export entry that names the kit's digest. In a field vault:
// field/origin (signed by the researcher, named by the init entry) and
// field/kit, the kit it was made from.
var (
	prefixKit      = []byte("kit/")
	prefixIntake   = []byte("intake/")
	keyFieldOrigin = []byte("field/origin")
	keyFieldKit    = []byte("field/kit")
)

// PutKit stores an exported kit and its intake key under the seq of their
// kit-export entry.
func (t *Txn) PutKit(seq int64, kit, intake []byte) error {
	if err := t.set(cat(prefixKit, u64(uint64(seq))), kit); err != nil {
		return err
	}
	return t.set(cat(prefixIntake, u64(uint64(seq))), intake)
}

// Kit returns the kit and intake key stored under seq.
func (t *Txn) Kit(seq int64) (kit, intake []byte, err error) {
	if kit, err = t.get(cat(prefixKit, u64(uint64(seq)))); err != nil {
		return nil, nil, err
	}
	intake, err = t.get(cat(prefixIntake, u64(uint64(seq))))
	return kit, intake, err
}

// KitEntries returns the seqs of every stored kit, oldest first.
func (t *Txn) KitEntries() ([]int64, error) {
	var seqs []int64
	err := t.each(prefixKit, false, func(s, _ []byte) error {
		if len(s) != 8 {
			return fmt.Errorf("kit key of %d bytes: %w", len(s), ErrCorrupt)
		}
		seqs = append(seqs, int64(binary.BigEndian.Uint64(s)))
		return nil
	})
	return seqs, err
}

// FieldOrigin returns a field vault's signed origin and its kit.
func (t *Txn) FieldOrigin() (origin, kit []byte, err error) {
	if origin, err = t.get(keyFieldOrigin); err != nil {
		return nil, nil, err
	}
	kit, err = t.get(keyFieldKit)
	return origin, kit, err
}

// PutFieldOrigin stores a field vault's signed origin and its kit.
func (t *Txn) PutFieldOrigin(origin, kit []byte) error {
	if err := t.set(keyFieldOrigin, origin); err != nil {
		return err
	}
	return t.set(keyFieldKit, kit)
}

// A record a bundle brought in has no seal entry in this vault's log:
// field/seal/<id> holds its seal entry from the field vault's log (a leaf,
// signed by its researcher), log/import/<id> the seq of the bundle-import
// entry that brought it in, and bundle/<digest> the bundle's signed
// manifest, which that entry names.
var (
	prefixFieldSeal = []byte("field/seal/")
	prefixImportE   = []byte("log/import/")
	prefixBundle    = []byte("bundle/")
)

// PutImported stores what binds an imported record: its field seal entry
// and the seq of its bundle-import entry.
func (t *Txn) PutImported(id string, fieldSeal []byte, seq int64) error {
	if err := t.set(cat(prefixFieldSeal, []byte(id)), fieldSeal); err != nil {
		return err
	}
	return t.set(cat(prefixImportE, []byte(id)), u64(uint64(seq)))
}

// Imported returns an imported record's field seal entry and the seq of
// its bundle-import entry; ErrNotFound for a record sealed here.
func (t *Txn) Imported(id string) (fieldSeal []byte, seq int64, err error) {
	v, err := t.get(cat(prefixImportE, []byte(id)))
	if err != nil {
		return nil, 0, err
	}
	if len(v) != 8 {
		return nil, 0, fmt.Errorf("import entry of record %s: %w", id, ErrCorrupt)
	}
	fieldSeal, err = t.get(cat(prefixFieldSeal, []byte(id)))
	return fieldSeal, int64(binary.BigEndian.Uint64(v)), err
}

// PutBundle stores a bundle's signed manifest under its digest.
func (t *Txn) PutBundle(digest string, manifest []byte) error {
	return t.set(cat(prefixBundle, []byte(digest)), manifest)
}

// Bundle returns the manifest stored under digest.
func (t *Txn) Bundle(digest string) ([]byte, error) {
	return t.get(cat(prefixBundle, []byte(digest)))
}

// DeleteSealEntry removes the seal entry pointer of record id: a field
// vault's purge, whose receipt accounts for the record instead.
func (t *Txn) DeleteSealEntry(id string) error { return t.del(cat(prefixSealE, []byte(id))) }

// prefixReceipt holds, in a field vault, the receipts bundle purge removed
// records by, under their digest: check tells purged records from lost
// ones by them.
var prefixReceipt = []byte("receipt/")

// PutReceipt stores a receipt under its digest.
func (t *Txn) PutReceipt(digest string, receipt []byte) error {
	return t.set(cat(prefixReceipt, []byte(digest)), receipt)
}

// Receipt returns the receipt stored under digest.
func (t *Txn) Receipt(digest string) ([]byte, error) {
	return t.get(cat(prefixReceipt, []byte(digest)))
}
