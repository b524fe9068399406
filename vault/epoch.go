package vault

import (
	"errors"

	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/store"
)

// epochAnchor is what the vault vouches epoch number of a class must be.
// Today that is epoch 1, signed by the vault's creator (whose key the vault
// id commits to) under policy version 1. Rotation (epochs after 1) comes
// with the key-lifecycle work, which must anchor new epochs in the audit
// log; until then any other epoch is refused rather than trusted.
func (v *Vault) epochAnchor(t *store.Txn, class string, number int) (keys.Anchor, error) {
	if number != 1 {
		return keys.Anchor{}, integrityErrorf("keys of class %q epoch %d: key rotation is not supported by this tvault version", class, number)
	}
	pol, err := v.policyAt(1)
	if err != nil {
		return keys.Anchor{}, err
	}
	return keys.Anchor{Signer: v.creator.name, Key: v.creator.key, PolicyVersion: 1, Policy: pol}, nil
}

// loadEpoch reads epoch number of a class and checks it against its anchor.
func (v *Vault) loadEpoch(t *store.Txn, class string, number int) (*keys.Epoch, error) {
	anchor, err := v.epochAnchor(t, class, number)
	if err != nil {
		return nil, err
	}
	raw, err := t.Epoch(class, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, integrityErrorf("keys of class %q epoch %d are missing", class, number)
	}
	if err != nil {
		return nil, err
	}
	return keys.Load(raw, class, number, anchor)
}

// currentEpochs loads the newest epoch of every class of the policy in
// force: the keys new records are sealed to.
func (v *Vault) currentEpochs(t *store.Txn) (map[string]*keys.Epoch, error) {
	out := map[string]*keys.Epoch{}
	for _, class := range v.pol.ClassNames() {
		es, err := epochNumbers(t, class)
		if err != nil {
			return nil, err
		}
		if out[class], err = v.loadEpoch(t, class, es[len(es)-1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// epochNumbers returns the numbers of a class's stored epochs, oldest
// first; a class of the policy without any is damage.
func epochNumbers(t *store.Txn, class string) ([]int, error) {
	es, err := t.Epochs(class)
	if err == nil && len(es) == 0 {
		err = integrityErrorf("class %q has no keys", class)
	}
	return es, err
}
