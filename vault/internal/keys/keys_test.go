package keys

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/internal/fault"
	"github.com/tvault/tvault/vault/internal/record"
)

func team(t *testing.T, threshold int) (*testkit.Team, *policy.Policy) {
	t.Helper()
	tm, err := testkit.NewTeam(t.TempDir(), threshold)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse(tm.Policy)
	if err != nil {
		t.Fatal(err)
	}
	return tm, pol
}

// signed generates and signs epoch 1 of class as admin-kyiv, and returns
// it stored and the anchor that vouches for it.
func signed(t *testing.T, tm *testkit.Team, pol *policy.Policy, class string) ([]byte, Anchor) {
	t.Helper()
	e, err := Generate(pol, 1, class, 1)
	if err != nil {
		t.Fatal(err)
	}
	admin := tm.Get("admin-kyiv")
	raw, err := e.Sign(admin.Identity, admin.Name)
	if err != nil {
		t.Fatal(err)
	}
	return raw, Anchor{Signer: admin.Name, Key: admin.Identity.SigningPublicKey(), PolicyVersion: 1, Policy: pol}
}

// TestDEKRoundTrip wraps a DEK to each class and opens it as every member:
// holders get it back, others hold no slot; with threshold 2 one holder
// alone is short of the threshold.
func TestDEKRoundTrip(t *testing.T) {
	for _, th := range []int{1, 2} {
		tm, pol := team(t, th)
		for _, class := range pol.ClassNames() {
			raw, anchor := signed(t, tm, pol, class)
			e, err := Load(raw, class, 1, anchor)
			if err != nil {
				t.Fatalf("threshold %d, %s: Load: %v", th, class, err)
			}
			dek := bytes.Repeat([]byte{7}, 32)
			w, err := e.WrapDEK(dek)
			if err != nil {
				t.Fatal(err)
			}
			holders := map[string]bool{}
			for _, h := range pol.Holders(class) {
				holders[h.Name] = true
			}
			for _, m := range tm.Members {
				got, err := e.OpenDEK(w, m.Identity)
				var te *ThresholdError
				switch {
				case !holders[m.Name]:
					if !errors.Is(err, ErrNoSlot) {
						t.Errorf("threshold %d, %s, %s (not a holder): err = %v, want ErrNoSlot", th, class, m.Name, err)
					}
				case e.Threshold > 1:
					if !errors.As(err, &te) || te.Need != e.Threshold {
						t.Errorf("threshold %d, %s, %s: err = %v, want a ThresholdError", th, class, m.Name, err)
					}
				case err != nil || !bytes.Equal(got, dek):
					t.Errorf("threshold %d, %s, %s: OpenDEK = %x, %v", th, class, m.Name, got, err)
				}
			}
		}
	}
}

// TestLoadRefuses: Load refuses what the anchor does not vouch for: another signer, another
// policy version, a slot wrapped to someone who does not hold the class.
func TestLoadRefuses(t *testing.T) {
	tm, pol := team(t, 1)
	raw, anchor := signed(t, tm, pol, "identity")
	other := anchor
	other.Signer = "iryna"
	other.Key = tm.Get("iryna").Identity.SigningPublicKey()
	later := anchor
	later.PolicyVersion = 2

	// An insider (iryna holds identity) re-signs the epoch with a slot
	// wrapped to an analyst added.
	e, err := Load(raw, "identity", 1, anchor)
	if err != nil {
		t.Fatal(err)
	}
	mykola := tm.Get("mykola")
	e.Slots[0].Wraps = append(e.Slots[0].Wraps, record.HolderWrap{Member: mykola.Name, Recipient: mykola.Identity.Recipient(), Secret: []byte("x")})
	admin := tm.Get("admin-kyiv")
	widened, err := e.Sign(admin.Identity, admin.Name)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		raw    []byte
		class  string
		anchor Anchor
	}{
		"another signer":          {raw, "identity", other},
		"another policy version":  {raw, "identity", later},
		"another class":           {raw, "testimony", anchor},
		"wrapped to a non-holder": {widened, "identity", anchor},
	} {
		if _, err := Load(c.raw, c.class, 1, c.anchor); !errors.Is(err, fault.ErrIntegrity) {
			t.Errorf("%s: err = %v, want an integrity failure", name, err)
		}
	}
}

// TestOpenDEKRefusesAMismatchedWrap: a wrap of another epoch or shape is
// damage, not a key.
func TestOpenDEKRefusesAMismatchedWrap(t *testing.T) {
	tm, pol := team(t, 1)
	raw, anchor := signed(t, tm, pol, "testimony")
	e, err := Load(raw, "testimony", 1, anchor)
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.WrapDEK(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	iryna := tm.Get("iryna").Identity
	bad := *w
	bad.Epoch = 2
	if _, err := e.OpenDEK(&bad, iryna); !errors.Is(err, fault.ErrIntegrity) {
		t.Errorf("wrap of another epoch: err = %v", err)
	}
	bad = *w
	bad.Shares = [][]byte{[]byte("not age")}
	if _, err := e.OpenDEK(&bad, iryna); !errors.Is(err, fault.ErrIntegrity) {
		t.Errorf("garbage share: err = %v", err)
	}
}
