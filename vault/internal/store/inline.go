package store

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/tvault/tvault/vault/blobs"
)

// InlineLimit is the largest blob kept inside the database, as one value in
// its value log. Larger blobs — recordings, scans — live in a blobs.Store
// (files of their own, or an object store): a gigabyte goes to disk at the
// device's speed, without Badger's copies, and erasing it is an unlink.
const InlineLimit = 1 << 20

// Inline reports whether a blob of size bytes is kept inside the database.
func Inline(size int64) bool { return size <= InlineLimit }

func blobKey(blobID string) []byte { return cat(prefixBlob, []byte(blobID), []byte("/data")) }

// PutBlob stores an inline blob in the transaction, beside the record that
// names it: a small record then costs one synced commit, not one per blob.
func (t *Txn) PutBlob(blobID string, b []byte) error {
	if !blobs.ValidID(blobID) || !Inline(int64(len(b))) {
		return fmt.Errorf("invalid inline blob %q", blobID)
	}
	return t.set(blobKey(blobID), b)
}

// Blob returns an inline blob's bytes; a missing one is ErrNotFound.
func (t *Txn) Blob(blobID string) ([]byte, error) {
	if !blobs.ValidID(blobID) {
		return nil, fmt.Errorf("blob %q: invalid id: %w", blobID, ErrCorrupt)
	}
	return t.get(blobKey(blobID))
}

// EachBlob calls fn for every inline blob with its size as Badger reports
// it (a few bytes over the blob's own). A key that no blob write could
// have made is skipped and returned as damage (wrapping ErrCorrupt) after
// the others.
func (t *Txn) EachBlob(fn func(id string, size int64) error) (damage, err error) {
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = prefixBlob
	it := t.t.NewIterator(opts)
	defer it.Close()
	for it.Seek(prefixBlob); it.ValidForPrefix(prefixBlob); it.Next() {
		if it.Item().UserMeta() == placeholderMeta {
			continue
		}
		k := bytes.TrimPrefix(it.Item().Key(), prefixBlob)
		id, ok := bytes.CutSuffix(k, []byte("/data"))
		if !ok || !blobs.ValidID(string(id)) {
			damage = fmt.Errorf("a blob key is malformed: %w", ErrCorrupt)
			continue
		}
		if err := fn(string(id), it.Item().ValueSize()); err != nil {
			return damage, err
		}
	}
	return damage, nil
}

// DeleteBlobs removes the given inline blobs and rewrites the tables that
// held them, so that their bytes leave the database's files.
func (s *Store) DeleteBlobs(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	ps := make([][]byte, len(ids))
	for i, id := range ids {
		if !blobs.ValidID(id) {
			return fmt.Errorf("invalid blob id %q", id)
		}
		ps[i] = cat(prefixBlob, []byte(id), []byte("/"))
	}
	return s.dropPrefixes(ps...)
}
