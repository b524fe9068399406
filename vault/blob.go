package vault

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/zeebo/blake3"

	"github.com/tvault/tvault/vault/blobs"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// The blob router: a blob of at most store.InlineLimit bytes lives inside
// the database, committed in the transaction of the record that names it
// (a bulk intake then costs one synced commit per batch of records, not a
// file and an fsync per blob); a larger one lives in the vault's
// blobs.Store, durable before any header names it. Only the size decides,
// so a reader knows where to look from the signed BlobRef alone.

// blobWriter streams one blob to wherever its size sends it. It holds up
// to InlineLimit bytes in memory, then moves to the blob store.
type blobWriter struct {
	ctx   context.Context
	v     *Vault
	id    string
	small []byte
	big   blobs.Writer
}

// newBlobWriter starts blob id; stored is how many bytes it will hold, if
// known (else -1). A blob that will be inline gets a buffer for all of it
// at once, not one grown (and copied) chunk by chunk.
func (v *Vault) newBlobWriter(ctx context.Context, id string, stored int64) *blobWriter {
	w := &blobWriter{ctx: ctx, v: v, id: id}
	if stored >= 0 && stored <= store.InlineLimit {
		w.small = make([]byte, 0, stored)
	}
	return w
}

func (w *blobWriter) Write(p []byte) (int, error) {
	if w.big == nil && len(w.small)+len(p) <= store.InlineLimit {
		if w.small == nil {
			// Start small: most blobs of a bulk intake are a few hundred bytes.
			w.small = make([]byte, 0, len(p))
		}
		w.small = append(w.small, p...)
		return len(p), nil
	}
	if w.big == nil {
		bw, err := w.v.blobs.Create(w.ctx, w.id)
		if err != nil {
			return 0, err
		}
		w.big = bw
		if _, err := bw.Write(w.small); err != nil {
			return 0, err
		}
		w.small = nil
	}
	return w.big.Write(p)
}

// close finishes the blob and returns its reference. An inline blob comes
// back as bytes for the caller to store with Txn.PutBlob beside the header
// that names it; a large one is durable in the blob store when close
// returns.
func (w *blobWriter) close() (ref record.BlobRef, inline []byte, err error) {
	if w.big == nil {
		if w.small == nil {
			w.small = []byte{}
		}
		sum := blake3.Sum256(w.small)
		return record.BlobRef{ID: w.id, Size: int64(len(w.small)), BLAKE3: hex.EncodeToString(sum[:])}, w.small, nil
	}
	info, err := w.big.Commit()
	if err != nil {
		return ref, nil, err
	}
	return record.BlobRef{ID: w.id, Size: info.Size, BLAKE3: hex.EncodeToString(info.BLAKE3[:])}, nil, nil
}

// abort discards whatever the writer stored.
func (w *blobWriter) abort() {
	if w.big != nil {
		w.big.Abort()
	}
	w.small = nil
}

// openBlob opens the blob ref names, checking that it holds exactly the
// signed size.
func (v *Vault) openBlob(ctx context.Context, ref record.BlobRef) (blobs.Reader, error) {
	if !store.Inline(ref.Size) {
		return v.blobs.Open(ctx, ref.ID, ref.Size)
	}
	var b []byte
	err := v.st.View(func(t *store.Txn) (err error) {
		b, err = t.Blob(ref.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("blob %s is missing: %w", ref.ID, blobs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != ref.Size {
		return nil, fmt.Errorf("blob %s has %d bytes, want %d: %w", ref.ID, len(b), ref.Size, blobs.ErrCorrupt)
	}
	return inlineBlob{bytes.NewReader(b)}, nil
}

// inlineBlob is an inline blob opened for reading.
type inlineBlob struct{ *bytes.Reader }

func (inlineBlob) Close() error { return nil }

var _ blobs.Reader = inlineBlob{}

// storedBlob is one blob as check finds it.
type storedBlob struct {
	id      string
	size    int64 // exact for the blob store; Badger's figure for an inline one
	inline  bool
	partial bool // left by an interrupted write: never part of a record
}

// eachBlob calls fn for every stored blob: inline ones, then the blob
// store's. Damage found while listing (a malformed key, a stray file) is
// returned after every blob was visited.
func (v *Vault) eachBlob(ctx context.Context, fn func(storedBlob) error) error {
	var damage error
	err := v.st.View(func(t *store.Txn) (err error) {
		damage, err = t.EachBlob(func(id string, size int64) error {
			return fn(storedBlob{id: id, size: size, inline: true})
		})
		return err
	})
	if err != nil {
		return boundary(err)
	}
	err = v.blobs.List(ctx, func(i blobs.Info) error {
		return fn(storedBlob{id: i.ID, size: i.Size, partial: i.Partial})
	})
	return errors.Join(err, damage)
}

// removeBlobs removes blobs wherever they are stored, and what interrupted
// writes left of them.
func (v *Vault) removeBlobs(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := v.blobs.Remove(ctx, ids...); err != nil {
		return err
	}
	return boundary(v.st.DeleteBlobs(ids...))
}
