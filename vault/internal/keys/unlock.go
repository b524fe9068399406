package keys

import (
	"errors"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// ErrThreshold is returned by Unlocked.OpenDEK and Grant for an epoch of a
// threshold class: its slots are one per holder and its DEKs split across
// them, so neither a single holder's unwrap nor sharing a slot applies.
var ErrThreshold = errors.New("the class has a threshold")

// Unlocked is an epoch of a class with threshold 1 whose slot secret one
// member unwrapped, once: keys rewrap and keys sync use it for many wraps
// without unwrapping the slot secret again for each.
type Unlocked struct {
	e    *Epoch
	slot age.Identity
}

// Unlock unwraps the slot secret of e that id holds. It returns ErrNoSlot
// when id holds none, and ErrThreshold for a threshold epoch.
func (e *Epoch) Unlock(id *tcrypto.Identity) (*Unlocked, error) {
	if e.Threshold != 1 {
		return nil, ErrThreshold
	}
	slots, err := e.unwrapSlots(id)
	if err != nil {
		return nil, err
	}
	sk, ok := slots[0]
	if !ok {
		return nil, ErrNoSlot
	}
	return &Unlocked{e: e, slot: sk}, nil
}

// OpenDEK unwraps the DEK of w, a wrap to the unlocked epoch. The caller
// clears it after use.
func (u *Unlocked) OpenDEK(w *record.DEKWrap) ([]byte, error) {
	e := u.e
	if w.Epoch != e.Number || len(w.Shares) != 1 || w.Threshold != 1 {
		return nil, fault.Integrityf("the key of class %s does not match its epoch %d", e.Class, e.Number)
	}
	dek, err := tcrypto.Unwrap(w.Shares[0], u.slot)
	if err != nil {
		return nil, fault.Integrityf("the key of class %s does not decrypt", e.Class)
	}
	if len(dek) != tcrypto.DEKSize {
		clear(dek)
		return nil, fault.Integrityf("the key of class %s has the wrong size", e.Class)
	}
	return dek, nil
}

// Grant wraps the slot secret u holds to each of members who has no wrap
// with their recipient yet, and returns the grant of those wraps under
// policy version ver, to be signed and stored, or nil when everyone has
// one.
func (u *Unlocked) Grant(members []policy.Member, ver int64) (*record.Grant, error) {
	slot := &u.e.Slots[0]
	secret := []byte(u.slot.(*age.HybridIdentity).String())
	defer clear(secret)
	g := &record.Grant{Class: u.e.Class, Number: u.e.Number, PolicyVersion: ver}
	for _, m := range members {
		if hasWrap(slot, m) {
			continue
		}
		w, err := WrapToMember(m, secret)
		if err != nil {
			return nil, err
		}
		g.Wraps = append(g.Wraps, record.HolderWrap{Member: m.Name, Recipient: m.Recipient, Secret: w})
	}
	if len(g.Wraps) == 0 {
		return nil, nil
	}
	return g, nil
}

func hasWrap(s *record.Slot, m policy.Member) bool {
	for _, w := range s.Wraps {
		if w.Member == m.Name && w.Recipient == m.Recipient {
			return true
		}
	}
	return false
}
