package vault

import (
	"errors"
	"fmt"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionBundleImport is the audit action of a committed batch of a bundle
// import; its entry names the digest of the bundle's manifest.
const actionBundleImport = "bundle-import"

// importBinding binds header h (stored as raw) of a record a bundle
// brought in, which has no seal entry in this vault's log, and returns the
// bundle-import entry that brought it: that entry names the digest of a
// stored bundle manifest, signed by the header's sealer, which lists this
// exact header; the record's seal entry from the field vault's log, signed
// by the same sealer, names it too, at the header's sealing time; and the
// sealer could seal under the policy in force at the import.
func (v *Vault) importBinding(t *store.Txn, h *record.Header, raw []byte) (audit.Entry, error) {
	leaf, seq, err := t.Imported(h.ID)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("record %s has no seal entry in the audit log: it was not sealed here", h.ID)
	}
	if err != nil {
		return audit.Entry{}, err
	}
	e, err := readEntry(t, seq, "record "+h.ID+": its bundle-import entry")
	if err != nil {
		return e, err
	}
	if e.Action != actionBundleImport || e.Outcome != audit.OutcomeOK || e.Seq != seq || e.Digest == "" {
		return e, integrityErrorf("record %s: audit entry %d is not the entry that imported it", h.ID, seq)
	}
	b, err := v.bundle(t, e.Digest)
	if err != nil {
		return e, fmt.Errorf("record %s: %w", h.ID, err)
	}
	if b.Vault != v.meta.ID || b.Sealer != h.SealedBy || b.SignerKey != h.SealerKey {
		return e, integrityErrorf("record %s: its header names another sealer than the bundle that brought it", h.ID)
	}
	if d, ok := b.Lists(h.ID); !ok || d != audit.Digest(raw) {
		return e, integrityErrorf("record %s: its header is not the one the bundle that brought it lists: it was rewritten after import", h.ID)
	}
	if err := checkFieldSeal(h, raw, leaf); err != nil {
		return e, err
	}
	if !v.origin.created.IsZero() && h.SealedAt.Before(v.origin.created) {
		return e, integrityErrorf("record %s says it was sealed at %s, before the vault was created (%s)", h.ID, formatTime(h.SealedAt), formatTime(v.origin.created))
	}
	return e, v.entitledAt(h, seq)
}

// checkFieldSeal checks the seal entry a field vault's log holds for
// header h (stored as raw): a signed, successful seal of that record by
// its sealer, naming exactly these bytes, at the header's sealing time.
func checkFieldSeal(h *record.Header, raw, leaf []byte) error {
	fe, err := audit.ParseLeaf(leaf)
	if err != nil {
		return integrityErrorf("record %s: its seal entry from the field is malformed", h.ID)
	}
	if fe.Action != "seal" || fe.Outcome != audit.OutcomeOK || fe.Record != h.ID || fe.Actor != h.SealedBy || fe.ActorKey != h.SealerKey {
		return integrityErrorf("record %s: its seal entry from the field is not the entry that sealed it", h.ID)
	}
	if fe.Digest != audit.Digest(raw) || !fe.Time.Equal(h.SealedAt) {
		return integrityErrorf("record %s: its header is not the one its seal entry from the field names", h.ID)
	}
	if err := fe.VerifySignature(); err != nil {
		return integrityErrorf("record %s: its seal entry from the field: %v", h.ID, err)
	}
	return nil
}

// readEntry reads and parses the audit entry at seq; subject names it in
// errors.
func readEntry(t *store.Txn, seq int64, subject string) (audit.Entry, error) {
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("%s %d is missing from the audit log", subject, seq)
	}
	if err != nil {
		return audit.Entry{}, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return audit.Entry{}, integrityErrorf("%s %d is malformed", subject, seq)
	}
	return e, nil
}

// checkImportedHere reports a record sealed in this vault's log that is
// bound to a bundle import instead: someone who sealed it here and then
// forged a bundle to rewrite its header (readers follow a seal entry when
// there is one, so only a deleted pointer makes them follow the import).
func (c *checker) checkImportedHere(t *store.Txn, sealed map[string]int64) error {
	for _, id := range sortedKeys(sealed) {
		_, _, err := t.Imported(id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		c.errorf("record "+id, "was sealed in audit entry %d, but is bound to a bundle import: the import was forged", sealed[id])
	}
	return nil
}

// bundle returns the stored manifest whose digest is digest, verified;
// verified manifests are kept (a digest names one manifest for good), so
// that listing the records of a large bundle decodes it once.
func (v *Vault) bundle(t *store.Txn, digest string) (*record.Bundle, error) {
	if b, ok := v.bundles.Load(digest); ok {
		return b.(*record.Bundle), nil
	}
	raw, err := t.Bundle(digest)
	if errors.Is(err, store.ErrNotFound) || err == nil && audit.Digest(raw) != digest {
		return nil, integrityErrorf("the bundle its import entry names is missing or altered")
	}
	if err != nil {
		return nil, err
	}
	b, err := record.DecodeBundle(raw)
	if err != nil {
		return nil, err
	}
	v.bundles.Store(digest, b)
	return b, nil
}
