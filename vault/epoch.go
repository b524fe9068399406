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
// the signed epoch (keys-rotate) or grant (keys-sync) they stored. Store's
// log/epoch pointer leads to an epoch's rotation; a grant is keyed by its
// entry's seq.
const (
	actionRotate = "keys-rotate"
	actionSync   = "keys-sync"
)

// epochAnchor works out what the vault vouches epoch number of a class,
// stored as raw, must be. An epoch with an entry pointer was stored by
// 'keys rotate': the entry must be that rotation, signed, naming the digest
// of exactly raw, by a member who held the class and the keys action under
// the policy in force then. Epoch 1 without one was made at init, signed by
// the vault's creator (whose key the vault id commits to) under policy
// version 1. Any other epoch is refused rather than trusted.
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
	subject := fmt.Sprintf("epoch %d of class %q", number, class)
	e, ver, err := v.keysEntry(t, subject, actionRotate, class, seq, raw)
	if err != nil {
		return keys.Anchor{}, err
	}
	pol, err := v.policyAt(ver)
	if err != nil {
		return keys.Anchor{}, err
	}
	return keys.Anchor{Signer: e.Actor, Key: record.SignerKey(e.ActorKey), PolicyVersion: ver, Policy: pol, Rotated: true}, nil
}

// keysEntry reads the audit entry at seq and checks that it stored raw,
// the subject: a successful action (keys-rotate or keys-sync) of class,
// naming raw's digest, with a valid signature, by a member who held the
// class (and, to rotate it, the keys action) under the policy version in
// force then, which it returns.
func (v *Vault) keysEntry(t *store.Txn, subject, action, class string, seq int64, raw []byte) (audit.Entry, int64, error) {
	leaf, err := t.ReadEntry(seq)
	if errors.Is(err, store.ErrNotFound) {
		return audit.Entry{}, 0, integrityErrorf("%s: its audit entry %d is missing from the audit log", subject, seq)
	}
	if err != nil {
		return audit.Entry{}, 0, err
	}
	e, err := audit.ParseLeaf(leaf)
	if err != nil {
		return audit.Entry{}, 0, integrityErrorf("%s: its audit entry %d is malformed", subject, seq)
	}
	if e.Action != action || e.Outcome != audit.OutcomeOK || e.Class != class || e.Seq != seq {
		return audit.Entry{}, 0, integrityErrorf("%s: audit entry %d is not the entry that stored it", subject, seq)
	}
	if e.Digest != audit.Digest(raw) {
		return audit.Entry{}, 0, integrityErrorf("%s is not the one its %s entry %d names: it was rewritten", subject, action, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return audit.Entry{}, 0, integrityErrorf("%s: its audit entry %d: %v", subject, seq, err)
	}
	ver := v.versionInForce(seq)
	pol, err := v.policyAt(ver)
	if err != nil {
		return audit.Entry{}, 0, err
	}
	if !holdsClass(pol, class, e.Actor, e.ActorKey) || action == actionRotate && !pol.May(e.Actor, policy.ActionKeys) {
		return audit.Entry{}, 0, integrityErrorf("%s was stored by %q, who did not hold the class (or, to rotate it, the keys action) under policy version %d", subject, e.Actor, ver)
	}
	return e, ver, nil
}

// addGrants adds to e the wraps of every grant keys sync stored for it,
// each checked against its keys-sync entry: made by a holder, to holders,
// under the policy in force at that entry.
func (v *Vault) addGrants(t *store.Txn, e *keys.Epoch) error {
	grants, err := t.Grants(e.Class, e.Number)
	if err != nil {
		return err
	}
	for _, g := range grants {
		subject := fmt.Sprintf("a key grant of class %q epoch %d", e.Class, e.Number)
		entry, ver, err := v.keysEntry(t, subject, actionSync, e.Class, g.Seq, g.Raw)
		if err != nil {
			return err
		}
		pol, err := v.policyAt(ver)
		if err != nil {
			return err
		}
		if err := e.AddGrant(g.Raw, entry.Actor, record.SignerKey(entry.ActorKey), ver, pol); err != nil {
			return err
		}
	}
	return nil
}

// loadEpoch reads epoch number of a class and checks it against its
// anchor, with the grants keys sync added to it.
func (v *Vault) loadEpoch(t *store.Txn, class string, number int) (*keys.Epoch, error) {
	if v.field != nil {
		if e := v.field.epochs[class]; e != nil && e.Number == number {
			return e, nil
		}
		return nil, integrityErrorf("keys of class %q epoch %d are not the seal kit's", class, number)
	}
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
	e, err := keys.Load(raw, class, number, anchor)
	if err != nil {
		return nil, err
	}
	return e, v.addGrants(t, e)
}

// currentEpochs loads the newest epoch of every class of the policy in
// force: the keys new records are sealed to. A class the policy added that
// has no keys yet is left out (sealing a form with it says so), so that
// it does not stop forms without it.
func (v *Vault) currentEpochs(t *store.Txn) (map[string]*keys.Epoch, error) {
	out := map[string]*keys.Epoch{}
	for _, class := range v.pol.ClassNames() {
		es, err := v.epochNumbers(t, class)
		var nk *NoKeysError
		if errors.As(err, &nk) {
			continue
		}
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
	if v.field != nil {
		if e := v.field.epochs[class]; e != nil {
			return []int{e.Number}, nil
		}
		return nil, integrityErrorf("the seal kit has no keys of class %q", class)
	}
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
