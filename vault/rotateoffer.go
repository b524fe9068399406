package vault

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// rotateThreshold is keys rotate of a threshold class: the actor offers a
// slot of their own for the new epoch (made here, its secret wrapped to
// them alone), and the run that brings the last holder's offer assembles
// the epoch from every holder's offer and puts it in force. Until then new
// records keep using the current epoch. Offers made under an earlier
// policy version (the holders may have changed) are dropped.
func (a *Actor) rotateThreshold(t *store.Txn, rot *Rotation) (*Rotation, error) {
	class := rot.Class
	offers, err := t.Offers(class, rot.To)
	if err != nil {
		return nil, err
	}
	for m, raw := range offers {
		o, err := record.DecodeSlotOffer(raw, class, rot.To)
		if err != nil || o.PolicyVersion != a.v.polVer || o.Threshold != rot.Threshold {
			if err := t.DeleteOffer(class, rot.To, m); err != nil {
				return nil, err
			}
			delete(offers, m)
		}
	}
	if _, ok := offers[a.member.Name]; !ok {
		o, err := keys.OfferSlot(a.v.pol, a.v.polVer, class, rot.To, a.member)
		if err != nil {
			return nil, err
		}
		raw, err := record.SignSlotOffer(a.id, o)
		if err != nil {
			return nil, err
		}
		offers[a.member.Name] = raw
		if _, err := a.appendEntry(t, audit.Entry{Action: actionRotate, Class: class, Outcome: audit.OutcomeOK,
			Detail: fmt.Sprintf("epoch %d under policy version %d: slot of %s offered", rot.To, a.v.polVer, a.member.Name),
			Digest: audit.Digest(raw)}); err != nil {
			return nil, err
		}
		if err := t.PutOffer(class, rot.To, a.member.Name, raw); err != nil {
			return nil, err
		}
	}
	for _, h := range a.v.pol.Holders(class) {
		if _, ok := offers[h.Name]; !ok {
			rot.Awaiting = append(rot.Awaiting, h.Name)
		}
	}
	if len(rot.Awaiting) > 0 {
		sort.Strings(rot.Awaiting)
		return rot, nil
	}
	e, err := keys.AssembleOffers(a.v.pol, a.v.polVer, class, rot.To, offers)
	if err != nil {
		return nil, err
	}
	if err := a.putRotation(t, rot, e); err != nil {
		return nil, err
	}
	for m := range offers {
		if err := t.DeleteOffer(class, rot.To, m); err != nil {
			return nil, err
		}
	}
	return rot, nil
}

// putRotation signs epoch e of rot and stores it, in force, with the
// keys-rotate entry that names its digest.
func (a *Actor) putRotation(t *store.Txn, rot *Rotation, e *keys.Epoch) error {
	raw, err := e.Sign(a.id, a.member.Name)
	if err != nil {
		return err
	}
	rot.Holders = memberNames(a.v.pol.Holders(rot.Class))
	entry, err := a.appendEntry(t, audit.Entry{Action: actionRotate, Class: rot.Class, Outcome: audit.OutcomeOK,
		Detail: fmt.Sprintf("epoch %d under policy version %d: wrapped to %s", rot.To, a.v.polVer, strings.Join(rot.Holders, ", ")),
		Digest: audit.Digest(raw)})
	if err != nil {
		return err
	}
	if err := t.PutEpoch(rot.Class, rot.To, raw); err != nil {
		return err
	}
	return t.PutEpochEntry(rot.Class, rot.To, entry.Seq)
}
