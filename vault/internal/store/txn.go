package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"golang.org/x/mod/sumdb/tlog"
)

// Txn is one transaction's typed view of the vault. It is not safe for
// concurrent use.
type Txn struct {
	t *badger.Txn
}

var (
	keyMeta      = []byte("meta/vault")
	prefixPolicy = []byte("pol/")
	prefixEpoch  = []byte("key/")
	prefixRecord = []byte("rec/")
	prefixDEK    = []byte("dek/")
	prefixBlob   = []byte("blob/")
	prefixIndex  = []byte("idx/")
	keyLogSize   = []byte("log/size")
	prefixLogE   = []byte("log/e/")
	prefixLogH   = []byte("log/h/")
	keyLogCkpt   = []byte("log/checkpoint")
	prefixSealE  = []byte("log/seal/")
	prefixPolE   = []byte("log/policy/")
	prefixListC  = []byte("cache/list/")
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func (t *Txn) get(key []byte) ([]byte, error) {
	item, err := t.t.Get(key)
	if err != nil {
		return nil, wrap("read", err)
	}
	if item.UserMeta() == placeholderMeta {
		return nil, ErrNotFound
	}
	v, err := item.ValueCopy(nil)
	return v, wrap("read", err)
}

func (t *Txn) set(key, value []byte) error {
	return wrap("write", t.t.Set(key, value))
}

func (t *Txn) del(key []byte) error {
	return wrap("delete", t.t.Delete(key))
}

// each calls fn for every key under prefix, in key order, with the key's
// suffix after prefix. When values is false, v is nil.
func (t *Txn) each(prefix []byte, values bool, fn func(suffix, v []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = prefix
	it := t.t.NewIterator(opts)
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		if item.UserMeta() == placeholderMeta {
			continue
		}
		var v []byte
		if values {
			var err error
			if v, err = item.ValueCopy(nil); err != nil {
				return wrap("read", err)
			}
		}
		if err := fn(bytes.TrimPrefix(item.KeyCopy(nil), prefix), v); err != nil {
			return err
		}
	}
	return nil
}

// Meta returns the vault metadata, or ErrNotFound for an empty database.
func (t *Txn) Meta() ([]byte, error) { return t.get(keyMeta) }

// SetMeta stores the vault metadata.
func (t *Txn) SetMeta(v []byte) error { return t.set(keyMeta, v) }

// Policy returns the signed policy of the given version.
func (t *Txn) Policy(version int64) ([]byte, error) {
	return t.get(cat(prefixPolicy, u64(uint64(version))))
}

// PutPolicy stores a signed policy version.
func (t *Txn) PutPolicy(version int64, v []byte) error {
	return t.set(cat(prefixPolicy, u64(uint64(version))), v)
}

// PolicyVersions returns every stored policy version in ascending order.
func (t *Txn) PolicyVersions() ([]int64, error) {
	var vs []int64
	err := t.each(prefixPolicy, false, func(s, _ []byte) error {
		if len(s) != 8 {
			return fmt.Errorf("policy key of %d bytes: %w", len(s), ErrCorrupt)
		}
		vs = append(vs, int64(binary.BigEndian.Uint64(s)))
		return nil
	})
	return vs, err
}

func epochKey(class string, epoch int) []byte {
	return cat(prefixEpoch, []byte(class), []byte("/"), u32(uint32(epoch)))
}

// Epoch returns the stored epoch of a class.
func (t *Txn) Epoch(class string, epoch int) ([]byte, error) {
	return t.get(epochKey(class, epoch))
}

// PutEpoch stores an epoch of a class.
func (t *Txn) PutEpoch(class string, epoch int, v []byte) error {
	return t.set(epochKey(class, epoch), v)
}

// Epochs returns the stored epochs of a class in ascending order.
func (t *Txn) Epochs(class string) ([]int, error) {
	var es []int
	err := t.each(cat(prefixEpoch, []byte(class), []byte("/")), false, func(s, _ []byte) error {
		if len(s) != 4 {
			return fmt.Errorf("epoch key of %d bytes: %w", len(s), ErrCorrupt)
		}
		es = append(es, int(binary.BigEndian.Uint32(s)))
		return nil
	})
	return es, err
}

// Header returns the signed header of a record.
func (t *Txn) Header(id string) ([]byte, error) { return t.get(cat(prefixRecord, []byte(id))) }

// PutHeader stores the signed header of a record.
func (t *Txn) PutHeader(id string, v []byte) error { return t.set(cat(prefixRecord, []byte(id)), v) }

// DeleteHeader removes record id's header.
func (t *Txn) DeleteHeader(id string) error { return t.del(cat(prefixRecord, []byte(id))) }

// HasHeader reports whether a record header exists.
func (t *Txn) HasHeader(id string) (bool, error) {
	item, err := t.t.Get(cat(prefixRecord, []byte(id)))
	if err == badger.ErrKeyNotFound || err == nil && item.UserMeta() == placeholderMeta {
		return false, nil
	}
	return err == nil, wrap("read", err)
}

// EachHeader calls fn with every record id and header, in id order.
func (t *Txn) EachHeader(fn func(id string, header []byte) error) error {
	return t.each(prefixRecord, true, func(s, v []byte) error { return fn(string(s), v) })
}

// RecordIDs returns every record id in id order.
func (t *Txn) RecordIDs() ([]string, error) {
	var ids []string
	err := t.each(prefixRecord, false, func(s, _ []byte) error {
		ids = append(ids, string(s))
		return nil
	})
	return ids, err
}

func dekKey(id, class string) []byte {
	return cat(prefixDEK, []byte(id), []byte("/"), []byte(class))
}

// DEK returns the wrapped DEK shares of one class of a record.
func (t *Txn) DEK(id, class string) ([]byte, error) { return t.get(dekKey(id, class)) }

// PutDEK stores the wrapped DEK shares of one class of a record.
func (t *Txn) PutDEK(id, class string, v []byte) error { return t.set(dekKey(id, class), v) }

// EachDEK calls fn for every stored DEK wrap with its record id and class.
func (t *Txn) EachDEK(fn func(id, class string) error) error {
	return t.each(prefixDEK, false, func(s, _ []byte) error {
		id, class, ok := strings.Cut(string(s), "/")
		if !ok {
			return fmt.Errorf("dek key: %w", ErrCorrupt)
		}
		return fn(id, class)
	})
}

func indexPrefix(field, value string) []byte {
	return []byte("idx/" + field + "/" + url.PathEscape(value) + "/")
}

// PutIndex records that record id has value for field.
func (t *Txn) PutIndex(field, value, id string) error {
	return t.set(cat(indexPrefix(field, value), []byte(id)), nil)
}

// DeleteIndex removes one index entry.
func (t *Txn) DeleteIndex(field, value, id string) error {
	return t.del(cat(indexPrefix(field, value), []byte(id)))
}

// IndexIDs returns the ids of the records whose field has value, in id order.
func (t *Txn) IndexIDs(field, value string) ([]string, error) {
	var ids []string
	err := t.each(indexPrefix(field, value), false, func(s, _ []byte) error {
		ids = append(ids, string(s))
		return nil
	})
	return ids, err
}

// IndexRange returns the ids of records whose field value v satisfies
// from <= v < to (byte order; empty to means no upper bound).
func (t *Txn) IndexRange(field, from, to string) ([]string, error) {
	prefix := []byte("idx/" + field + "/")
	var ids []string
	err := t.each(prefix, false, func(s, _ []byte) error {
		i := bytes.LastIndexByte(s, '/')
		if i < 0 {
			return fmt.Errorf("index key: %w", ErrCorrupt)
		}
		v, err := url.PathUnescape(string(s[:i]))
		if err != nil {
			return fmt.Errorf("index key: %w", ErrCorrupt)
		}
		if v >= from && (to == "" || v < to) {
			ids = append(ids, string(s[i+1:]))
		}
		return nil
	})
	return ids, err
}

// EachIndex calls fn for every index entry.
func (t *Txn) EachIndex(fn func(field, value, id string) error) error {
	return t.each(prefixIndex, false, func(s, _ []byte) error {
		parts := strings.Split(string(s), "/")
		if len(parts) != 3 {
			return fmt.Errorf("index key: %w", ErrCorrupt)
		}
		v, err := url.PathUnescape(parts[1])
		if err != nil {
			return fmt.Errorf("index key: %w", ErrCorrupt)
		}
		return fn(parts[0], v, parts[2])
	})
}

// The audit log's storage, implementing audit.Backend.

// Size returns the number of audit entries.
func (t *Txn) Size() (int64, error) {
	v, err := t.get(keyLogSize)
	if err == ErrNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("audit log size: %w", ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// ReadHashes returns the audit tree's stored hashes at the given indexes.
func (t *Txn) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		v, err := t.get(cat(prefixLogH, u64(uint64(idx))))
		if err != nil {
			return nil, fmt.Errorf("audit tree hash %d: %w", idx, err)
		}
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("audit tree hash %d: %w", idx, ErrCorrupt)
		}
		copy(hs[i][:], v)
	}
	return hs, nil
}

// ReadEntry returns audit entry seq.
func (t *Txn) ReadEntry(seq int64) ([]byte, error) {
	return t.get(cat(prefixLogE, u64(uint64(seq))))
}

// Append stores audit entry seq and its stored tree hashes.
func (t *Txn) Append(seq int64, leaf []byte, hashes []tlog.Hash) error {
	if err := t.set(cat(prefixLogE, u64(uint64(seq))), leaf); err != nil {
		return err
	}
	base := tlog.StoredHashIndex(0, seq)
	for i, h := range hashes {
		if err := t.set(cat(prefixLogH, u64(uint64(base+int64(i)))), append([]byte(nil), h[:]...)); err != nil {
			return err
		}
	}
	return t.set(keyLogSize, u64(uint64(seq+1)))
}

// SealEntry returns the seq of the audit entry that sealed record id: the
// entry whose digest binds the record's header to the log.
func (t *Txn) SealEntry(id string) (int64, error) {
	v, err := t.get(cat(prefixSealE, []byte(id)))
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("seal entry of record %s: %w", id, ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// PutSealEntry records seq as the audit entry that sealed record id.
func (t *Txn) PutSealEntry(id string, seq int64) error {
	return t.set(cat(prefixSealE, []byte(id)), u64(uint64(seq)))
}

// PolicyEntry returns the seq of the audit entry that applied policy
// version (after 1): the entry whose digest binds the signed version to the
// log. Like SealEntry it is only a pointer; the caller checks the entry.
func (t *Txn) PolicyEntry(version int64) (int64, error) {
	v, err := t.get(cat(prefixPolE, u64(uint64(version))))
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("policy entry of version %d: %w", version, ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// PutPolicyEntry records seq as the audit entry that applied policy
// version.
func (t *Txn) PutPolicyEntry(version, seq int64) error {
	return t.set(cat(prefixPolE, u64(uint64(version))), u64(uint64(seq)))
}

// EachSealEntry calls fn with every record id that has a seal entry, in id
// order, and the seq stored for it (-1 if the stored value is malformed).
func (t *Txn) EachSealEntry(fn func(id string, seq int64) error) error {
	return t.each(prefixSealE, true, func(s, v []byte) error {
		seq := int64(-1)
		if len(v) == 8 {
			seq = int64(binary.BigEndian.Uint64(v))
		}
		return fn(string(s), seq)
	})
}

// ListCache returns the list verification mark that the member whose
// cache key is named member stored for record id (vault/listcache.go).
func (t *Txn) ListCache(member, id string) ([]byte, error) {
	return t.get(cat(prefixListC, []byte(member), []byte("/"), []byte(id)))
}

// PutListCache stores a list verification mark.
func (t *Txn) PutListCache(member, id string, mark []byte) error {
	return t.set(cat(prefixListC, []byte(member), []byte("/"), []byte(id)), mark)
}

// Checkpoint returns the latest signed checkpoint, or nil if none.
func (t *Txn) Checkpoint() ([]byte, error) {
	v, err := t.get(keyLogCkpt)
	if err == ErrNotFound {
		return nil, nil
	}
	return v, err
}

// SetCheckpoint stores the latest signed checkpoint.
func (t *Txn) SetCheckpoint(note []byte) error { return t.set(keyLogCkpt, note) }
