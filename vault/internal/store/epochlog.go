package store

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// prefixEpochE holds, per class and epoch, the seq of the keys-rotate
// entry that stored the epoch: log/epoch/<class>/<epoch as 4 bytes>.
// prefixGrant holds the grants keys sync added to an epoch, each keyed by
// the seq of its keys-sync entry: grant/<class>/<epoch>/<seq as 8 bytes>.
var (
	prefixEpochE = []byte("log/epoch/")
	prefixGrant  = []byte("grant/")
)

func epochEntryKey(class string, epoch int) []byte {
	return cat(prefixEpochE, []byte(class), []byte("/"), u32(uint32(epoch)))
}

// EpochEntry returns the seq of the keys-rotate entry that stored a
// class's epoch. Like SealEntry it is only a pointer; the caller checks the
// entry. Epoch 1 of a class created at init has none: the init entry
// anchors it.
func (t *Txn) EpochEntry(class string, epoch int) (int64, error) {
	v, err := t.get(epochEntryKey(class, epoch))
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("entry of class %s epoch %d: %w", class, epoch, ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// PutEpochEntry records seq as the audit entry that stored a class's epoch.
func (t *Txn) PutEpochEntry(class string, epoch int, seq int64) error {
	return t.set(epochEntryKey(class, epoch), u64(uint64(seq)))
}

// DEKRecords returns the ids of the records that have a DEK wrap of class,
// in id order. It scans the keys of every wrap (wraps are keyed by record
// first), not their values.
func (t *Txn) DEKRecords(class string) ([]string, error) {
	var ids []string
	err := t.each(prefixDEK, false, func(s, _ []byte) error {
		id, c, ok := strings.Cut(string(s), "/")
		if !ok {
			return fmt.Errorf("dek key: %w", ErrCorrupt)
		}
		if c == class {
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// DeleteEpoch removes a stored epoch and its entry pointer. tvault itself
// never removes keys; the tamper tests use it to play someone with the
// vault folder who does.
func (t *Txn) DeleteEpoch(class string, epoch int) error {
	if err := t.del(epochKey(class, epoch)); err != nil {
		return err
	}
	return t.del(epochEntryKey(class, epoch))
}

func grantPrefix(class string, epoch int) []byte {
	return cat(prefixGrant, []byte(class), []byte("/"), u32(uint32(epoch)), []byte("/"))
}

// PutGrant stores a grant of a class's epoch under the seq of its
// keys-sync entry.
func (t *Txn) PutGrant(class string, epoch int, seq int64, v []byte) error {
	return t.set(cat(grantPrefix(class, epoch), u64(uint64(seq))), v)
}

// StoredGrant is one stored grant and the seq its key names.
type StoredGrant struct {
	Seq int64
	Raw []byte
}

// Grants returns the grants of a class's epoch in the order of their
// entries.
func (t *Txn) Grants(class string, epoch int) ([]StoredGrant, error) {
	var out []StoredGrant
	err := t.each(grantPrefix(class, epoch), true, func(s, v []byte) error {
		if len(s) != 8 {
			return fmt.Errorf("grant key of %d bytes: %w", len(s), ErrCorrupt)
		}
		out = append(out, StoredGrant{Seq: int64(binary.BigEndian.Uint64(s)), Raw: v})
		return nil
	})
	return out, err
}

// DeleteGrant removes a stored grant. tvault itself never removes one; the
// tamper tests use it.
func (t *Txn) DeleteGrant(class string, epoch int, seq int64) error {
	return t.del(cat(grantPrefix(class, epoch), u64(uint64(seq))))
}

// prefixOffer holds the slot offers of a threshold class's epoch being
// made, until every holder has offered one:
// offer/<class>/<epoch as 4 bytes>/<member>.
var prefixOffer = []byte("offer/")

func offerPrefix(class string, epoch int) []byte {
	return cat(prefixOffer, []byte(class), []byte("/"), u32(uint32(epoch)), []byte("/"))
}

// PutOffer stores member's slot offer for a class's epoch.
func (t *Txn) PutOffer(class string, epoch int, member string, v []byte) error {
	return t.set(cat(offerPrefix(class, epoch), []byte(member)), v)
}

// Offers returns the slot offers stored for a class's epoch, by member.
func (t *Txn) Offers(class string, epoch int) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := t.each(offerPrefix(class, epoch), true, func(s, v []byte) error {
		out[string(s)] = v
		return nil
	})
	return out, err
}

// DeleteOffer removes member's slot offer for a class's epoch.
func (t *Txn) DeleteOffer(class string, epoch int, member string) error {
	return t.del(cat(offerPrefix(class, epoch), []byte(member)))
}
