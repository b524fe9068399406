package vault

import (
	"errors"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/store"
)

// A holder with the keys action rotates a threshold-2 class with a tvault
// of their own: every slot wrapped only to holders, as Load checks, but
// the other holder's slot wrapped to them as well. Their keys-rotate entry
// vouches for it, keys status sees nothing amiss, and from then on they
// open every record of the class alone: the two-person rule is gone. An
// epoch of a threshold class must give each holder one slot and no more.
func TestReviewThresholdEpochWithTwoSlotsForOneHolderIsRefused(t *testing.T) {
	f := newFixture(t, 2)
	iryna, taras := f.team.Get("iryna").Identity, f.team.Get("taras").Identity
	f.as("iryna", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error {
			e, err := keys.Generate(v.Vault.pol, v.Vault.polVer, "identity", 2)
			if err != nil {
				return err
			}
			for i, s := range e.Slots {
				if s.Wraps[0].Member != "taras" {
					continue
				}
				secret, err := tcrypto.Unwrap(s.Wraps[0].Secret, taras.AgeIdentity())
				if err != nil {
					return err
				}
				r, err := tcrypto.ParseRecipient(iryna.Recipient())
				if err != nil {
					return err
				}
				w, err := tcrypto.Wrap(secret, r)
				if err != nil {
					return err
				}
				e.Slots[i].Wraps = append(e.Slots[i].Wraps, s.Wraps[0])
				e.Slots[i].Wraps[1].Member, e.Slots[i].Wraps[1].Recipient, e.Slots[i].Wraps[1].Secret = "iryna", iryna.Recipient(), w
			}
			raw, err := e.Sign(v.Actor.id, "iryna")
			if err != nil {
				return err
			}
			entry, err := v.Actor.appendEntry(tx, audit.Entry{Action: actionRotate, Class: "identity", Outcome: audit.OutcomeOK,
				Detail: "epoch 2 under policy version 1: wrapped to iryna, taras", Digest: audit.Digest(raw)})
			if err != nil {
				return err
			}
			if err := tx.PutEpoch("identity", 2, raw); err != nil {
				return err
			}
			return tx.PutEpochEntry("identity", 2, entry.Seq)
		})
	})
	var id string
	f.as("olena", func(v *member) {
		res, err := v.Seal(ctx, []*Form{f.exampleForm("TH")})
		if err != nil {
			if !errors.Is(err, ErrIntegrity) {
				t.Fatalf("seal: %v, want an integrity error", err)
			}
			return
		}
		id = res[0].ID
	})
	if id == "" {
		return
	}
	f.as("iryna", func(v *member) {
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("out"), Classes: []string{"identity"}, Purpose: "advocacy"}); err == nil {
			t.Fatalf("iryna alone opened class identity (threshold 2) of a record sealed after her rotation")
		}
	})
}

// The same holder, more simply, rotates the threshold-2 class to an epoch
// that says threshold 1: one slot, wrapped to every holder. Load must hold
// an epoch to the threshold the policy gives the class.
func TestReviewEpochBelowThePolicysThresholdIsRefused(t *testing.T) {
	f := newFixture(t, 2)
	one, err := CheckPolicy([]byte(strings.Replace(string(f.team.Policy), "threshold = 2\n", "", 1)))
	if err != nil || one.Threshold("identity") != 1 {
		t.Fatalf("policy without the threshold: %v", err)
	}
	f.as("iryna", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error {
			e, err := keys.Generate(one, v.Vault.polVer, "identity", 2)
			if err != nil {
				return err
			}
			raw, err := e.Sign(v.Actor.id, "iryna")
			if err != nil {
				return err
			}
			entry, err := v.Actor.appendEntry(tx, audit.Entry{Action: actionRotate, Class: "identity", Outcome: audit.OutcomeOK,
				Detail: "epoch 2 under policy version 1: wrapped to iryna, taras", Digest: audit.Digest(raw)})
			if err != nil {
				return err
			}
			if err := tx.PutEpoch("identity", 2, raw); err != nil {
				return err
			}
			return tx.PutEpochEntry("identity", 2, entry.Seq)
		})
	})
	var id string
	f.as("olena", func(v *member) {
		res, err := v.Seal(ctx, []*Form{f.exampleForm("TH")})
		if err != nil {
			if !errors.Is(err, ErrIntegrity) {
				t.Fatalf("seal: %v, want an integrity error", err)
			}
			return
		}
		id = res[0].ID
	})
	if id == "" {
		return
	}
	f.as("iryna", func(v *member) {
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("out"), Classes: []string{"identity"}, Purpose: "advocacy"}); err == nil {
			t.Fatalf("iryna alone opened class identity (threshold 2 in the policy) of a record sealed after her rotation")
		}
	})
}
