package vault

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// Review of keys sync / rotate / rewrap (issue 12): holes found by playing
// an insider with the vault folder, a removed member and a careless user.

// withMedical is the fixture's policy with a class medical that the legal
// role decrypts, added after init.
func withMedical(pol string) string {
	pol = strings.Replace(pol, "[roles.admin]", "[classes.medical]\ndescription = \"Medical records\"\n\n[roles.admin]", 1)
	return strings.Replace(pol, `decrypt = ["testimony", "identity"]`, `decrypt = ["testimony", "identity", "medical"]`, 1)
}

// A policy apply that adds a class must not stop the team from sealing
// forms that do not use it: until a holder makes its keys, only a form
// with that class is refused.
func TestReviewNewClassDoesNotBlockOtherSeals(t *testing.T) {
	f := newFixture(t, 1)
	f.applyPolicy("admin-kyiv", withMedical(string(f.team.Policy)))
	f.as("olena", func(v *member) {
		if _, err := v.Seal(ctx, []*Form{f.exampleForm("N1")}); err != nil {
			t.Fatalf("seal of a form without the new class, before its keys exist: %v", err)
		}
	})
}

// Someone who rolls a policy apply back (deletes the newest version and
// its pointer, e.g. the one that removed them) before the rotation it asks
// for leaves a vault that opens and seals as if it never happened. The
// audit log still holds the policy-apply entry: check must say so.
func TestReviewDeletedPolicyVersionIsFoundByCheck(t *testing.T) {
	f := newFixture(t, 1)
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	f.as("taras", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error { return tx.DeletePolicyVersion(2) })
	})
	f.as("mykola", func(v *member) {
		if v.Vault.polVer != 1 {
			t.Fatalf("policy in force: version %d", v.Vault.polVer)
		}
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, fd := range rep.Findings {
			found = found || strings.Contains(fd.String(), "policy versions were removed")
		}
		if !found {
			t.Fatalf("check did not find the deleted policy version: %+v", rep.Findings)
		}
	})
}

// Records whose epoch's keys were deleted from the store are still open to
// whoever kept that epoch's slot key (a removed holder with an old copy):
// keys status must not say the holders match the policy.
func TestReviewKeyStatusNotSilentAboutRecordsOnMissingEpoch(t *testing.T) {
	f := newFixture(t, 1)
	f.as("olena", func(v *member) { seal(t, v, f.exampleForm("M1")) })
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	f.as("iryna", func(v *member) {
		if _, err := v.RotateKeys("identity"); err != nil {
			t.Fatal(err)
		}
		// taras, with the folder, deletes the epoch the old records are on.
		tamper(t, v, func(tx *store.Txn) error { return tx.DeleteEpoch("identity", 1) })
	})
	f.as("mykola", func(v *member) {
		st, _, err := v.KeyStatus()
		if err != nil {
			return // refusing is not silence
		}
		for _, c := range st {
			if c.Class == "identity" && len(c.Stale) == 0 && c.Unreadable == 0 {
				t.Fatalf("keys status of identity says nothing of the record on the deleted epoch 1: %+v", c)
			}
		}
	})
}

// A DEK wrap naming an epoch that does not exist (written by someone with
// the folder) opens for no one; keys rewrap must not count it as already
// on the current epoch.
func TestReviewRewrapDoesNotCountWrapOnMissingEpochAsCurrent(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("W1"))[0].ID })
	f.as("iryna", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error {
			raw, err := tx.DEK(id, "identity")
			if err != nil {
				return err
			}
			w, err := record.DecodeDEKWrap(raw, id, "identity")
			if err != nil {
				return err
			}
			w.Epoch = 7
			out, err := w.Encode()
			if err != nil {
				return err
			}
			return tx.PutDEK(id, "identity", out)
		})
		res, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"identity"}})
		if err == nil && res[0].Left == 0 {
			t.Fatalf("rewrap reports a wrap on epoch 7 (which does not exist) as done: %+v", res)
		}
	})
}

// A threshold class's holder leaves: policy apply, keys status and keys
// sync all say to run keys rotate and then keys rewrap. With three holders
// of a 2-of-3 class, the two who stay each offer a slot of the new epoch
// and each run keys rewrap once; the record moves, its key never whole,
// and the one who left holds no share of it. (With 2-of-2, the one who
// stays cannot move it alone: moving takes k old shares.)
func TestReviewRewrapMovesThresholdRecords(t *testing.T) {
	f := newFixture(t, 2)
	lawyer, err := tcrypto.GenerateIdentity(false)
	if err != nil {
		t.Fatal(err)
	}
	card := lawyer.Card()
	withLawyer := string(f.team.Policy) + fmt.Sprintf("\n[[members]]\nname = \"lawyer\"\nroles = [\"legal\"]\nrecipient = %q\nsigning_key = %q\ncard_sig = %q\n",
		card.Recipient, card.SigningKey, card.Signature)
	f.applyPolicy("admin-kyiv", withLawyer)
	rotate := func(ids ...*tcrypto.Identity) {
		for _, id := range ids {
			v, err := Open(f.dir, f.options())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := as(v, id).RotateKeys("identity"); err != nil {
				t.Fatal(err)
			}
			v.Close()
		}
	}
	iryna, taras := f.team.Get("iryna").Identity, f.team.Get("taras").Identity
	rotate(iryna, taras, lawyer)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("T1"))[0].ID })
	ch := f.applyPolicy("admin-kyiv", withoutMember(t, withLawyer, "taras"))
	if !contains(ch.Rotate, "identity") {
		t.Fatalf("policy apply does not ask for a rotation of identity: %+v", ch)
	}
	rotate(iryna, lawyer)
	for i, who := range []*tcrypto.Identity{iryna, lawyer} {
		v, err := Open(f.dir, f.options())
		if err != nil {
			t.Fatal(err)
		}
		res, err := as(v, who).Rewrap(ctx, RewrapOptions{Classes: []string{"identity"}})
		v.Close()
		if err != nil || res[0].Left != 0 || res[0].Moved != i || res[0].Waiting != 1-i {
			t.Fatalf("rewrap %d of a threshold class: %+v, %v", i+1, res, err)
		}
	}
	v := f.open("iryna")
	defer v.Close()
	peek(t, v, func(tx *store.Txn) error {
		raw, err := tx.DEK(id, "identity")
		if err != nil {
			return err
		}
		w, err := record.DecodeDEKWrap(raw, id, "identity")
		if err != nil {
			return err
		}
		e, err := v.loadEpoch(tx, "identity", w.Epoch)
		if err != nil {
			return err
		}
		if w.Epoch != 3 {
			t.Errorf("the record is on epoch %d, want 3", w.Epoch)
		}
		if _, err := e.ShareOf(w, taras); !errors.Is(err, keys.ErrNoSlot) {
			t.Errorf("taras, who left, holds a share of the moved record: %v", err)
		}
		return nil
	})
}

// One record with a damaged key (a bit flipped on disk, or someone with
// the folder) must not keep every other record of the class on the keys a
// removed member holds: keys rewrap moves the rest and counts it as left.
func TestReviewRewrapMovesPastADamagedWrap(t *testing.T) {
	for _, damage := range []string{"undecodable", "undecryptable"} {
		t.Run(damage, func(t *testing.T) {
			f := newFixture(t, 1)
			var ids []string
			f.as("olena", func(v *member) {
				for _, r := range seal(t, v, f.exampleForm("D1"), f.exampleForm("D2")) {
					ids = append(ids, r.ID)
				}
			})
			f.as("iryna", func(v *member) {
				tamper(t, v, func(tx *store.Txn) error {
					if damage == "undecodable" {
						return tx.PutDEK(ids[0], "identity", []byte("{not a wrap"))
					}
					raw, err := tx.DEK(ids[0], "identity")
					if err != nil {
						return err
					}
					w, err := record.DecodeDEKWrap(raw, ids[0], "identity")
					if err != nil {
						return err
					}
					w.Shares[0][len(w.Shares[0])-1] ^= 1
					out, err := w.Encode()
					if err != nil {
						return err
					}
					return tx.PutDEK(ids[0], "identity", out)
				})
				if _, err := v.RotateKeys("identity"); err != nil {
					t.Fatal(err)
				}
				res, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"identity"}})
				if err != nil || res[0].Moved != 1 || res[0].Left != 1 || !strings.Contains(res[0].Pending, ids[0]) {
					t.Fatalf("rewrap with one damaged wrap: %+v, %v; want the other record moved and the damaged one left, named", res, err)
				}
			})
		})
	}
}

// A member given a class by keys sync and later removed is a stale holder
// until rotate and rewrap. If they (with the folder) delete the grant that
// gave them the keys, keys status falls silent while they keep the slot
// key they unwrapped. The log still holds the keys-sync entry: check must
// find that its grant is gone.
func TestReviewDeletedGrantIsFoundByCheck(t *testing.T) {
	f := newFixture(t, 1)
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras")+
		strings.Replace(memberBlock(t, string(f.team.Policy), "taras"), `name = "taras"`, `name = "taras2"`, 1))
	f.as("iryna", func(v *member) {
		if _, err := v.SyncKeys([]string{"identity"}); err != nil {
			t.Fatal(err)
		}
	})
	f.as("taras", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error {
			gs, err := tx.Grants("identity", 1)
			if err != nil || len(gs) != 1 {
				t.Fatalf("grants: %v, %v", gs, err)
			}
			return tx.DeleteGrant("identity", 1, gs[0].Seq)
		})
	})
	f.as("mykola", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, fd := range rep.Findings {
			found = found || strings.Contains(fd.String(), "its key grant is missing")
		}
		if !found {
			t.Fatalf("check did not find the deleted grant: %+v", rep.Findings)
		}
	})
}

// A policy apply that takes a class from every holder who has the keys
// action leaves a class that must be rotated (a holder left) and that no
// one may rotate: policy apply would print 'tvault keys rotate --class C'
// for a command every member is denied, and the members who left would
// hold its keys for good. It is refused, saying why.
func TestReviewPolicyLeavingNoOneToRotateIsRefused(t *testing.T) {
	f := newFixture(t, 1)
	pol := strings.Replace(string(f.team.Policy), `decrypt = ["testimony", "identity"]`, `decrypt = ["identity"]`, 1)
	f.as("admin-kyiv", func(v *member) {
		ch, err := v.ApplyPolicy([]byte(pol))
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "keys action") {
			t.Fatalf("ApplyPolicy: %+v, %v; want it refused: no holder of testimony could rotate it", ch, err)
		}
	})
}

// keys rewrap wraps on every core with one current epoch, whose slot
// recipients were parsed lazily by whichever goroutine came first: a data
// race (go test -race finds it here, with more than one record to move).
func TestReviewRewrapInParallelIsRaceFree(t *testing.T) {
	f := newFixture(t, 1)
	f.as("olena", func(v *member) {
		seal(t, v, f.exampleForm("P1"), f.exampleForm("P2"), f.exampleForm("P3"), f.exampleForm("P4"))
	})
	f.as("iryna", func(v *member) {
		if _, err := v.RotateKeys("testimony"); err != nil {
			t.Fatal(err)
		}
		res, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"testimony"}})
		if err != nil || res[0].Moved != 4 {
			t.Fatalf("Rewrap: %+v, %v", res, err)
		}
	})
}
