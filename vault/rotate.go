package vault

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tvault/tvault/policy"

	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/store"
)

// Rotation is what RotateKeys did.
type Rotation struct {
	Class string
	// From is the epoch new records used before (0 for a class that had
	// no keys); To the new one.
	From, To  int
	Threshold int
	// Holders are the members the new epoch is wrapped to, once it is in
	// force; for a threshold class, Awaiting lists the holders who have
	// not offered their slot yet (each runs keys rotate), and the epoch is
	// not in force until they have.
	Holders  []string
	Awaiting []string
}

// RotateKeys starts a new epoch of class: fresh slot keys, wrapped to the
// holders the policy in force names and to no one else, signed by the
// actor in one transaction with its keys-rotate entry (which names the
// digest of the stored keys; epochAnchor checks them against it). Records
// sealed from then on use it; older records stay on their epochs until
// keys rewrap moves them. The same command makes the first keys of a
// class a policy version added.
//
// It takes the keys action and a holder of the class under the policy in
// force: whoever generates slot keys sees them, so an admin who is not a
// holder cannot, and a removed member no longer can.
func (a *Actor) RotateKeys(class string) (*Rotation, error) {
	if err := a.v.notInField("keys rotate"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionRotate, policy.ActionKeys); err != nil {
		return nil, err
	}
	if !hasClass(a.v.pol, class) {
		return nil, &InputError{Msg: fmt.Sprintf("the policy has no class %q: see 'tvault policy show'", class)}
	}
	if !slices.Contains(a.v.pol.Decryptable(a.member.Name), class) {
		return nil, a.deny(actionRotate, "", class, fmt.Sprintf("no role of theirs decrypts class %s: only its holders may make its keys", class))
	}
	var rot *Rotation
	err := a.v.update(func(t *store.Txn) error {
		var err error
		rot, err = a.rotate(t, class)
		return err
	})
	if err != nil {
		return nil, a.failed(actionRotate, "", err)
	}
	return rot, nil
}

func (a *Actor) rotate(t *store.Txn, class string) (*Rotation, error) {
	rot := &Rotation{Class: class, Threshold: a.v.pol.Threshold(class)}
	es, err := a.v.epochNumbers(t, class)
	var nk *NoKeysError
	if err != nil && !errors.As(err, &nk) {
		return nil, err
	}
	if len(es) > 0 {
		rot.From = es[len(es)-1]
		// The newest epoch must be sound: rotating past forged keys would
		// hide them.
		if _, err := a.v.loadEpoch(t, class, rot.From); err != nil {
			return nil, err
		}
	}
	rot.To = rot.From + 1
	// Reading the new epoch's key makes a concurrent rotation of the same
	// class conflict with this one instead of overwriting it.
	if _, err := t.Epoch(class, rot.To); !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("keys of class %q epoch %d appeared while this ran; nothing was changed: run it again", class, rot.To)
	}
	if rot.Threshold > 1 {
		return a.rotateThreshold(t, rot)
	}
	e, err := keys.Generate(a.v.pol, a.v.polVer, class, rot.To)
	if err != nil {
		return nil, err
	}
	return rot, a.putRotation(t, rot, e)
}
