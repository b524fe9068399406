package vault

import (
	"errors"
	"fmt"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// header reads and verifies record id's header: its shape, signature,
// vault, that its sealer was entitled, and that it is the header its seal
// entry names.
func (v *Vault) header(t *store.Txn, id string) (*record.Header, error) {
	h, _, err := v.sealedHeader(t, id)
	return h, err
}

// sealedHeader is header, also returning the seal entry.
func (v *Vault) sealedHeader(t *store.Txn, id string) (*record.Header, audit.Entry, error) {
	if !record.ValidID(id) {
		return nil, audit.Entry{}, &InputError{Msg: fmt.Sprintf("%q is not a record id (20 characters a-z and 2-7, as printed by seal or list)", id)}
	}
	// An erased record's header stored again (restored from a copy by
	// someone with the vault folder) is reported by check; nothing reads it.
	if err := wholeErased(t, id); err != nil {
		return nil, audit.Entry{}, err
	}
	raw, err := t.Header(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, audit.Entry{}, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, audit.Entry{}, err
	}
	return v.verifyHeader(t, id, raw, true)
}

// verifyHeader decodes a stored header and checks everything that makes
// it a record of this vault: its signature, its vault, that its sealer was
// entitled, and that it is exactly the header its seal entry names
// (binding.go); with entrySig also its seal entry's signature, which
// check leaves to its batched pass over the whole log.
func (v *Vault) verifyHeader(t *store.Txn, id string, raw []byte, entrySig bool) (*record.Header, audit.Entry, error) {
	h, err := record.DecodeHeader(id, raw)
	if err != nil {
		return nil, audit.Entry{}, err
	}
	e, err := v.bindHeader(t, h, raw, map[int64]*policy.Policy{})
	if err != nil {
		return nil, audit.Entry{}, err
	}
	if entrySig {
		if err := e.VerifySignature(); err != nil {
			return nil, audit.Entry{}, integrityErrorf("record %s: its seal entry %d: %v", h.ID, e.Seq, err)
		}
	}
	return h, e, nil
}

// notFound is the ErrNotFound of a record the store does not hold: it
// says so when the record was erased.
func notFound(t *store.Txn, id string) error {
	if err := wholeErased(t, id); err != nil {
		return err
	}
	return fmt.Errorf("record %s: %w", id, ErrNotFound)
}

// wholeErased returns the ErrNotFound of record id if it was erased whole,
// nil if it was not.
func wholeErased(t *store.Txn, id string) error {
	marks, err := t.Erased(id)
	if err != nil {
		return err
	}
	if seq, ok := marks[""]; ok {
		return erasedError(EraseTarget{ID: id}, seq)
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
