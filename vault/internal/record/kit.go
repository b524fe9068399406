package record

import (
	"fmt"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Kit is a seal kit: what a field vault needs to seal records the vault
// accepts, and nothing more. It names no member and holds no secret: the
// vault's id, the policy version in force and its digest, the schema
// (policy.Schema), each class's current epoch and slot recipients, and the
// recipient that bundles from the field are encrypted to. It is signed by
// the admin who exported it, by key only.
type Kit struct {
	Vault         string     `json:"vault"`
	PolicyVersion int64      `json:"policy_version"`
	PolicyDigest  string     `json:"policy_digest"`
	Schema        string     `json:"schema"`
	Classes       []KitClass `json:"classes"`
	Intake        string     `json:"intake"`
	// Receipt is the public key receipts for bundles made with this kit
	// are signed with (ReceiptKey of the intake secret).
	Receipt   string    `json:"receipt"`
	Issued    time.Time `json:"issued"`
	SignerKey string    `json:"signer_key"`
}

// KitClass is one class's keys as a kit carries them: public recipients.
type KitClass struct {
	Class     string   `json:"class"`
	Epoch     int      `json:"epoch"`
	Threshold int      `json:"threshold"`
	Slots     []string `json:"slots"`
	// EpochDigest is the digest of the stored, signed epoch: the vault
	// checks at import that bundles were sealed to keys it made.
	EpochDigest string `json:"epoch_digest"`
}

func (k *Kit) signerKey() string { return k.SignerKey }

// SignKit signs k with the identity's signing key, setting SignerKey.
func SignKit(id *tcrypto.Identity, k *Kit) ([]byte, error) {
	k.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, k)
}

// DecodeKit verifies a seal kit's signature (by the key it names; whether
// that key is an admin's is the vault's question) and its shape: a vault
// id, a policy version, at least one class, each with an epoch, a
// threshold its post-quantum slots can meet, and a post-quantum intake
// recipient.
func DecodeKit(raw []byte) (*Kit, error) {
	const subject = "the seal kit"
	k, err := decode[Kit](raw, subject)
	if err != nil {
		return nil, err
	}
	if !ValidID(k.Vault) || k.PolicyVersion < 1 || k.PolicyDigest == "" || k.Schema == "" || len(k.Classes) == 0 ||
		!tcrypto.IsPostQuantumRecipient(k.Intake) || k.Issued.IsZero() || k.Receipt == "" {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	seen := map[string]bool{}
	for _, c := range k.Classes {
		if c.Class == "" || seen[c.Class] || c.Epoch < 1 || c.Threshold < 1 || len(c.Slots) == 0 ||
			c.Threshold == 1 && len(c.Slots) != 1 || c.Threshold > len(c.Slots) || c.EpochDigest == "" {
			return nil, fault.Integrityf("%s: class %q is inconsistent", subject, c.Class)
		}
		seen[c.Class] = true
		for _, s := range c.Slots {
			if !tcrypto.IsPostQuantumRecipient(s) {
				return nil, fault.Integrityf("%s: a slot key of class %q is not post-quantum", subject, c.Class)
			}
		}
	}
	return k, nil
}

// Class returns the kit's keys of class.
func (k *Kit) Class(class string) (KitClass, bool) {
	for _, c := range k.Classes {
		if c.Class == class {
			return c, true
		}
	}
	return KitClass{}, false
}

// String names the kit in messages.
func (k *Kit) String() string {
	return fmt.Sprintf("the seal kit of vault %s, policy version %d", k.Vault, k.PolicyVersion)
}

// Intake holds the secret of a kit's intake recipient, age-encrypted
// separately to every member of the policy in force when the kit was
// exported: any of them may import a bundle made with that kit. Signed by
// the admin who exported the kit.
type Intake struct {
	Recipient     string       `json:"recipient"`
	PolicyVersion int64        `json:"policy_version"`
	Wraps         []HolderWrap `json:"wraps"`
	SignedBy      string       `json:"signed_by"`
	SignerKey     string       `json:"signer_key"`
}

func (i *Intake) signerKey() string { return i.SignerKey }

// SignIntake signs in as member.
func SignIntake(id *tcrypto.Identity, member string, in *Intake) ([]byte, error) {
	in.SignedBy = member
	in.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, in)
}

// DecodeIntake verifies a stored intake key's signature and shape.
func DecodeIntake(raw []byte) (*Intake, error) {
	const subject = "an intake key"
	in, err := decode[Intake](raw, subject)
	if err != nil {
		return nil, err
	}
	if !tcrypto.IsPostQuantumRecipient(in.Recipient) || in.PolicyVersion < 1 || len(in.Wraps) == 0 {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	return in, nil
}

// FieldOrigin is what a field vault was made from, signed by its
// researcher at init: the digest of the kit, and the researcher's own name
// and keys (the kit names no member; the researcher says who they are).
type FieldOrigin struct {
	KitDigest  string `json:"kit_digest"`
	Member     string `json:"member"`
	Recipient  string `json:"recipient"`
	SigningKey string `json:"signing_key"`
}

func (o *FieldOrigin) signerKey() string { return o.SigningKey }

// SignFieldOrigin signs o with the researcher's identity, setting its keys.
func SignFieldOrigin(id *tcrypto.Identity, o *FieldOrigin) ([]byte, error) {
	o.Recipient = id.Recipient()
	o.SigningKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	return signJSON(id, o)
}

// DecodeFieldOrigin verifies a field vault's origin.
func DecodeFieldOrigin(raw []byte) (*FieldOrigin, error) {
	const subject = "the field vault's origin"
	o, err := decode[FieldOrigin](raw, subject)
	if err != nil {
		return nil, err
	}
	if o.KitDigest == "" || o.Member == "" || o.Recipient == "" {
		return nil, fault.Integrityf("%s is inconsistent", subject)
	}
	return o, nil
}
