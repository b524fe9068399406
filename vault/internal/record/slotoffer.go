package record

import (
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// SlotOffer is one holder's slot of a threshold class's new epoch, made on
// that holder's machine: the slot's public recipient and its secret
// wrapped to the holder alone, signed by the holder. A rotation of a
// threshold class is complete when every holder has offered a slot; the
// epoch then carries each offer in its slot, so that no one — not the
// holder who assembles it — can have made another holder's slot key.
type SlotOffer struct {
	Class         string     `json:"class"`
	Number        int        `json:"epoch"`
	Threshold     int        `json:"threshold"`
	PolicyVersion int64      `json:"policy_version"`
	Recipient     string     `json:"recipient"`
	Wrap          HolderWrap `json:"wrap"`
	SignerKey     string     `json:"signer_key"`
}

func (o *SlotOffer) signerKey() string { return o.SignerKey }

// SignSlotOffer signs o as its holder.
func SignSlotOffer(id *tcrypto.Identity, o *SlotOffer) ([]byte, error) {
	o.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, o)
}

// DecodeSlotOffer verifies an offer's signature (by the key it names;
// whether that is its holder's is package keys' question) and shape: a
// slot of epoch number of class, post-quantum, wrapped to one member.
func DecodeSlotOffer(raw []byte, class string, number int) (*SlotOffer, error) {
	const subject = "a slot offer"
	o, err := decode[SlotOffer](raw, subject)
	if err != nil {
		return nil, err
	}
	if o.Class != class || o.Number != number || o.Threshold < 2 || o.PolicyVersion < 1 ||
		!tcrypto.IsPostQuantumRecipient(o.Recipient) || o.Wrap.Member == "" || len(o.Wrap.Secret) == 0 {
		return nil, fault.Integrityf("%s of class %q epoch %d is inconsistent", subject, class, number)
	}
	return o, nil
}
