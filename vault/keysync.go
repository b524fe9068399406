package vault

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// ClassSync is what SyncKeys did for one class.
type ClassSync struct {
	Class string
	Epoch int
	// Granted lists the members the actor wrapped the slot key to.
	Granted []string
	// Pending, when not empty, says why members the policy makes holders
	// still lack keys after this run, and what would give them keys.
	Pending string
	// Lacking lists those members.
	Lacking []string
	// Denied is set when the actor holds no key of the class either.
	Denied bool
}

// SyncKeys wraps the current epoch's slot key of each class the actor
// holds (or only of those named) to every member the policy in force makes
// a holder who lacks it: a new member, or a member's new key. It takes a
// holder: the slot secret is in no one else's reach, so an admin alone
// (who can change the policy) cannot grant a class, and a holder alone
// (who cannot change the policy) can only wrap to members the policy
// names. Each class synced gets a grant, signed by the actor, in one
// transaction with its keys-sync entry, which names the grant's digest
// (addGrants checks it against it). The epoch itself is never rewritten:
// its slots, and the wraps of stale holders, stay as its rotation made them.
//
// A threshold class has one slot per holder, and a DEK split across them:
// a new holder needs slots of their own, from keys rotate and keys rewrap.
// A class the actor holds no keys of (they lack them too) is a denial.
func (a *Actor) SyncKeys(classes []string) ([]ClassSync, error) {
	if err := a.v.notInField("keys sync"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionSync, ""); err != nil {
		return nil, err
	}
	classes, err := a.heldClasses(actionSync, classes, "so they hold no key of it to give")
	if err != nil {
		return nil, err
	}
	var out []ClassSync
	err = a.v.update(func(t *store.Txn) error {
		out = out[:0]
		for _, c := range classes {
			cs, err := a.syncClass(t, c)
			if err != nil {
				return err
			}
			out = append(out, cs)
		}
		return nil
	})
	if err != nil {
		return nil, a.failed(actionSync, "", err)
	}
	for _, cs := range out {
		if cs.Denied {
			return out, a.deny(actionSync, "", cs.Class, cs.Pending)
		}
	}
	return out, nil
}

// syncClass syncs one class inside t.
func (a *Actor) syncClass(t *store.Txn, class string) (ClassSync, error) {
	cs := ClassSync{Class: class}
	es, err := a.v.epochNumbers(t, class)
	var nk *NoKeysError
	if errors.As(err, &nk) {
		cs.Lacking = memberNames(a.v.pol.Holders(class))
		cs.Pending = nk.Error()
		return cs, nil
	}
	if err != nil {
		return cs, err
	}
	cs.Epoch = es[len(es)-1]
	e, err := a.v.loadEpoch(t, class, cs.Epoch)
	if err != nil {
		return cs, err
	}
	_, cs.Lacking = a.v.holderDrift(class, e.Slots)
	if len(cs.Lacking) == 0 {
		return cs, nil
	}
	u, err := e.Unlock(a.id)
	switch {
	case errors.Is(err, keys.ErrThreshold):
		cs.Pending = fmt.Sprintf("class %s has a threshold: each holder has a slot of their own, so new holders need new keys: run 'tvault keys rotate --class %s', then 'tvault keys rewrap --class %s'", class, class, class)
		return cs, nil
	case errors.Is(err, keys.ErrNoSlot):
		cs.Pending = fmt.Sprintf("%s holds no key of class %s epoch %d either: another holder of the class must run 'tvault keys sync'", a.member.Name, class, cs.Epoch)
		cs.Denied = true
		return cs, nil
	case err != nil:
		return cs, err
	}
	var give []policy.Member
	for _, m := range a.v.pol.Holders(class) {
		if slices.Contains(cs.Lacking, m.Name) {
			give = append(give, m)
		}
	}
	g, err := u.Grant(give, a.v.polVer)
	if err != nil || g == nil {
		return cs, err
	}
	raw, err := record.SignGrant(a.id, a.member.Name, g)
	if err != nil {
		return cs, err
	}
	entry, err := a.appendEntry(t, audit.Entry{Action: actionSync, Class: class, Outcome: audit.OutcomeOK,
		Detail: fmt.Sprintf("epoch %d: wrapped to %s", cs.Epoch, strings.Join(cs.Lacking, ", ")), Digest: audit.Digest(raw)})
	if err != nil {
		return cs, err
	}
	if err := t.PutGrant(class, cs.Epoch, entry.Seq, raw); err != nil {
		return cs, err
	}
	cs.Granted, cs.Lacking = cs.Lacking, nil
	return cs, nil
}

// heldClasses returns classes, or every class the actor holds when none is
// named, after checking that each is a class of the policy (an input
// error) that the actor holds (a denial of op, recorded; why says what
// they therefore cannot do).
func (a *Actor) heldClasses(op string, classes []string, why string) ([]string, error) {
	held := a.v.pol.Decryptable(a.member.Name)
	if len(classes) == 0 {
		return held, nil
	}
	for _, c := range classes {
		if !hasClass(a.v.pol, c) {
			return nil, &InputError{Msg: fmt.Sprintf("the policy has no class %q: see 'tvault policy show'", c)}
		}
		if !slices.Contains(held, c) {
			return nil, a.deny(op, "", c, fmt.Sprintf("no role of theirs decrypts class %s, %s", c, why))
		}
	}
	return classes, nil
}
