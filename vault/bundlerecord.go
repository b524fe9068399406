package vault

import (
	"archive/tar"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/zeebo/blake3"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// importBatch bounds one import transaction, as seal's batches do.
const (
	importBatchRecords = 256
	importBatchInline  = 8 << 20
)

// incoming is one verified record of a bundle, ready to be stored.
type incoming struct {
	h      *record.Header
	raw    []byte
	leaf   []byte
	wraps  map[string][]byte
	inline map[string][]byte
	erased bool // erased here before: not imported again
}

// readRecord reads and checks one record of the bundle; in the writing
// pass it also stores its blobs and queues the rest for commit.
func (im *importer) readRecord(tr *tar.Reader, br record.BundleRecord) error {
	in, present, err := im.readHeader(tr, br)
	if err != nil {
		return err
	}
	h := in.h
	for _, p := range h.Parts {
		_, raw, err := im.next(tr, br.ID+"/dek/"+p.Class, false)
		if err != nil {
			return err
		}
		if err := im.checkWrap(h, p.Class, raw); err != nil {
			return err
		}
		in.wraps[p.Class] = raw
	}
	for _, p := range h.Parts {
		for _, ref := range p.Refs() {
			if err := im.readBlob(tr, in, ref, present); err != nil {
				return err
			}
		}
	}
	if in.erased {
		im.rep.Erased++
		return nil
	}
	if present {
		im.rep.Present++
		return nil
	}
	if !im.write {
		return nil
	}
	im.batch = append(im.batch, in)
	if len(im.batch) >= importBatchRecords || im.inline >= importBatchInline {
		return im.flush()
	}
	return nil
}

// readHeader reads and checks a record's header and its seal entry from
// the field, and says whether the vault holds this record already.
func (im *importer) readHeader(tr *tar.Reader, br record.BundleRecord) (*incoming, bool, error) {
	_, raw, err := im.next(tr, br.ID+"/header", false)
	if err != nil {
		return nil, false, err
	}
	if audit.Digest(raw) != br.Header {
		return nil, false, integrityErrorf("record %s: its header is not the one the bundle's manifest lists", br.ID)
	}
	h, err := record.DecodeHeader(br.ID, raw)
	if err != nil {
		return nil, false, err
	}
	_, leaf, err := im.next(tr, br.ID+"/seal", false)
	if err != nil {
		return nil, false, err
	}
	v := im.a.v
	if h.Vault != v.meta.ID || h.SealedBy != im.m.Sealer || h.SealerKey != im.m.SignerKey {
		return nil, false, integrityErrorf("record %s: its header names another vault or sealer than the bundle", h.ID)
	}
	if err := checkFieldSeal(h, raw, leaf); err != nil {
		return nil, false, err
	}
	present, erased := false, false
	err = v.view(func(t *store.Txn) error {
		if err := v.entitled(t, h, map[int64]*policy.Policy{}); err != nil {
			return err
		}
		marks, err := t.Erased(h.ID)
		if err != nil {
			return err
		}
		if len(marks) > 0 {
			// Erased here (consent withdrawn, say): an old bundle must
			// not bring it back. Its receipt still lists it, so that the
			// field vault purges its copy.
			present, erased = true, true
			return nil
		}
		stored, err := t.Header(h.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil
		case err != nil:
			return err
		case !bytes.Equal(stored, raw):
			return integrityErrorf("record %s: the vault holds another record with this id", h.ID)
		}
		present = true
		return nil
	})
	return &incoming{h: h, raw: raw, leaf: leaf, wraps: map[string][]byte{}, inline: map[string][]byte{}, erased: erased}, present, err
}

// checkWrap checks one DEK wrap: well formed, and on the epoch the kit
// gave for its class, which must be that epoch of this vault.
func (im *importer) checkWrap(h *record.Header, class string, raw []byte) error {
	w, err := record.DecodeDEKWrap(raw, h.ID, class)
	if err != nil {
		return err
	}
	kc, ok := im.kit.Class(class)
	if !ok || w.Epoch != kc.Epoch || w.Threshold != kc.Threshold || len(w.Shares) != len(kc.Slots) {
		return integrityErrorf("record %s: its key of class %s is not wrapped to the keys of the bundle's kit", h.ID, class)
	}
	return im.a.v.view(func(t *store.Txn) error {
		stored, err := t.Epoch(class, kc.Epoch)
		if err != nil || audit.Digest(stored) != kc.EpochDigest {
			return integrityErrorf("record %s: the kit's keys of class %s are not this vault's", h.ID, class)
		}
		return nil
	})
}

// readBlob reads one blob, checking its size and hash against the signed
// header; in the writing pass it stores it (large) or keeps it for the
// batch (inline), unless the vault holds the record already.
func (im *importer) readBlob(tr *tar.Reader, in *incoming, ref record.BlobRef, present bool) error {
	th, _, err := im.next(tr, in.h.ID+"/blob/"+ref.ID, true)
	if err != nil {
		return err
	}
	if th.Size != ref.Size {
		return integrityErrorf("record %s: blob %s has %d bytes, its header says %d", in.h.ID, ref.ID, th.Size, ref.Size)
	}
	var w io.Writer = io.Discard
	var bw *blobWriter
	if im.write && !present {
		bw = im.a.v.newBlobWriter(im.ctx, ref.ID, ref.Size)
		w = bw
	}
	hash := blake3.New()
	if _, err := io.Copy(io.MultiWriter(hash, w), io.LimitReader(tr, ref.Size)); err != nil {
		if bw != nil {
			bw.abort()
		}
		return integrityErrorf("the bundle is damaged: %v", err)
	}
	if hex.EncodeToString(hash.Sum(nil)) != ref.BLAKE3 {
		if bw != nil {
			bw.abort()
		}
		return integrityErrorf("record %s: blob %s is not the one its header names", in.h.ID, ref.ID)
	}
	if bw == nil {
		return nil
	}
	got, inline, err := bw.close()
	if err != nil {
		return err
	}
	if got != ref {
		return integrityErrorf("record %s: blob %s changed while it was stored", in.h.ID, ref.ID)
	}
	if inline != nil {
		in.inline[ref.ID] = inline
		im.inline += len(inline)
	}
	return nil
}

// flush commits the queued records with one bundle-import entry.
func (im *importer) flush() error {
	if len(im.batch) == 0 {
		return nil
	}
	a := im.a
	err := a.v.update(func(t *store.Txn) error {
		e, err := a.appendEntry(t, audit.Entry{Action: actionBundleImport, Outcome: audit.OutcomeOK,
			Detail: fmt.Sprintf("%d records from field vault %s, sealed by %s", len(im.batch), im.m.Field, im.m.Sealer),
			Digest: audit.Digest(im.manifest)})
		if err != nil {
			return err
		}
		if err := t.PutBundle(e.Digest, im.manifest); err != nil {
			return err
		}
		for _, in := range im.batch {
			if err := putIncoming(t, in, e.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	im.rep.Imported += len(im.batch)
	im.batch, im.inline = nil, 0
	return nil
}

func putIncoming(t *store.Txn, in *incoming, seq int64) error {
	for id, b := range in.inline {
		if err := t.PutBlob(id, b); err != nil {
			return err
		}
	}
	for class, w := range in.wraps {
		if err := t.PutDEK(in.h.ID, class, w); err != nil {
			return err
		}
	}
	for _, e := range indexEntries(in.h) {
		if err := t.PutIndex(e.field, e.value, in.h.ID); err != nil {
			return err
		}
	}
	if err := t.PutImported(in.h.ID, in.leaf, seq); err != nil {
		return err
	}
	return t.PutHeader(in.h.ID, in.raw)
}

// kitNotes says what is worth knowing about the bundle's kit: made under
// an older policy version, or with keys a rotation has since replaced
// (the records come in on those keys: keys rewrap moves them).
func (im *importer) kitNotes() []string {
	var notes []string
	v := im.a.v
	if im.kit.PolicyVersion != v.polVer {
		notes = append(notes, fmt.Sprintf("the bundle was made with a kit of policy version %d; version %d is in force: export a new kit for the field", im.kit.PolicyVersion, v.polVer))
	}
	_ = v.view(func(t *store.Txn) error {
		for _, c := range im.kit.Classes {
			es, err := v.epochNumbers(t, c.Class)
			if err == nil && es[len(es)-1] != c.Epoch {
				notes = append(notes, fmt.Sprintf("its records of class %s are on epoch %d, which a rotation replaced: run 'tvault keys rewrap --class %s'", c.Class, c.Epoch, c.Class))
			}
		}
		return nil
	})
	return notes
}
