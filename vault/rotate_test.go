package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// removeTaras applies a policy without taras and has iryna rotate and
// rewrap every class; it returns the ids of a record sealed before the
// removal and one sealed after the rotation.
func removeTaras(t *testing.T, f *fixture) (before, after string) {
	t.Helper()
	f.as("olena", func(v *member) { before = seal(t, v, f.exampleForm("B1"))[0].ID })
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	f.as("iryna", func(v *member) {
		for _, c := range []string{"identity", "testimony"} {
			if r, err := v.RotateKeys(c); err != nil || r.To != 2 {
				t.Fatalf("RotateKeys(%s): %+v, %v", c, r, err)
			}
		}
	})
	f.as("olena", func(v *member) { after = seal(t, v, f.exampleForm("A1"))[0].ID })
	f.as("iryna", func(v *member) {
		res, err := v.Rewrap(ctx, RewrapOptions{})
		if err != nil || len(res) != 2 || res[0].Moved != 1 || res[0].Current != 1 || res[0].Left != 0 {
			t.Fatalf("Rewrap: %+v, %v", res, err)
		}
	})
	return before, after
}

// After rotate and rewrap, the removed member's own key unwraps no record's
// DEK, old or new, whatever the policy says: the boundary is the
// cryptography (here called directly, past every policy check).
func TestRemovedHolderHoldsNoKeyAfterRewrap(t *testing.T) {
	f := newFixture(t, 1)
	before, after := removeTaras(t, f)
	taras := f.team.Get("taras").Identity
	v := f.open("iryna")
	defer v.Close()
	for _, id := range []string{before, after} {
		for _, class := range []string{"identity", "testimony"} {
			peek(t, v, func(tx *store.Txn) error {
				raw, err := tx.DEK(id, class)
				if err != nil {
					return err
				}
				w, err := record.DecodeDEKWrap(raw, id, class)
				if err != nil {
					return err
				}
				if w.Epoch != 2 {
					t.Errorf("record %s class %s is on epoch %d, want 2", id, class, w.Epoch)
				}
				e, err := v.loadEpoch(tx, class, w.Epoch)
				if err != nil {
					return err
				}
				if _, err := e.OpenDEK(w, taras); !errors.Is(err, keys.ErrNoSlot) {
					t.Errorf("taras opens record %s class %s: %v, want ErrNoSlot", id, class, err)
				}
				dek, err := e.OpenDEK(w, f.team.Get("iryna").Identity)
				if err != nil {
					t.Errorf("iryna cannot open record %s class %s: %v", id, class, err)
				}
				clear(dek)
				return nil
			})
		}
	}
	// Iryna still opens both, whole.
	for _, id := range []string{before, after} {
		dir := f.mkdir("out")
		if _, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: dir}); err != nil {
			t.Fatalf("open %s: %v", id, err)
		}
	}
}

// Someone with the vault folder and a key of their own writes a new epoch
// of a class wrapped to themselves, so that every record sealed after it is
// theirs to read. Without the keys-rotate entry that stored it, every
// seal refuses it; with an entry of their own but without the class or the
// keys action, too; an epoch rewritten after its rotation, too.
func TestForgedEpochIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, forger, class, want string
		forge                     func(t *testing.T, v *member, class string)
	}{
		{"no entry", "iryna", "identity", "have no keys-rotate entry", func(t *testing.T, v *member, class string) {
			e, err := keys.Generate(v.Vault.pol, v.Vault.polVer, class, 2)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := e.Sign(v.Actor.id, v.Actor.member.Name)
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, v, func(tx *store.Txn) error { return tx.PutEpoch(class, 2, raw) })
		}},
		{"analyst without the keys action", "mykola", "testimony", "did not hold the class (or, to rotate it, the keys action)", func(t *testing.T, v *member, class string) {
			tamper(t, v, func(tx *store.Txn) error { _, err := v.Actor.rotate(tx, class); return err })
		}},
		{"rewritten after rotation", "iryna", "identity", "is not the one its keys-rotate entry", func(t *testing.T, v *member, class string) {
			if _, err := v.RotateKeys(class); err != nil {
				t.Fatal(err)
			}
			e, err := keys.Generate(v.Vault.pol, v.Vault.polVer, class, 2)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := e.Sign(v.Actor.id, v.Actor.member.Name)
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, v, func(tx *store.Txn) error { return tx.PutEpoch(class, 2, raw) })
		}},
		{"pointing at another entry", "iryna", "identity", "is not the entry that stored it", func(t *testing.T, v *member, class string) {
			if _, err := v.RotateKeys("testimony"); err != nil {
				t.Fatal(err)
			}
			tamper(t, v, func(tx *store.Txn) error {
				seq, err := tx.EpochEntry("testimony", 2)
				if err != nil {
					return err
				}
				e, err := keys.Generate(v.Vault.pol, v.Vault.polVer, class, 2)
				if err != nil {
					return err
				}
				raw, err := e.Sign(v.Actor.id, v.Actor.member.Name)
				if err != nil {
					return err
				}
				if err := tx.PutEpoch(class, 2, raw); err != nil {
					return err
				}
				return tx.PutEpochEntry(class, 2, seq)
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1)
			f.as(tc.forger, func(v *member) { tc.forge(t, v, tc.class) })
			f.as("olena", func(v *member) {
				_, err := v.Seal(ctx, []*Form{f.exampleForm("F")})
				if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("seal after a forged epoch: %v, want an integrity error saying %q", err, tc.want)
				}
			})
			f.as("mykola", func(v *member) {
				rep, err := v.Check(ctx, CheckOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Errors() == 0 {
					t.Fatalf("check found nothing: %+v", rep.Findings)
				}
			})
		})
	}
}

// keys sync adds a grant, bound to its keys-sync entry, and leaves the
// epoch as its rotation made it (stale wraps included: keys status still
// names them). A grant forged without an entry, rewritten after its entry,
// or made (with an entry of their own) by a member who does not hold the
// class, or to a member who does not, is refused.
func TestKeyGrants(t *testing.T) {
	f := newFixture(t, 1)
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras")+
		strings.Replace(memberBlock(t, string(f.team.Policy), "taras"), `name = "taras"`, `name = "taras2"`, 1))
	var epoch1 []byte
	f.as("iryna", func(v *member) {
		peek(t, v, func(tx *store.Txn) (err error) { epoch1, err = tx.Epoch("identity", 1); return err })
		res, err := v.SyncKeys(nil)
		if err != nil || len(res) != 2 || len(res[0].Granted) != 1 || res[0].Granted[0] != "taras2" {
			t.Fatalf("SyncKeys: %+v, %v", res, err)
		}
		st, _, err := v.KeyStatus()
		if err != nil || len(st[0].Stale) != 1 || st[0].Stale[0] != "taras" || len(st[0].Lacking) != 0 {
			t.Fatalf("KeyStatus: %+v, %v", st, err)
		}
		peek(t, v, func(tx *store.Txn) error {
			after, err := tx.Epoch("identity", 1)
			if err == nil && string(after) != string(epoch1) {
				t.Errorf("keys sync rewrote the epoch")
			}
			return err
		})
	})
	grant := func(v *member, member string) []byte {
		m, _ := v.Vault.pol.Member(member)
		g := &record.Grant{Class: "identity", Number: 1, PolicyVersion: 2,
			Wraps: []record.HolderWrap{{Member: m.Name, Recipient: m.Recipient, Secret: []byte("not a key")}}}
		raw, err := record.SignGrant(v.Actor.id, v.Actor.member.Name, g)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, tc := range []struct {
		name, forger, want string
		forge              func(v *member, tx *store.Txn) error
	}{
		{"no entry", "iryna", "audit entry 99 is missing", func(v *member, tx *store.Txn) error {
			return tx.PutGrant("identity", 1, 99, grant(v, "mykola"))
		}},
		{"rewritten", "iryna", "is not the one its keys-sync entry", func(v *member, tx *store.Txn) error {
			gs, err := tx.Grants("identity", 1)
			if err != nil {
				return err
			}
			return tx.PutGrant("identity", 1, gs[0].Seq, grant(v, "mykola"))
		}},
		{"to a non-holder", "iryna", `wrapped to "mykola", who does not hold the class`, func(v *member, tx *store.Txn) error {
			raw := grant(v, "mykola")
			e, err := v.Actor.appendEntry(tx, audit.Entry{Action: actionSync, Class: "identity", Outcome: audit.OutcomeOK, Digest: audit.Digest(raw)})
			if err != nil {
				return err
			}
			return tx.PutGrant("identity", 1, e.Seq, raw)
		}},
		{"by a non-holder", "mykola", `stored by "mykola", who did not hold the class`, func(v *member, tx *store.Txn) error {
			raw := grant(v, "mykola")
			e, err := v.Actor.appendEntry(tx, audit.Entry{Action: actionSync, Class: "identity", Outcome: audit.OutcomeOK, Digest: audit.Digest(raw)})
			if err != nil {
				return err
			}
			return tx.PutGrant("identity", 1, e.Seq, raw)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := f.open(tc.forger)
			var saved []store.StoredGrant
			peek(t, v, func(tx *store.Txn) (err error) { saved, err = tx.Grants("identity", 1); return err })
			tamper(t, v, func(tx *store.Txn) error { return tc.forge(v, tx) })
			v.Close()
			f.as("olena", func(v *member) {
				if _, err := v.Seal(ctx, []*Form{f.exampleForm("F")}); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("seal: %v, want an integrity error saying %q", err, tc.want)
				}
				// Put the grants back as keys sync left them.
				tamper(t, v, func(tx *store.Txn) error {
					gs, err := tx.Grants("identity", 1)
					if err != nil {
						return err
					}
					for _, g := range gs {
						if err := tx.DeleteGrant("identity", 1, g.Seq); err != nil {
							return err
						}
					}
					for _, g := range saved {
						if err := tx.PutGrant("identity", 1, g.Seq, g.Raw); err != nil {
							return err
						}
					}
					return nil
				})
				seal(t, v, f.exampleForm("ok"))
			})
		})
	}
}

// memberBlock returns the [[members]] block of name in pol, with its header.
func memberBlock(t *testing.T, pol, name string) string {
	t.Helper()
	const sep = "\n[[members]]\n"
	for _, b := range strings.Split(pol, sep)[1:] {
		if strings.HasPrefix(b, "name = \""+name+"\"\n") {
			return sep + b
		}
	}
	t.Fatalf("no member %s", name)
	return ""
}

// Someone with the vault folder deletes a class's newest keys after a
// rotation, so that new records are sealed to the epoch a removed holder
// still holds. Sealing cannot tell without reading the whole log; check
// does, from the rotations the log records.
func TestDeletedEpochIsFoundByCheck(t *testing.T) {
	f := newFixture(t, 1)
	f.as("iryna", func(v *member) {
		if _, err := v.RotateKeys("identity"); err != nil {
			t.Fatal(err)
		}
		tamper(t, v, func(tx *store.Txn) error { return tx.DeleteEpoch("identity", 2) })
	})
	f.as("mykola", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, fd := range rep.Findings {
			found = found || strings.Contains(fd.String(), "audit entry 1 stored keys that are no longer in the store")
		}
		if !found {
			t.Fatalf("check did not find the deleted epoch: %+v", rep.Findings)
		}
	})
}

// Raising a class's threshold takes effect for old records too once they
// are rewrapped: the rewrapper splits each DEK between the new epoch's
// slots, and no holder alone opens the record any more.
func TestRaisedThresholdAppliesAfterRewrap(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("T1"))[0].ID })
	pol := strings.Replace(string(f.team.Policy), "[classes.identity]\n", "[classes.identity]\nthreshold = 2\n", 1)
	ch := f.applyPolicy("admin-kyiv", pol)
	if len(ch.Rotate) != 1 || ch.Rotate[0] != "identity" {
		t.Fatalf("ApplyPolicy: rotate %v, want identity", ch.Rotate)
	}
	// Each holder offers a slot of their own; the last one's run puts the
	// epoch in force.
	f.as("taras", func(v *member) {
		if r, err := v.RotateKeys("identity"); err != nil || r.Threshold != 2 || len(r.Awaiting) != 1 || r.Awaiting[0] != "iryna" {
			t.Fatalf("RotateKeys: %+v, %v", r, err)
		}
	})
	f.as("iryna", func(v *member) {
		if r, err := v.RotateKeys("identity"); err != nil || r.Threshold != 2 || len(r.Awaiting) != 0 {
			t.Fatalf("RotateKeys: %+v, %v", r, err)
		}
		if res, err := v.Rewrap(ctx, RewrapOptions{Classes: []string{"identity"}}); err != nil || res[0].Moved != 1 {
			t.Fatalf("Rewrap: %+v, %v", res, err)
		}
		_, err := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: f.mkdir("out"), Classes: []string{"identity"}})
		if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "needs 2 holders") {
			t.Fatalf("identity opened by one holder alone: %v", err)
		}
	})
}

// A holder with the keys action who makes every slot of a threshold
// class's new epoch herself (with a tvault of her own), so as to keep
// every slot key and open the class's records alone, is refused: each
// slot of a rotated threshold epoch must be the offer its holder signed.
func TestThresholdEpochMadeByOneHolderIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		offer      func(t *testing.T, v *member, o *record.SlotOffer) []byte
	}{
		{"no offers", "slot 1 was not offered by its holder", nil},
		{"offers signed by the rotator", "was not made by them for this epoch", func(t *testing.T, v *member, o *record.SlotOffer) []byte {
			raw, err := record.SignSlotOffer(v.Actor.id, o)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 2)
			f.as("iryna", func(v *member) {
				pol, ver := v.Vault.pol, v.Vault.polVer
				e, err := keys.Generate(pol, ver, "identity", 2)
				if err != nil {
					t.Fatal(err)
				}
				if tc.offer != nil {
					var offers = map[string][]byte{}
					for _, h := range pol.Holders("identity") {
						o, err := keys.OfferSlot(pol, ver, "identity", 2, h)
						if err != nil {
							t.Fatal(err)
						}
						offers[h.Name] = tc.offer(t, v, o)
					}
					for i, h := range pol.Holders("identity") {
						o, _ := record.DecodeSlotOffer(offers[h.Name], "identity", 2)
						e.Slots[i] = record.Slot{Recipient: o.Recipient, Wraps: []record.HolderWrap{o.Wrap}, Offer: offers[h.Name]}
					}
				}
				tamper(t, v, func(tx *store.Txn) error {
					return v.Actor.putRotation(tx, &Rotation{Class: "identity", To: 2}, e)
				})
			})
			f.as("olena", func(v *member) {
				if _, err := v.Seal(ctx, []*Form{f.exampleForm("F")}); !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("seal after a one-holder threshold epoch: %v, want %q", err, tc.want)
				}
			})
		})
	}
}
