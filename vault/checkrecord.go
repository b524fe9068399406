package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// inlineOverhead bounds what Badger adds to an inline blob's reported size
// (its value-log entry header, key and checksum).
const inlineOverhead = 256

func (c *checker) checkEpochs(t *store.Txn) error {
	for _, class := range c.v.pol.ClassNames() {
		es, err := t.Epochs(class)
		if err != nil {
			if err := c.finding("class "+class, err); err != nil {
				return err
			}
			continue
		}
		if len(es) == 0 {
			var nk *NoKeysError
			if _, err := c.v.epochNumbers(t, class); errors.As(err, &nk) {
				c.notef("class "+class, "has no keys yet: a holder must run 'tvault keys rotate --class %s'", class)
			} else if err := c.finding("class "+class, err); err != nil {
				return err
			}
		}
		for i, e := range es {
			if e != i+1 {
				c.errorf("class "+class, "epoch %d is missing", i+1)
				break
			}
			if _, err := c.v.loadEpoch(t, class, e); err != nil {
				if err := c.finding("class "+class, err); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkRotations checks that what every keys-rotate entry of the log
// stored is still in the store: an epoch whose pointer names the entry, or
// a slot offer (pending, or carried in an epoch's slot) whose digest the
// entry names. Someone with the vault folder who deleted a class's newest
// keys would otherwise have new records sealed to the previous epoch,
// which a removed holder still holds.
func (c *checker) checkRotations(t *store.Txn, rotations map[string][]audit.Entry) error {
	if c.v.field != nil {
		return nil // its keys are the kit's
	}
	for _, class := range sortedKeys(rotations) {
		seqs, digests, err := storedRotations(t, class)
		if err != nil {
			return err
		}
		for _, e := range rotations[class] {
			if !seqs[e.Seq] && !digests[e.Digest] {
				c.errorf("class "+class, "audit entry %d stored keys that are no longer in the store: keys were removed", e.Seq)
			}
		}
	}
	return nil
}

// storedRotations returns, for class, the seqs of the keys-rotate entries
// its stored epochs point to, and the digests of the slot offers it holds,
// pending or carried in its epochs' slots.
func storedRotations(t *store.Txn, class string) (map[int64]bool, map[string]bool, error) {
	seqs, digests := map[int64]bool{}, map[string]bool{}
	es, err := t.Epochs(class)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range append(es, len(es)+1) {
		if seq, err := t.EpochEntry(class, n); err == nil {
			seqs[seq] = true
		}
		if raw, err := t.Epoch(class, n); err == nil {
			if e, err := record.DecodeEpoch(raw, class, n); err == nil {
				for _, s := range e.Slots {
					if len(s.Offer) > 0 {
						digests[audit.Digest(s.Offer)] = true
					}
				}
			}
		}
		offers, err := t.Offers(class, n)
		if err != nil {
			return nil, nil, err
		}
		for _, raw := range offers {
			digests[audit.Digest(raw)] = true
		}
	}
	return seqs, digests, nil
}

// checkGrants checks that every grant the audit log records (its
// keys-sync entries, by seq) is still stored: someone who deleted the grant
// that gave them a class, and later lost it, would drop out of keys status
// while keeping the slot key they unwrapped.
func (c *checker) checkGrants(t *store.Txn, syncs map[int64]string) error {
	stored := map[int64]bool{}
	for _, class := range c.v.pol.ClassNames() {
		es, err := t.Epochs(class)
		if err != nil {
			return err
		}
		for _, n := range es {
			gs, err := t.Grants(class, n)
			if err != nil {
				return err
			}
			for _, g := range gs {
				stored[g.Seq] = true
			}
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(syncs)) {
		if class := syncs[seq]; !stored[seq] {
			c.errorf("class "+class, "audit entry %d gave members its keys, but its key grant is missing: it was removed", seq)
		}
	}
	return nil
}

// checkRecord verifies one record: its header, each part's DEK wrap
// against its epoch, and that every blob it names is stored in the right
// place with the right size. A finding is recorded for what is wrong; an
// error is returned only when the check could not run.
func (c *checker) checkRecord(t *store.Txn, id string, raw []byte) error {
	c.rep.Records++
	c.present[id] = true
	subject := "record " + id
	if !record.ValidID(id) {
		c.errorf(subject, "malformed record id")
		return nil
	}
	// The seal entry's signature is verified with every other entry's by
	// checkLog, in batches.
	h, _, err := c.v.verifyHeader(t, id, raw, false)
	if err != nil {
		return c.finding(subject, err)
	}
	c.verified = append(c.verified, id)
	c.index.add(indexEntries(h))
	marks, err := c.erasedParts(t, h)
	if err != nil {
		return c.finding(subject, err)
	}
	for _, p := range h.Parts {
		if _, gone := marks[p.Class]; gone {
			continue
		}
		if err := c.checkWrap(t, h, p); err != nil {
			return err
		}
		for _, ref := range p.Refs() {
			c.referenced[ref.ID] = true
			c.checkStored(subject, ref)
		}
	}
	return nil
}

// checkWrap checks that a part's DEK wrap exists and matches its epoch.
func (c *checker) checkWrap(t *store.Txn, h *record.Header, p record.Part) error {
	subject := "record " + h.ID
	raw, err := t.DEK(h.ID, p.Class)
	if errors.Is(err, store.ErrNotFound) {
		c.errorf(subject, "the key of class %s is missing", p.Class)
		return nil
	}
	if err != nil {
		return c.finding(subject, err)
	}
	w, err := record.DecodeDEKWrap(raw, h.ID, p.Class)
	if err != nil {
		return c.finding(subject, err)
	}
	e, err := c.epoch(t, p.Class, w.Epoch)
	if err != nil {
		return c.finding(subject, err)
	}
	if !e.Fits(w) {
		c.errorf(subject, "the key of class %s does not match its epoch %d", p.Class, w.Epoch)
	}
	return nil
}

// epoch loads an epoch once per check, not once per record: loading one
// decodes and verifies its signed slots and anchor, which was half the
// time of a check (one read transaction: the epochs cannot change).
func (c *checker) epoch(t *store.Txn, class string, number int) (*keys.Epoch, error) {
	k := epochKey{class, number}
	if r, ok := c.epochs[k]; ok {
		return r.e, r.err
	}
	e, err := c.v.loadEpoch(t, class, number)
	c.epochs[k] = loadedEpoch{e, err}
	return e, err
}

type epochKey struct {
	class  string
	number int
}

type loadedEpoch struct {
	e   *keys.Epoch
	err error
}

// checkStored compares a blob reference with what is stored under its id.
func (c *checker) checkStored(subject string, ref record.BlobRef) {
	b, ok := c.blobs[ref.ID]
	switch {
	case !ok || b.inline != store.Inline(ref.Size):
		c.errorf(subject, "blob %s is missing", ref.ID)
	case !b.inline && b.size != ref.Size:
		c.errorf(subject, "blob %s holds %d bytes, want %d", ref.ID, b.size, ref.Size)
	case b.inline && (b.size < ref.Size || b.size > ref.Size+inlineOverhead):
		c.errorf(subject, "blob %s holds about %d bytes, want %d", ref.ID, b.size, ref.Size)
	}
}

// checkStrayWraps reports DEK wraps of records that have no header.
func (c *checker) checkStrayWraps(t *store.Txn) error {
	return c.finding("keys", t.EachDEK(func(id, class string) error {
		ok, err := t.HasHeader(id)
		if err != nil {
			return err
		}
		if !ok {
			c.errorf("record "+id, "a key of class %s is stored for a record that does not exist", class)
		}
		return nil
	}))
}

// checkIndex compares the index with what the verified headers imply.
func (c *checker) checkIndex(t *store.Txn) error {
	c.index.seal()
	extra := 0
	err := t.EachIndex(func(field, value, id string) error {
		if !c.index.take(indexEntry{field, value, id}) {
			extra++
		}
		return nil
	})
	if err := c.finding("index", err); err != nil {
		return err
	}
	if missing := c.index.missing(); extra > 0 || missing > 0 {
		c.errorf("index", "%d entries point to nothing and %d are missing; 'tvault check --repair' rebuilds it", extra, missing)
	}
	return nil
}

// readRecordData reads every blob of one verified record. A part the
// acting member can decrypt is decrypted whole: its manifest and each
// attachment, whose padding must be zero bytes of exactly the length its
// record's format requires and whose content must match the plaintext hash
// in the manifest (the ciphertext hash is checked on the way). The blobs of
// the other parts, and of every part when hashOnly, are hashed against the
// signed ciphertext hashes. Each damaged blob is a finding.
func (c *checker) readRecordData(h *record.Header, hashOnly bool) error {
	subject := "record " + h.ID
	for _, p := range h.Parts {
		if _, gone := c.erased[h.ID][p.Class]; gone {
			continue
		}
		refs := p.Refs()
		if !hashOnly {
			pa, err := c.accessPart(h, p)
			if err != nil {
				// The manifest (or the key) is reported; the attachments
				// are still hashed.
				if err := c.finding(subject, err); err != nil {
					return err
				}
				refs = p.Blobs
			} else if pa.dek != nil {
				err := c.readPartData(pa)
				forget([]*partAccess{pa})
				if err != nil {
					return err
				}
				continue
			}
		}
		for _, ref := range refs {
			if err := c.finding(subject, c.v.hashBlob(c.ctx, ref)); err != nil {
				return err
			}
		}
	}
	return nil
}

// accessPart works out the acting member's access to one part.
func (c *checker) accessPart(h *record.Header, p record.Part) (pa *partAccess, err error) {
	err = c.v.view(func(t *store.Txn) error {
		pa, err = c.a.access(c.ctx, t, h, p)
		return err
	})
	return pa, err
}

// readPartData decrypts each attachment of a part whose DEK and manifest
// the member holds, checking its padding and plaintext hash.
func (c *checker) readPartData(pa *partAccess) error {
	c.decrypted++
	for i, att := range pa.man.Attachments {
		ph := sha256.New()
		err := c.v.decryptContent(c.ctx, pa.dek, pa.part.Blobs[i], att.Size, pa.padded, ph)
		if err == nil && hex.EncodeToString(ph.Sum(nil)) != att.SHA256 {
			err = integrityErrorf("attachment %s: plaintext does not match its recorded hash", att.Blob)
		}
		if err := c.finding("record "+pa.man.Record, err); err != nil {
			return err
		}
	}
	return nil
}
