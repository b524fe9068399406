package keys

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/crypto/shamir"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/record"
)

const recID = "aaaaaaaaaaaaaaaaaaaa"

// people is a pool of identities h1, h2, ... shared by a test's policies.
type people map[string]*tcrypto.Identity

func (p people) get(t *testing.T, name string) *tcrypto.Identity {
	t.Helper()
	if id, ok := p[name]; ok {
		return id
	}
	id, err := tcrypto.GenerateIdentity(false)
	if err != nil {
		t.Fatal(err)
	}
	p[name] = id
	return id
}

// epochOf generates epoch number of class identity with threshold k,
// held by the named legal members (one slot each when k > 1).
func (p people) epochOf(t *testing.T, number, k int, holders ...string) *Epoch {
	t.Helper()
	var b strings.Builder
	b.WriteString(testkit.PolicyHead(k))
	for _, name := range append([]string{"admin"}, holders...) {
		role := map[bool]string{true: "admin", false: "legal"}[name == "admin"]
		c := p.get(t, name).Card()
		fmt.Fprintf(&b, "\n[[members]]\nname = %q\nroles = [%q]\nrecipient = %q\nsigning_key = %q\ncard_sig = %q\n",
			name, role, c.Recipient, c.SigningKey, c.Signature)
	}
	pol, err := policy.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Generate(pol, 1, "identity", number)
	if err != nil {
		t.Fatal(err)
	}
	if e.Threshold != k || len(e.Slots) != map[bool]int{true: 1, false: len(holders)}[k == 1] {
		t.Fatalf("epoch %d: threshold %d, %d slots", number, e.Threshold, len(e.Slots))
	}
	return e
}

// contribute has each named holder of from contribute to the move of w
// to to, and returns the decoded, verified contributions.
func (p people) contribute(t *testing.T, from, to *Epoch, w *record.DEKWrap, names ...string) []*record.Contribution {
	t.Helper()
	var cs []*record.Contribution
	for _, name := range names {
		id := p[name]
		x, subs, err := from.Contribute(w, id, to)
		if err != nil {
			t.Fatalf("%s contributes: %v", name, err)
		}
		raw, err := record.SignContribution(id, name, &record.Contribution{Record: recID, Class: "identity",
			From: from.Number, To: to.Number, X: x, SubShares: subs})
		if err != nil {
			t.Fatal(err)
		}
		c, err := record.DecodeContribution(raw, recID, "identity")
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

// reshare moves w from from to to with the named contributors, through the
// stored form, and checks the result (checkWrap).
func (p people) reshare(t *testing.T, from, to *Epoch, w *record.DEKWrap, dek []byte, names ...string) *record.DEKWrap {
	t.Helper()
	nw, err := Assemble(from, to, p.contribute(t, from, to, w, names...))
	if err != nil {
		t.Fatalf("Assemble: %v", err)
	}
	raw, err := nw.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if nw, err = record.DecodeDEKWrap(raw, recID, "identity"); err != nil || !nw.Reshared() || len(nw.Shares) != 0 {
		t.Fatalf("the reshared wrap does not decode as one: %v", err)
	}
	p.checkWrap(t, to, nw, dek)
	return nw
}

// checkWrap: every set of to.Threshold new holders' shares gives the DEK,
// every set of one fewer does not; OpenDEK gives it to a holder alone
// only at threshold 1.
func (p people) checkWrap(t *testing.T, e *Epoch, w *record.DEKWrap, dek []byte) {
	t.Helper()
	var shares [][]byte
	for i, s := range e.Slots {
		name := s.Wraps[0].Member
		sh, err := e.ShareOf(w, p[name])
		if err != nil {
			t.Fatalf("%s: ShareOf: %v", name, err)
		}
		if sh[len(sh)-1] != byte(i+1) {
			t.Fatalf("%s: share x %d, want %d", name, sh[len(sh)-1], i+1)
		}
		shares = append(shares, sh)
		got, err := e.OpenDEK(w, p[name])
		var te *ThresholdError
		switch {
		case e.Threshold == 1 && (err != nil || !bytes.Equal(got, dek)):
			t.Fatalf("%s: OpenDEK = %x, %v", name, got, err)
		case e.Threshold > 1 && !errors.As(err, &te):
			t.Fatalf("%s: OpenDEK alone: err = %v, want a ThresholdError", name, err)
		}
	}
	subsets(len(shares), e.Threshold, func(idx []int) {
		var pick [][]byte
		for _, i := range idx {
			pick = append(pick, bytes.Clone(shares[i]))
		}
		got, err := e.Combine(pick)
		if err != nil || !bytes.Equal(got, dek) {
			t.Fatalf("%s, shares %v: %x, %v", e, idx, got, err)
		}
		if len(pick) < 2 {
			return
		}
		var te *ThresholdError
		if _, err := e.Combine(pick[1:]); !errors.As(err, &te) {
			t.Fatalf("%s, %d shares: err = %v, want a ThresholdError", e, len(pick)-1, err)
		}
		if got, err := shamir.Combine(pick[1:]); err == nil && bytes.Equal(got, dek) {
			t.Fatalf("%s: %d shares alone give the DEK", e, len(pick)-1)
		}
	})
}

func subsets(n, k int, f func([]int)) {
	var rec func(start int, idx []int)
	rec = func(start int, idx []int) {
		if len(idx) == k {
			f(idx)
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(idx, i))
		}
	}
	rec(0, nil)
}

// TestReshare redistributes a record's DEK between epochs of different
// shapes without it ever being whole, and again from a reshared wrap.
func TestReshare(t *testing.T) {
	p := people{}
	dek := bytes.Repeat([]byte{0x5a}, tcrypto.DEKSize)
	e1 := p.epochOf(t, 1, 2, "h1", "h2", "h3")
	w1, err := e1.WrapDEK(dek)
	if err != nil {
		t.Fatal(err)
	}
	p.checkWrap(t, e1, w1, dek)

	t.Run("2-of-3 to 2-of-4, then to 3-of-4", func(t *testing.T) {
		e2 := p.epochOf(t, 2, 2, "h1", "h2", "h3", "h4")
		w2 := p.reshare(t, e1, e2, w1, dek, "h1", "h3")
		e3 := p.epochOf(t, 3, 3, "h1", "h2", "h3", "h4")
		p.reshare(t, e2, e3, w2, dek, "h4", "h2")
	})
	t.Run("2-of-3 to 1-of-1", func(t *testing.T) {
		e2 := p.epochOf(t, 2, 1, "h4")
		p.reshare(t, e1, e2, w1, dek, "h2", "h3")
	})
	t.Run("3-of-5 to 2-of-2", func(t *testing.T) {
		e5 := p.epochOf(t, 1, 3, "h1", "h2", "h3", "h4", "h5")
		w5, err := e5.WrapDEK(dek)
		if err != nil {
			t.Fatal(err)
		}
		e6 := p.epochOf(t, 2, 2, "h5", "h6")
		p.reshare(t, e5, e6, w5, dek, "h5", "h1", "h3")
	})
}

// TestAssembleRefuses: too few contributions, two from one slot, one
// signed by someone who does not hold the slot it names, one for another
// record.
func TestAssembleRefuses(t *testing.T) {
	p := people{}
	dek := bytes.Repeat([]byte{1}, tcrypto.DEKSize)
	e1 := p.epochOf(t, 1, 2, "h1", "h2", "h3")
	w1, err := e1.WrapDEK(dek)
	if err != nil {
		t.Fatal(err)
	}
	e2 := p.epochOf(t, 2, 2, "h1", "h2", "h3")
	cs := p.contribute(t, e1, e2, w1, "h1", "h2")
	twice := p.contribute(t, e1, e2, w1, "h1", "h1")

	// h3 signs a contribution naming h2's slot.
	forged := *cs[1]
	raw, err := record.SignContribution(p["h3"], "h3", &forged)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := record.DecodeContribution(raw, recID, "identity")
	if err != nil {
		t.Fatal(err)
	}
	other := *cs[1]
	other.Record = "bbbbbbbbbbbbbbbbbbbb"
	for name, c := range map[string][]*record.Contribution{
		"fewer than k":    cs[:1],
		"none":            nil,
		"duplicate x":     twice,
		"another's slot":  {cs[0], fc},
		"another record":  {cs[0], &other},
		"wrong sub count": {cs[0], {Record: recID, Class: "identity", From: 1, To: 2, X: 2, SubShares: [][]byte{{1}}, SignedBy: "h2", SignerKey: cs[1].SignerKey}},
	} {
		if _, err := Assemble(e1, e2, c); err == nil {
			t.Errorf("%s: Assemble accepted it", name)
		}
	}
	if _, err := Assemble(e1, e1, cs); err == nil {
		t.Error("Assemble to the same epoch: accepted")
	}
}

// TestShareOfThresholdOne: the one slot's share of a threshold-1 wrap is
// the DEK with x = 1; a non-holder has no slot.
func TestShareOfThresholdOne(t *testing.T) {
	p := people{}
	dek := bytes.Repeat([]byte{9}, tcrypto.DEKSize)
	e := p.epochOf(t, 1, 1, "h1", "h2")
	w, err := e.WrapDEK(dek)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.ShareOf(w, p["h2"])
	if err != nil || !bytes.Equal(s, append(bytes.Clone(dek), 1)) {
		t.Fatalf("ShareOf = %x, %v", s, err)
	}
	if _, err := e.ShareOf(w, p.get(t, "stranger")); !errors.Is(err, ErrNoSlot) {
		t.Fatalf("a stranger: err = %v, want ErrNoSlot", err)
	}
}
