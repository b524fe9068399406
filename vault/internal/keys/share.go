package keys

import (
	"bytes"
	"fmt"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/crypto/shamir"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

// A share, as this file hands it around, is in crypto/shamir's form: the
// share's value (tcrypto.DEKSize bytes) followed by its x coordinate, which
// is slot index + 1. With threshold 1 the one slot's share is the DEK
// itself with x = 1 (a constant polynomial).

const shareSize = tcrypto.DEKSize + 1

// Fits reports whether w is shaped for this epoch: its number, threshold
// and number of slots.
func (e *Epoch) Fits(w *record.DEKWrap) bool {
	return w.Epoch == e.Number && w.Threshold == e.Threshold && w.Slots() == len(e.Slots)
}

// shareAt decrypts slot i's share of w with that slot's identity sk. For a
// reshared wrap it combines the slot's parts, one from each contributor,
// with the Lagrange coefficients at 0 over the contributors' x's: that is
// Combine of the parts, each relabelled with its contributor's x.
func (e *Epoch) shareAt(w *record.DEKWrap, i int, sk age.Identity) ([]byte, error) {
	x := byte(i + 1)
	bad := func() error { return fault.Integrityf("the key of class %s does not decrypt", e.Class) }
	if !w.Reshared() {
		s, err := tcrypto.Unwrap(w.Shares[i], sk)
		switch {
		case err != nil:
			return nil, bad()
		case e.Threshold == 1 && len(s) == tcrypto.DEKSize:
			return append(s, 1), nil
		case e.Threshold > 1 && len(s) == shareSize && s[shareSize-1] == x:
			return s, nil
		}
		clear(s)
		return nil, fault.Integrityf("the key share of class %s has the wrong form", e.Class)
	}
	parts := make([][]byte, 0, len(w.From))
	defer func() {
		for _, p := range parts {
			clear(p)
		}
	}()
	for m, from := range w.From {
		p, err := tcrypto.Unwrap(w.Parts[i][m], sk)
		if err != nil {
			return nil, bad()
		}
		if len(p) != shareSize || p[shareSize-1] != x {
			clear(p)
			return nil, fault.Integrityf("a reshared key part of class %s has the wrong form", e.Class)
		}
		p[shareSize-1] = from
		parts = append(parts, p)
	}
	v, err := shamir.Combine(parts)
	if err != nil {
		return nil, fault.Integrityf("the reshared key parts of class %s do not combine", e.Class)
	}
	return append(v, x), nil
}

// Combine recovers the DEK from shares of distinct slots of this epoch (at
// least Threshold of them; the caller clears them). Fewer is a
// *ThresholdError; a malformed or foreign share an integrity failure. A
// share that is well-formed but wrong yields a wrong DEK, which the
// record's authenticated blobs then refuse.
func (e *Epoch) Combine(shares [][]byte) ([]byte, error) {
	var seen [256]bool
	for _, s := range shares {
		if len(s) != shareSize || s[shareSize-1] == 0 || int(s[shareSize-1]) > len(e.Slots) || seen[s[shareSize-1]] {
			return nil, fault.Integrityf("a key share of class %s has the wrong form", e.Class)
		}
		seen[s[shareSize-1]] = true
	}
	if len(shares) == 0 || len(shares) < e.Threshold {
		return nil, &ThresholdError{Need: e.Threshold}
	}
	if e.Threshold == 1 {
		return bytes.Clone(shares[0][:tcrypto.DEKSize]), nil
	}
	dek, err := shamir.Combine(shares)
	if err != nil || len(dek) != tcrypto.DEKSize {
		return nil, fault.Integrityf("the key shares of class %s do not combine", e.Class)
	}
	return dek, nil
}

// ShareOf returns id's own share of w's DEK (split or reshared), its x
// coordinate in the last byte: the share of the first slot of this epoch
// id holds. ErrNoSlot when id holds none. The caller clears it.
func (e *Epoch) ShareOf(w *record.DEKWrap, id *tcrypto.Identity) ([]byte, error) {
	if !e.Fits(w) {
		return nil, fault.Integrityf("the key of class %s does not match its epoch %d", e.Class, e.Number)
	}
	slots, err := e.unwrapSlots(id)
	if err != nil {
		return nil, err
	}
	first := -1
	for i := range slots {
		if first < 0 || i < first {
			first = i
		}
	}
	if first < 0 {
		return nil, ErrNoSlot
	}
	return e.shareAt(w, first, slots[first])
}

// SlotOf returns the x coordinate (slot index + 1) of the first slot of
// the epoch wrapped to member, and false when none is.
func (e *Epoch) SlotOf(member string) (byte, bool) {
	for i, s := range e.Slots {
		for _, w := range s.Wraps {
			if w.Member == member {
				return byte(i + 1), true
			}
		}
	}
	return 0, false
}

// Contribute is one old holder's step of moving w (a wrap to this epoch)
// to epoch to without the DEK ever being whole: it takes id's own share
// s_x, draws a fresh polynomial f of degree to.Threshold-1 with f(0) = s_x,
// and age-encrypts f(j+1) to slot j of to. It returns x and the encrypted
// values, one per slot of to, for a record.Contribution.
func (e *Epoch) Contribute(w *record.DEKWrap, id *tcrypto.Identity, to *Epoch) (x byte, subShares [][]byte, err error) {
	if to.Class != e.Class || to.Number == e.Number {
		return 0, nil, fmt.Errorf("cannot reshare %s to %s", e, to)
	}
	share, err := e.ShareOf(w, id)
	if err != nil {
		return 0, nil, err
	}
	defer clear(share)
	rs, err := to.slotRecipients()
	if err != nil {
		return 0, nil, err
	}
	xs := make([]byte, len(rs))
	for j := range xs {
		xs[j] = byte(j + 1)
	}
	subs, err := shamir.SplitAt(share[:tcrypto.DEKSize], xs, to.Threshold)
	if err != nil {
		return 0, nil, err
	}
	defer func() {
		for _, s := range subs {
			clear(s)
		}
	}()
	for j, r := range rs {
		c, err := tcrypto.Wrap(subs[j], r)
		if err != nil {
			return 0, nil, err
		}
		subShares = append(subShares, c)
	}
	return share[shareSize-1], subShares, nil
}

// Assemble makes the reshared wrap to epoch to of one record's part from
// the contributions of at least from.Threshold distinct old slots, each
// signed by a holder of the slot it names (with their key under the
// policy from's slots were wrapped under), all for the same record and
// class and for the move from from to to. Their signatures are the
// caller's to verify (record.DecodeContribution).
func Assemble(from, to *Epoch, cs []*record.Contribution) (*record.DEKWrap, error) {
	if from.Class != to.Class || from.Number == to.Number {
		return nil, fmt.Errorf("cannot reshare %s to %s", from, to)
	}
	if len(cs) < from.Threshold || len(cs) == 0 {
		return nil, fmt.Errorf("%d contributions to move %s: it needs %d", len(cs), from, from.Threshold)
	}
	w := &record.DEKWrap{Epoch: to.Number, Threshold: to.Threshold, Parts: make([][][]byte, len(to.Slots))}
	var seen [256]bool
	for _, c := range cs {
		if err := from.checkContribution(c, to, cs[0].Record); err != nil {
			return nil, err
		}
		if seen[c.X] {
			return nil, fmt.Errorf("two contributions to move %s come from slot %d: each must come from a different slot", from, c.X)
		}
		seen[c.X] = true
		w.From = append(w.From, c.X)
		for j := range w.Parts {
			w.Parts[j] = append(w.Parts[j], c.SubShares[j])
		}
	}
	return w, nil
}

// checkContribution checks one contribution for Assemble.
func (e *Epoch) checkContribution(c *record.Contribution, to *Epoch, recordID string) error {
	if c.Record != recordID || c.Class != e.Class || c.From != e.Number || c.To != to.Number {
		return fault.Integrityf("a key contribution by %q is for another record, class or epoch", c.SignedBy)
	}
	if c.X == 0 || int(c.X) > len(e.Slots) || len(c.SubShares) != len(to.Slots) {
		return fault.Integrityf("the key contribution by %q does not fit %s", c.SignedBy, e)
	}
	holds := false
	for _, hw := range e.Slots[c.X-1].Wraps {
		holds = holds || hw.Member == c.SignedBy
	}
	if !holds || e.policy == nil {
		return fault.Integrityf("the key contribution for slot %d of %s was signed by %q, who does not hold that slot", c.X, e, c.SignedBy)
	}
	m, ok := e.policy.Member(c.SignedBy)
	if !ok || !bytes.Equal(m.SigningPublicKey, record.SignerKey(c.SignerKey)) {
		return fault.Integrityf("the key contribution by %q is not signed with their key", c.SignedBy)
	}
	return nil
}
