package keys

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// Epoch is a verified (or newly generated) epoch of a class, with its slot
// recipients parsed once (a post-quantum recipient is ~2 KB of bech32).
type Epoch struct {
	record.Epoch
	recipients []age.Recipient
	policy     *policy.Policy // the policy its slots were wrapped under (Assemble checks signers with it)
}

// Anchor is what the caller vouches an epoch must be: signed by Signer with
// Key, its slots wrapped under Policy, the policy version PolicyVersion.
type Anchor struct {
	Signer        string
	Key           ed25519.PublicKey
	PolicyVersion int64
	Policy        *policy.Policy
	// Rotated is set for an epoch a keys-rotate entry vouches for: if its
	// class has a threshold, each slot must be its holder's offer.
	Rotated bool
}

// Generate makes the slot keys of epoch number of class and wraps each
// slot secret to the class's holders under pol (version polVersion). The
// secrets exist in this process's memory only while they are wrapped.
func Generate(pol *policy.Policy, polVersion int64, class string, number int) (*Epoch, error) {
	holders := pol.Holders(class)
	if len(holders) == 0 {
		return nil, fmt.Errorf("class %q has no holders", class)
	}
	k := pol.Threshold(class)
	e := &Epoch{Epoch: record.Epoch{Class: class, Number: number, Threshold: k, PolicyVersion: polVersion}, policy: pol}
	groups := [][]policy.Member{holders}
	if k > 1 {
		groups = groups[:0]
		for _, h := range holders {
			groups = append(groups, []policy.Member{h})
		}
	}
	for _, g := range groups {
		s, err := newSlot(g)
		if err != nil {
			return nil, err
		}
		e.Slots = append(e.Slots, s)
	}
	return e, nil
}

// newSlot generates one slot key and wraps its secret to each holder.
func newSlot(holders []policy.Member) (record.Slot, error) {
	sk, err := tcrypto.GenerateSlotKey()
	if err != nil {
		return record.Slot{}, err
	}
	s := record.Slot{Recipient: sk.Recipient().String()}
	for _, h := range holders {
		w, err := WrapToMember(h, []byte(sk.String()))
		if err != nil {
			return record.Slot{}, err
		}
		s.Wraps = append(s.Wraps, record.HolderWrap{Member: h.Name, Recipient: h.Recipient, Secret: w})
	}
	return s, nil
}

// Load decodes a stored epoch and checks it against the anchor: its
// signer and key, its policy version, and that every slot secret is wrapped
// only to holders of the class under that policy, with their own
// recipients. Without these checks anyone able to write to the vault folder
// could add an epoch wrapped to themselves and read every record sealed
// after it.
func Load(raw []byte, class string, number int, a Anchor) (*Epoch, error) {
	re, err := record.DecodeEpoch(raw, class, number)
	if err != nil {
		return nil, err
	}
	e := &Epoch{Epoch: *re, policy: a.Policy}
	if e.SignedBy != a.Signer || !a.Key.Equal(record.SignerKey(e.SignerKey)) {
		return nil, fault.Integrityf("keys of %s were signed by %q, not by %q who must sign them", e, e.SignedBy, a.Signer)
	}
	if e.PolicyVersion != a.PolicyVersion {
		return nil, fault.Integrityf("keys of %s name policy version %d", e, e.PolicyVersion)
	}
	// Below the policy's threshold, one holder would open the class alone.
	if want := max(a.Policy.Threshold(class), 1); e.Threshold != want {
		return nil, fault.Integrityf("keys of %s have threshold %d, but policy version %d gives the class threshold %d", e, e.Threshold, a.PolicyVersion, want)
	}
	for _, s := range e.Slots {
		if err := checkHolders(e, s.Wraps, a.Policy); err != nil {
			return nil, err
		}
	}
	if err := checkOneSlotEach(e); err != nil {
		return nil, err
	}
	if a.Rotated && e.Threshold > 1 {
		if err := checkOffers(e, a.Policy); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// checkOneSlotEach checks that an epoch of a threshold class gives each
// holder one slot, wrapped to them alone, as Generate makes it: a holder
// who held two slots (or kept the secret of a slot wrapped to no one)
// would have two shares of every DEK and open the class alone.
func checkOneSlotEach(e *Epoch) error {
	if e.Threshold == 1 {
		return nil
	}
	seen := map[string]bool{}
	for _, s := range e.Slots {
		if len(s.Wraps) != 1 || seen[s.Wraps[0].Member] || seen[s.Wraps[0].Recipient] {
			return fault.Integrityf("keys of %s: a holder has more than one slot, or a slot is not wrapped to exactly one holder", e)
		}
		seen[s.Wraps[0].Member], seen[s.Wraps[0].Recipient] = true, true
	}
	return nil
}

// checkHolders checks that every wrap goes to a holder of the class under
// pol, with their own recipient.
func checkHolders(e *Epoch, wraps []record.HolderWrap, pol *policy.Policy) error {
	holders := map[string]string{}
	for _, h := range pol.Holders(e.Class) {
		holders[h.Name] = h.Recipient
	}
	for _, w := range wraps {
		if r, ok := holders[w.Member]; !ok || r != w.Recipient {
			return fault.Integrityf("keys of %s: a slot key is wrapped to %q, who does not hold the class", e, w.Member)
		}
	}
	return nil
}

// AddGrant verifies a grant of e, made by signer with key under policy
// version ver (pol), and adds its wraps to e's slot. The caller vouches for
// signer, key and ver (the grant's keys-sync entry); AddGrant checks that
// the grant says the same and wraps only to holders under pol.
func (e *Epoch) AddGrant(raw []byte, signer string, key ed25519.PublicKey, ver int64, pol *policy.Policy) error {
	g, err := record.DecodeGrant(raw, e.Class, e.Number)
	if err != nil {
		return err
	}
	if g.SignedBy != signer || !key.Equal(record.SignerKey(g.SignerKey)) || g.PolicyVersion != ver {
		return fault.Integrityf("a key grant of %s is not the one its keys-sync entry vouches for", e)
	}
	if e.Threshold != 1 {
		return fault.Integrityf("a key grant of %s: the class has a threshold, and its slots are one per holder", e)
	}
	if err := checkHolders(e, g.Wraps, pol); err != nil {
		return err
	}
	e.Slots[0].Wraps = append(e.Slots[0].Wraps, g.Wraps...)
	return nil
}

// Sign signs the epoch as member.
func (e *Epoch) Sign(id *tcrypto.Identity, member string) ([]byte, error) {
	return record.SignEpoch(id, member, &e.Epoch)
}

// ParseRecipients parses the slots' recipients now: WrapDEK parses them on
// first use and caches them without a lock, so a caller that wraps on many
// goroutines at once (keys rewrap) calls this first.
func (e *Epoch) ParseRecipients() error {
	_, err := e.slotRecipients()
	return err
}

// slotRecipients returns the slots' age recipients, parsed on first use.
func (e *Epoch) slotRecipients() ([]age.Recipient, error) {
	if e.recipients != nil {
		return e.recipients, nil
	}
	rs := make([]age.Recipient, len(e.Slots))
	for i, s := range e.Slots {
		r, err := age.ParseHybridRecipient(s.Recipient)
		if err != nil {
			return nil, fault.Integrityf("keys of %s: bad slot recipient", e)
		}
		rs[i] = r
	}
	e.recipients = rs
	return rs, nil
}

// unwrapSlots returns the slot identities that id can unwrap, by slot
// index. A slot without a wrap for id's recipient is simply absent: that is
// the cryptographic boundary, whatever the policy says.
func (e *Epoch) unwrapSlots(id *tcrypto.Identity) (map[int]age.Identity, error) {
	out := make(map[int]age.Identity)
	for i, s := range e.Slots {
		for _, w := range s.Wraps {
			if w.Recipient != id.Recipient() {
				continue
			}
			secret, err := tcrypto.Unwrap(w.Secret, id.AgeIdentity())
			if pe := (*tcrypto.PluginError)(nil); errors.As(err, &pe) {
				// The hardware key's plugin failed (missing, no PIN, no
				// touch): not a sign of damage.
				return nil, pluginFailure(w.Member, err)
			}
			if err != nil {
				return nil, fault.Integrityf("the slot key of %s wrapped for %s does not decrypt", e, w.Member)
			}
			sk, err := age.ParseHybridIdentity(string(secret))
			if err != nil || sk.Recipient().String() != s.Recipient {
				return nil, fault.Integrityf("the slot key of %s wrapped for %s does not match its slot", e, w.Member)
			}
			out[i] = sk
		}
	}
	return out, nil
}
