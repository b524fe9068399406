package vault

import (
	"errors"
	"fmt"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// header reads and verifies record id's header: its shape, signature,
// vault, and that its sealer was entitled.
func (v *Vault) header(t *store.Txn, id string) (*record.Header, error) {
	if !record.ValidID(id) {
		return nil, &InputError{Msg: fmt.Sprintf("%q is not a record id (20 characters a-z and 2-7, as printed by seal or list)", id)}
	}
	raw, err := t.Header(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return v.verifyHeader(t, id, raw)
}

// verifyHeader decodes a stored header and checks that it belongs to this
// vault and that its sealer was entitled.
func (v *Vault) verifyHeader(t *store.Txn, id string, raw []byte) (*record.Header, error) {
	h, err := record.DecodeHeader(id, raw)
	if err != nil {
		return nil, err
	}
	if h.Vault != v.meta.ID {
		return nil, integrityErrorf("record %s belongs to another vault", id)
	}
	// The signature only proves the header is whole; that its signer was a
	// member allowed to seal is what makes it a record. Slot recipients are
	// public, so without this anyone who can write to the vault directory
	// could forge one.
	if err := v.verifySealer(t, h); err != nil {
		return nil, err
	}
	return h, nil
}

// verifySealer checks that the header's sealer was a member allowed to seal
// under the policy version the header names, with the key it signed with.
func (v *Vault) verifySealer(t *store.Txn, h *record.Header) error {
	if h.PolicyVersion < 1 || h.PolicyVersion > v.polVer {
		return integrityErrorf("record %s names policy version %d, which does not exist", h.ID, h.PolicyVersion)
	}
	pol, err := v.policyAt(t, h.PolicyVersion)
	if err != nil {
		return err
	}
	m, ok := pol.Member(h.SealedBy)
	if !ok || !record.SignerKey(h.SealerKey).Equal(m.SigningPublicKey) || !pol.May(m.Name, policy.ActionSeal) {
		return integrityErrorf("record %s was signed by %q, who was not allowed to seal under policy version %d", h.ID, h.SealedBy, h.PolicyVersion)
	}
	return nil
}

// partOf returns the record's part of class, or ErrNotFound naming the
// classes it has.
func partOf(h *record.Header, class string) (record.Part, error) {
	p, ok := h.Part(class)
	if !ok {
		return p, fmt.Errorf("record %s has no class %s (it has: %s): %w", h.ID, class, joinComma(h.Classes()), ErrNotFound)
	}
	return p, nil
}
