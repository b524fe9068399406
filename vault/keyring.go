package vault

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/store"
)

// keyring is one epoch of a class: its slot key pairs. Slot recipients are
// public; each slot's secret is age-encrypted separately to every member
// holding it (separately because age refuses to mix post-quantum and classic
// recipients in one file). With threshold 1 there is one slot shared by all
// holders; with threshold k > 1 there is one slot per holder, and a record's
// DEK is split k-of-n across them.
type keyring struct {
	Class     string `json:"class"`
	Epoch     int    `json:"epoch"`
	Threshold int    `json:"threshold"`
	// PolicyVersion is the policy under which the slots were wrapped: every
	// wrap must go to a holder of the class under that version.
	PolicyVersion int64  `json:"policy_version"`
	Slots         []slot `json:"slots"`
	SignedBy      string `json:"signed_by"`
	SignerKey     string `json:"signer_key"`

	parsed []age.Recipient // slot recipients, parsed on first use
}

type slot struct {
	Recipient string       `json:"recipient"`
	Wraps     []holderWrap `json:"wraps"`
}

type holderWrap struct {
	Member    string `json:"member"`
	Recipient string `json:"recipient"`
	Secret    []byte `json:"secret"` // the slot identity, age-encrypted to Recipient
}

// newKeyring generates the slot keys of one epoch of class and wraps each
// slot secret to its holders under pol. The secrets exist in this process's
// memory only while they are wrapped; the caller (an admin at init, a holder
// at rotation) keeps none of them.
func newKeyring(pol *policy.Policy, polVersion int64, class string, epoch int) (*keyring, error) {
	holders := pol.Holders(class)
	if len(holders) == 0 {
		return nil, fmt.Errorf("class %q has no holders", class)
	}
	k := pol.Threshold(class)
	kr := &keyring{Class: class, Epoch: epoch, Threshold: k, PolicyVersion: polVersion}
	groups := [][]policy.Member{holders}
	if k > 1 {
		groups = groups[:0]
		for _, h := range holders {
			groups = append(groups, []policy.Member{h})
		}
	}
	for _, g := range groups {
		sk, err := tcrypto.GenerateSlotKey()
		if err != nil {
			return nil, err
		}
		s := slot{Recipient: sk.Recipient().String()}
		for _, h := range g {
			r, err := tcrypto.ParseRecipient(h.Recipient)
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", h.Name, err)
			}
			w, err := tcrypto.Wrap([]byte(sk.String()), r)
			if err != nil {
				return nil, err
			}
			s.Wraps = append(s.Wraps, holderWrap{Member: h.Name, Recipient: h.Recipient, Secret: w})
		}
		kr.Slots = append(kr.Slots, s)
	}
	return kr, nil
}

func (kr *keyring) sign(id *tcrypto.Identity, member string) ([]byte, error) {
	kr.SignedBy = member
	kr.SignerKey = tcrypto.FormatSigningKey(id.SigningPublicKey())
	body, err := json.Marshal(kr)
	if err != nil {
		return nil, err
	}
	return sealValue(signBytes(id, body), body), nil
}

// loadKeyring reads and verifies one epoch of a class: its signature; that
// its signer is the member who created the vault (the signer of policy
// version 1, whose key the vault id commits to); and that every slot secret
// is wrapped only to holders of the class, with their own recipients, under
// the policy version the keyring names. Without these checks anyone able to
// write to the vault directory could add an epoch wrapped to themselves and
// read every record sealed after it.
func (v *Vault) loadKeyring(t *store.Txn, class string, epoch int) (*keyring, error) {
	// Rotation (epochs after 1) comes with the key-lifecycle work, which
	// must anchor new epochs in the audit log; until then any other epoch
	// is refused rather than trusted.
	if epoch != 1 {
		return nil, integrityErrorf("keys of class %q epoch %d: key rotation is not supported by this tvault version", class, epoch)
	}
	raw, err := t.Keyring(class, epoch)
	if errors.Is(err, store.ErrNotFound) {
		return nil, integrityErrorf("keys of class %q epoch %d are missing", class, epoch)
	}
	if err != nil {
		return nil, err
	}
	sig, body, err := openValue(raw)
	if err != nil {
		return nil, integrityErrorf("keys of class %q epoch %d: %v", class, epoch, err)
	}
	var kr keyring
	if err := json.Unmarshal(body, &kr); err != nil {
		return nil, integrityErrorf("keys of class %q epoch %d are unreadable", class, epoch)
	}
	key, err := tcrypto.ParseSigningKey(kr.SignerKey)
	if err != nil || !ed25519.Verify(key, body, sig) {
		return nil, integrityErrorf("keys of class %q epoch %d: signature does not verify", class, epoch)
	}
	if kr.Class != class || kr.Epoch != epoch || len(kr.Slots) == 0 || kr.Threshold < 1 ||
		kr.Threshold == 1 && len(kr.Slots) != 1 || kr.Threshold > 1 && kr.Threshold > len(kr.Slots) {
		return nil, integrityErrorf("keys of class %q epoch %d are inconsistent", class, epoch)
	}
	if kr.SignedBy != v.creator.name || !ed25519.PublicKey(v.creator.key).Equal(key) {
		return nil, integrityErrorf("keys of class %q epoch %d were signed by %q, not by the vault's creator", class, epoch, kr.SignedBy)
	}
	if kr.PolicyVersion != 1 {
		return nil, integrityErrorf("keys of class %q epoch %d name policy version %d", class, epoch, kr.PolicyVersion)
	}
	pol, err := v.policyAt(t, kr.PolicyVersion)
	if err != nil {
		return nil, err
	}
	holders := map[string]string{}
	for _, h := range pol.Holders(class) {
		holders[h.Name] = h.Recipient
	}
	for _, s := range kr.Slots {
		if !tcrypto.IsPostQuantumRecipient(s.Recipient) {
			return nil, integrityErrorf("keys of class %q epoch %d: a slot key is not post-quantum", class, epoch)
		}
		for _, w := range s.Wraps {
			if r, ok := holders[w.Member]; !ok || r != w.Recipient {
				return nil, integrityErrorf("keys of class %q epoch %d: a slot key is wrapped to %q, who does not hold the class", class, epoch, w.Member)
			}
		}
	}
	return &kr, nil
}

// currentEpoch returns the newest epoch of a class.
func currentEpoch(t *store.Txn, class string) (int, error) {
	es, err := t.Epochs(class)
	if err != nil {
		return 0, err
	}
	if len(es) == 0 {
		return 0, integrityErrorf("class %q has no keys", class)
	}
	return es[len(es)-1], nil
}

// slotRecipients returns the age recipients of the keyring's slots, parsed
// once per keyring (a post-quantum recipient is ~2 KB of bech32).
func (kr *keyring) slotRecipients() ([]age.Recipient, error) {
	if kr.parsed != nil {
		return kr.parsed, nil
	}
	rs := make([]age.Recipient, len(kr.Slots))
	for i, s := range kr.Slots {
		r, err := age.ParseHybridRecipient(s.Recipient)
		if err != nil {
			return nil, integrityErrorf("keys of class %q epoch %d: bad slot recipient", kr.Class, kr.Epoch)
		}
		rs[i] = r
	}
	kr.parsed = rs
	return rs, nil
}

// unwrapSlots returns the slot identities that id can unwrap, by slot index.
// A slot without a wrap for id's recipient is simply absent: that is the
// cryptographic boundary, whatever the policy says.
func (kr *keyring) unwrapSlots(id *tcrypto.Identity) (map[int]age.Identity, error) {
	out := make(map[int]age.Identity)
	for i, s := range kr.Slots {
		for _, w := range s.Wraps {
			if w.Recipient != id.Recipient() {
				continue
			}
			secret, err := tcrypto.Unwrap(w.Secret, id.AgeIdentity())
			if err != nil {
				return nil, integrityErrorf("the slot key of class %q epoch %d wrapped for %s does not decrypt", kr.Class, kr.Epoch, w.Member)
			}
			sk, err := age.ParseHybridIdentity(string(secret))
			if err != nil || sk.Recipient().String() != s.Recipient {
				return nil, integrityErrorf("the slot key of class %q epoch %d wrapped for %s does not match its slot", kr.Class, kr.Epoch, w.Member)
			}
			out[i] = sk
		}
	}
	return out, nil
}
