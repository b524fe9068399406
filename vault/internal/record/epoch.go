package record

import (
	"fmt"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Epoch is one generation of a class's keys: its slot key pairs. Slot
// recipients are public; each slot's secret is age-encrypted separately to
// every member holding it (separately because age refuses to mix
// post-quantum and classic recipients in one file). With threshold 1 there
// is one slot shared by all holders; with threshold k > 1 there is one slot
// per holder, and a record's DEK is split k-of-n across them.
type Epoch struct {
	Class     string `json:"class"`
	Number    int    `json:"epoch"`
	Threshold int    `json:"threshold"`
	// PolicyVersion is the policy under which the slots were wrapped: every
	// wrap must go to a holder of the class under that version.
	PolicyVersion int64  `json:"policy_version"`
	Slots         []Slot `json:"slots"`
	SignedBy      string `json:"signed_by"`
	SignerKey     string `json:"signer_key"`
}

func (e *Epoch) signerKey() string { return e.SignerKey }

// Slot is one key pair of an epoch: its public recipient and its secret,
// wrapped to each holder.
type Slot struct {
	Recipient string       `json:"recipient"`
	Wraps     []HolderWrap `json:"wraps"`
	// Offer is, in an epoch after the first of a threshold class, the
	// signed SlotOffer its holder made this slot with.
	Offer []byte `json:"offer,omitempty"`
}

// HolderWrap is a slot secret age-encrypted to one holder.
type HolderWrap struct {
	Member    string `json:"member"`
	Recipient string `json:"recipient"`
	Secret    []byte `json:"secret"` // the slot identity, age-encrypted to Recipient
}

// String names the epoch in messages: `class "testimony" epoch 1`.
func (e *Epoch) String() string { return fmt.Sprintf("class %q epoch %d", e.Class, e.Number) }

// SignEpoch signs e as member, setting its signer fields.
func SignEpoch(id *tcrypto.Identity, member string, e *Epoch) ([]byte, error) {
	e.SignedBy = member
	e.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, e)
}

// DecodeEpoch verifies a stored epoch's signature and that it is epoch
// number of class with a consistent shape: at least one slot, one slot for
// threshold 1, at least k slots for threshold k, and every slot key
// post-quantum. Whether its signer and its holders are the right ones is
// package keys' question.
func DecodeEpoch(raw []byte, class string, number int) (*Epoch, error) {
	subject := fmt.Sprintf("keys of class %q epoch %d", class, number)
	e, err := decode[Epoch](raw, subject)
	if err != nil {
		return nil, err
	}
	if e.Class != class || e.Number != number || len(e.Slots) == 0 || e.Threshold < 1 ||
		e.Threshold == 1 && len(e.Slots) != 1 || e.Threshold > 1 && e.Threshold > len(e.Slots) {
		return nil, fault.Integrityf("%s are inconsistent", subject)
	}
	for _, s := range e.Slots {
		if !tcrypto.IsPostQuantumRecipient(s.Recipient) {
			return nil, fault.Integrityf("%s: a slot key is not post-quantum", subject)
		}
	}
	return e, nil
}
