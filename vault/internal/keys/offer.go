package keys

import (
	"bytes"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// A rotation of a threshold class is made by its holders together: each
// makes their own slot key on their own machine and offers it
// (OfferSlot), and the epoch is assembled from the offers once every
// holder has made one (AssembleOffers). Whoever assembles it never sees a
// slot secret but their own, so one holder cannot keep every slot key of
// the epoch and open its records alone.

// OfferSlot makes a slot key for holder m of epoch number of class under
// policy version ver (pol), with its secret wrapped to m alone. The caller
// signs it as m (record.SignSlotOffer).
func OfferSlot(pol *policy.Policy, ver int64, class string, number int, m policy.Member) (*record.SlotOffer, error) {
	sk, err := tcrypto.GenerateSlotKey()
	if err != nil {
		return nil, err
	}
	secret := []byte(sk.String())
	defer clear(secret)
	w, err := WrapToMember(m, secret)
	if err != nil {
		return nil, err
	}
	return &record.SlotOffer{Class: class, Number: number, Threshold: pol.Threshold(class), PolicyVersion: ver,
		Recipient: sk.Recipient().String(), Wrap: record.HolderWrap{Member: m.Name, Recipient: m.Recipient, Secret: w}}, nil
}

// AssembleOffers makes epoch number of class from the holders' signed
// offers: one slot per holder of the class under pol (version ver), in
// policy order, each carrying its offer. It fails unless every holder has
// offered exactly one slot, signed with their own key.
func AssembleOffers(pol *policy.Policy, ver int64, class string, number int, offers map[string][]byte) (*Epoch, error) {
	e := &Epoch{Epoch: record.Epoch{Class: class, Number: number, Threshold: pol.Threshold(class), PolicyVersion: ver}, policy: pol}
	for _, h := range pol.Holders(class) {
		raw, ok := offers[h.Name]
		if !ok {
			return nil, fault.Integrityf("%s: %s has offered no slot", e, h.Name)
		}
		o, err := checkOffer(e, h, raw)
		if err != nil {
			return nil, err
		}
		e.Slots = append(e.Slots, record.Slot{Recipient: o.Recipient, Wraps: []record.HolderWrap{o.Wrap}, Offer: raw})
	}
	return e, nil
}

// checkOffer checks that raw is holder h's signed offer of a slot of e.
func checkOffer(e *Epoch, h policy.Member, raw []byte) (*record.SlotOffer, error) {
	o, err := record.DecodeSlotOffer(raw, e.Class, e.Number)
	if err != nil {
		return nil, err
	}
	if o.Threshold != e.Threshold || o.PolicyVersion != e.PolicyVersion || o.Wrap.Member != h.Name ||
		o.Wrap.Recipient != h.Recipient || !bytes.Equal(record.SignerKey(o.SignerKey), h.SigningPublicKey) {
		return nil, fault.Integrityf("%s: the slot offered for %s was not made by them for this epoch", e, h.Name)
	}
	return o, nil
}

// checkOffers checks, for an epoch a rotation made of a threshold class,
// that every slot is the one its holder offered: its recipient and its
// one wrap are those of an offer signed by that holder under pol.
func checkOffers(e *Epoch, pol *policy.Policy) error {
	for i, s := range e.Slots {
		if len(s.Wraps) != 1 || len(s.Offer) == 0 {
			return fault.Integrityf("%s: slot %d was not offered by its holder", e, i+1)
		}
		h, ok := pol.Member(s.Wraps[0].Member)
		if !ok {
			return fault.Integrityf("%s: slot %d is wrapped to %q, who is not a member", e, i+1, s.Wraps[0].Member)
		}
		o, err := checkOffer(e, h, s.Offer)
		if err != nil {
			return err
		}
		if o.Recipient != s.Recipient || o.Wrap.Recipient != s.Wraps[0].Recipient || !bytes.Equal(o.Wrap.Secret, s.Wraps[0].Secret) {
			return fault.Integrityf("%s: slot %d is not the one %s offered", e, i+1, h.Name)
		}
	}
	return nil
}
