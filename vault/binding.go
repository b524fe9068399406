package vault

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// A record is bound to the audit entry that sealed it. The seal entry,
// signed by the sealer and kept in the Merkle log, names the SHA-256 of the
// stored, signed header (its digest) and carries the header's sealing time
// exactly. A header is never rewritten: someone with write access to the
// vault folder and a key of their own who re-signs a header (to widen its
// consent, backdate it, or claim another researcher's record) produces
// bytes that no longer hash to the digest in the entry, and cannot write a
// new seal entry in the sealer's name. store's log/seal/<id> says which
// entry sealed a record; it is only a pointer: the entry itself must name
// the record and be a successful seal by the header's sealer.

// legacySealWindow bounds, for a record sealed before format 3 (whose seal
// entry has no digest), how much later than the header's sealing time its
// entry was written: then the header was signed before its attachments
// were stored, and the entry at the commit that followed.
const legacySealWindow = 24 * time.Hour

// sealEntry reads the audit entry that sealed record id and checks that
// it is one: a successful seal of that record.
func (v *Vault) sealEntry(t *store.Txn, id string) (audit.Entry, error) {
	seq, err := t.SealEntry(id)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("record %s has no seal entry in the audit log: it was not sealed here", id)
	}
	if err != nil {
		return audit.Entry{}, err
	}
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("record %s: its seal entry %d is missing from the audit log", id, seq)
	}
	if err != nil {
		return audit.Entry{}, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return audit.Entry{}, integrityErrorf("record %s: its seal entry %d is malformed", id, seq)
	}
	if e.Action != "seal" || e.Outcome != audit.OutcomeOK || e.Record != id || e.Seq != seq {
		return audit.Entry{}, integrityErrorf("record %s: audit entry %d is not the entry that sealed it", id, seq)
	}
	return e, nil
}

// checkBinding checks header h, stored as raw, against its seal entry e:
// the same sealer and key, the digest of exactly these bytes, the same
// sealing time. It does not verify e's signature (its callers do; list
// verifies many in a batch).
func (v *Vault) checkBinding(h *record.Header, raw []byte, e *audit.Entry) error {
	if e.Actor != h.SealedBy || e.ActorKey != h.SealerKey {
		return integrityErrorf("record %s: its header names %q as sealer, but %q sealed it (audit entry %d): the header was rewritten", h.ID, h.SealedBy, e.Actor, e.Seq)
	}
	if err := v.entitledAt(h, e.Seq); err != nil {
		return err
	}
	if !v.origin.created.IsZero() && h.SealedAt.Before(v.origin.created) {
		return integrityErrorf("record %s says it was sealed at %s, before the vault was created (%s)", h.ID, formatTime(h.SealedAt), formatTime(v.origin.created))
	}
	if e.Digest == "" {
		if e.Seq >= v.origin.digestsFrom {
			return integrityErrorf("record %s: its seal entry %d does not name its header", h.ID, e.Seq)
		}
		if lag := e.Time.Sub(h.SealedAt); lag < 0 || lag > legacySealWindow {
			return integrityErrorf("record %s: its header's sealing time %s disagrees with its seal entry %d (%s)", h.ID, formatTime(h.SealedAt), e.Seq, formatTime(e.Time))
		}
		return nil
	}
	if e.Digest != audit.Digest(raw) {
		return integrityErrorf("record %s: its header is not the one its seal entry %d names: it was rewritten after sealing", h.ID, e.Seq)
	}
	if !e.Time.Equal(h.SealedAt) {
		return integrityErrorf("record %s: its header's sealing time %s disagrees with its seal entry %d (%s)", h.ID, formatTime(h.SealedAt), e.Seq, formatTime(e.Time))
	}
	return nil
}

// bindHeader checks everything that makes header h, stored as raw, a
// record of this vault short of signatures: its vault, that its sealer
// was entitled, and that it is the header its seal entry names; and
// returns that entry. Its caller verifies the entry's signature (show,
// open, cat), leaves it to the pass over the whole log (check), or
// batches it (list). pols caches the policy versions read.
func (v *Vault) bindHeader(t *store.Txn, h *record.Header, raw []byte, pols map[int64]*policy.Policy) (audit.Entry, error) {
	if h.Vault != v.recordsVault() {
		return audit.Entry{}, integrityErrorf("record %s belongs to another vault", h.ID)
	}
	// The signature only proves the header is whole; that its signer was a
	// member allowed to seal is what makes it a record. Slot recipients are
	// public, so without this anyone who can write to the vault directory
	// could forge one; and without the binding, any member who may seal
	// could rewrite one.
	if err := v.entitled(t, h, pols); err != nil {
		return audit.Entry{}, err
	}
	if _, err := t.SealEntry(h.ID); errors.Is(err, store.ErrNotFound) {
		return v.importBinding(t, h, raw)
	}
	e, err := v.sealEntry(t, h.ID)
	if err != nil {
		return e, err
	}
	return e, v.checkBinding(h, raw, &e)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// entitled reports whether the sealer h names was a member allowed to seal
// under the policy version h names, with the key h names. pols caches the
// policy versions already read.
func (v *Vault) entitled(t *store.Txn, h *record.Header, pols map[int64]*policy.Policy) error {
	pol, ok := pols[h.PolicyVersion]
	if !ok {
		if h.PolicyVersion < 1 || h.PolicyVersion > v.polVer {
			return integrityErrorf("record %s names policy version %d, which does not exist", h.ID, h.PolicyVersion)
		}
		var err error
		if pol, err = v.policyAt(h.PolicyVersion); err != nil {
			return err
		}
		pols[h.PolicyVersion] = pol
	}
	m, ok := pol.Member(h.SealedBy)
	if !ok || !record.SignerKey(h.SealerKey).Equal(m.SigningPublicKey) || !pol.May(m.Name, policy.ActionSeal) {
		return integrityErrorf("record %s was signed by %q, who was not allowed to seal under policy version %d", h.ID, h.SealedBy, h.PolicyVersion)
	}
	return nil
}

// entitledAt checks the sealer of h against the policy version in force
// when its seal entry seq was appended (policy apply changes it): a header
// that names an older version, under which its signer could still seal, is
// refused once a later version has removed that right; one that names a
// version not yet in force is refused too.
func (v *Vault) entitledAt(h *record.Header, seq int64) error {
	ver := v.versionInForce(seq)
	if h.PolicyVersion > ver {
		return integrityErrorf("record %s names policy version %d, which was not in force when it was sealed (audit entry %d, version %d)", h.ID, h.PolicyVersion, seq, ver)
	}
	if ver == h.PolicyVersion {
		return nil // entitled checked it
	}
	pol, err := v.policyAt(ver)
	if err != nil {
		return err
	}
	m, ok := pol.Member(h.SealedBy)
	if !ok || !record.SignerKey(h.SealerKey).Equal(m.SigningPublicKey) || !pol.May(m.Name, policy.ActionSeal) {
		return integrityErrorf("record %s was sealed by %q in audit entry %d, when policy version %d did not allow them to seal", h.ID, h.SealedBy, seq, ver)
	}
	return nil
}

// DamagedRecordsError is returned by List with the records it found: the
// ids of records it left out because their headers failed verification
// (see check for why). It is an ErrIntegrity.
type DamagedRecordsError struct {
	IDs []string
}

func (e *DamagedRecordsError) Error() string {
	ids := e.IDs
	more := ""
	if len(ids) > 5 {
		ids, more = ids[:5], fmt.Sprintf(" and %d more", len(e.IDs)-5)
	}
	return fmt.Sprintf("record %s%s failed verification and %s not listed: run 'tvault check' to see why",
		strings.Join(ids, ", "), more, map[bool]string{true: "is", false: "are"}[len(e.IDs) == 1])
}

func (e *DamagedRecordsError) Unwrap() error { return ErrIntegrity }
