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
