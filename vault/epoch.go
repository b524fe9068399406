package vault

import (
	"errors"
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// Audit actions that store a class's keys; their entries name the digest of
// the signed epoch they stored, and store's log/epoch pointer leads to the
// latest one for each epoch.
const (
	actionRotate = "keys-rotate"
	actionSync   = "keys-sync"
)

// epochAnchor works out what the vault vouches epoch number of a class,
// stored as raw, must be. An epoch with an entry pointer was stored by
// 'keys rotate' or 'keys sync': the entry must be that operation on that
// class, signed, naming the digest of exactly raw, by a member who held the
// class under the policy in force then. Epoch 1 without one was made at
// init, signed by the vault's creator (whose key the vault id commits to)
// under policy version 1. Any other epoch is refused rather than trusted.
func (v *Vault) epochAnchor(t *store.Txn, class string, number int, raw []byte) (keys.Anchor, error) {
	seq, err := t.EpochEntry(class, number)
	if errors.Is(err, store.ErrNotFound) {
		if number != 1 {
			return keys.Anchor{}, integrityErrorf("keys of class %q epoch %d have no keys-rotate entry in the audit log: they were not made by 'tvault keys rotate'", class, number)
		}
		pol, err := v.policyAt(1)
		if err != nil {
			return keys.Anchor{}, err
		}
		if !hasClass(pol, class) {
			return keys.Anchor{}, integrityErrorf("keys of class %q epoch 1 have no keys-rotate entry in the audit log", class)
		}
		return keys.Anchor{Signer: v.creator.name, Key: v.creator.key, PolicyVersion: 1, Policy: pol}, nil
	}
	if err != nil {
		return keys.Anchor{}, err
	}
	e, err := v.epochEntry(t, class, number, seq, raw)
	if err != nil {
		return keys.Anchor{}, err
	}
	ver := v.versionInForce(seq)
	pol, err := v.policyAt(ver)
	if err != nil {
		return keys.Anchor{}, err
	}
	if !holdsClass(pol, class, e.Actor, e.ActorKey) || e.Action == actionRotate && !pol.May(e.Actor, policy.ActionKeys) {
		return keys.Anchor{}, integrityErrorf("keys of class %q epoch %d were stored by %q, who did not hold the class (or, to rotate it, the keys action) under policy version %d", class, number, e.Actor, ver)
	}
	return keys.Anchor{Signer: e.Actor, Key: record.SignerKey(e.ActorKey), PolicyVersion: ver, Policy: pol,
		Synced: e.Action == actionSync, Policies: v.policyAt}, nil
}

// epochEntry reads the audit entry at seq and checks that it stored epoch
// number of class as raw: a successful keys-rotate (which must be for an
// epoch after 1, or epoch 1 of a class added after init) or keys-sync of
// that class, naming raw's digest, with a valid signature.
func (v *Vault) epochEntry(t *store.Txn, class string, number int, seq int64, raw []byte) (audit.Entry, error) {
	subject := fmt.Sprintf("keys of class %q epoch %d", class, number)
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, integrityErrorf("%s: their audit entry %d is missing from the audit log", subject, seq)
	}
	if err != nil {
		return audit.Entry{}, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return audit.Entry{}, integrityErrorf("%s: their audit entry %d is malformed", subject, seq)
	}
	if e.Action != actionRotate && e.Action != actionSync || e.Outcome != audit.OutcomeOK || e.Class != class || e.Seq != seq {
		return audit.Entry{}, integrityErrorf("%s: audit entry %d is not the entry that stored them", subject, seq)
	}
	if e.Digest != audit.Digest(raw) {
		return audit.Entry{}, integrityErrorf("%s are not the ones their %s entry %d names: they were rewritten", subject, e.Action, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return audit.Entry{}, integrityErrorf("%s: their audit entry %d: %v", subject, seq, err)
	}
	return e, nil
}

// loadEpoch reads epoch number of a class and checks it against its anchor.
func (v *Vault) loadEpoch(t *store.Txn, class string, number int) (*keys.Epoch, error) {
	raw, err := t.Epoch(class, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, integrityErrorf("keys of class %q epoch %d are missing", class, number)
	}
	if err != nil {
		return nil, err
	}
	anchor, err := v.epochAnchor(t, class, number, raw)
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
		es, err := v.epochNumbers(t, class)
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
// first. A class of the first policy without any is damage; one added
// later has none until a holder makes them (NoKeysError).
func (v *Vault) epochNumbers(t *store.Txn, class string) ([]int, error) {
	es, err := t.Epochs(class)
	if err != nil || len(es) > 0 {
		return es, err
	}
	if first, err := v.policyAt(1); err == nil && hasClass(first, class) {
		return nil, integrityErrorf("class %q has no keys", class)
	}
	return nil, &NoKeysError{Class: class}
}

// NoKeysError is returned when a class the policy added has no keys yet:
// nothing can be sealed to it until a holder runs keys rotate.
type NoKeysError struct{ Class string }

func (e *NoKeysError) Error() string {
	return fmt.Sprintf("class %q has no keys yet: a holder of the class must make them with 'tvault keys rotate --class %s'", e.Class, e.Class)
}

func hasClass(pol *policy.Policy, class string) bool {
	_, ok := pol.Classes[class]
	return ok
}

// holdsClass reports whether the member called name, with the signing key
// key (as audit entries give it), holds class under pol.
func holdsClass(pol *policy.Policy, class, name, key string) bool {
	for _, m := range pol.Holders(class) {
		if m.Name == name && tcrypto.FormatSigningKey(m.SigningPublicKey) == key {
			return true
		}
	}
	return false
}
