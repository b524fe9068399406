package vault

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// twoPurposeForm consents to research and prosecution, not advocacy.
const twoPurposeForm = `[public]
category = "pow"
consent = ["research", "prosecution"]

[testimony]
summary = "what happened"
files = ["t.txt"]

[identity]
interviewee = "Олена Петренко"
`

// sealTwoPurposes seals twoPurposeForm in a binding fixture (purposes
// research, prosecution and advocacy) and returns its id.
func sealTwoPurposes(t *testing.T, f *fixture) string {
	t.Helper()
	var id string
	f.as("olena", func(v *member) {
		id = seal(t, v, f.customForm(twoPurposeForm, map[string][]byte{"t.txt": []byte("testimony")}))[0].ID
	})
	return id
}

// lastEntry returns the newest audit entry.
func lastEntry(t *testing.T, v *member) audit.Entry {
	t.Helper()
	var e audit.Entry
	peek(t, v, func(tx *store.Txn) error {
		n, err := tx.Size()
		if err != nil {
			return err
		}
		leaf, err := tx.ReadEntry(n - 1)
		if err != nil {
			return err
		}
		e, err = audit.ParseLeaf(leaf)
		return err
	})
	return e
}

// opensFor opens and cats record id for purpose, and reports nil or the
// error both gave (they must agree).
func opensFor(t *testing.T, v *member, id, purpose string) error {
	t.Helper()
	_, oerr := v.OpenRecord(ctx, id, OpenRecordOptions{Dir: t.TempDir() + "/out", Purpose: purpose})
	var buf bytes.Buffer
	cerr := v.Cat(ctx, id, "testimony", "t.txt", &buf, CatOptions{Purpose: purpose})
	if (oerr == nil) != (cerr == nil) {
		t.Errorf("purpose %s: open says %v, cat %v", purpose, oerr, cerr)
	}
	if cerr != nil && buf.Len() != 0 {
		t.Errorf("purpose %s: a refused cat wrote %d bytes", purpose, buf.Len())
	}
	return oerr
}

// TestWithdrawConsent: after a withdrawal, open and cat refuse that
// purpose (a recorded denial naming it and the withdrawal's entry) and
// grant the purpose left; show lists both; withdrawing again changes
// nothing; withdrawing the last purpose leaves the record unopenable.
func TestWithdrawConsent(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	f.as("iryna", func(v *member) {
		if err := opensFor(t, v, id, "prosecution"); err != nil {
			t.Fatalf("before the withdrawal: %v", err)
		}
		res, err := v.WithdrawConsent(ctx, id, "prosecution", "the interviewee asked on the phone")
		if err != nil {
			t.Fatalf("WithdrawConsent: %v", err)
		}
		if res.Already || res.Purpose != "prosecution" || res.By != "iryna" || strings.Join(res.InForce, ",") != "research" {
			t.Errorf("WithdrawConsent = %+v", res)
		}
		e := lastEntry(t, v)
		if e.Seq != res.Entry || e.Action != "consent-withdraw" || e.Record != id || e.Outcome != audit.OutcomeOK ||
			!strings.Contains(e.Detail, "prosecution") || !strings.Contains(e.Detail, "on the phone") {
			t.Errorf("the withdrawal's entry: %+v", e)
		}
		err = opensFor(t, v, id, "prosecution")
		wantDenied(t, "open after the withdrawal", err, `withdrew consent to the purpose "prosecution"`)
		if d := lastEntry(t, v); d.Outcome != audit.OutcomeDenied || d.Action != "cat" || d.Record != id ||
			!strings.Contains(d.Detail, `"prosecution"`) || !strings.Contains(d.Detail, "entry "+strconv.FormatInt(res.Entry, 10)) {
			t.Errorf("the refused cat's entry: %+v", d)
		}
		if err := opensFor(t, v, id, "research"); err != nil {
			t.Errorf("research, still consented: %v", err)
		}
		info, err := v.Show(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c := info.Consent
		if c == nil || strings.Join(c.Given, ",") != "research,prosecution" || strings.Join(c.InForce, ",") != "research" ||
			len(c.Withdrawals) != 1 || c.Withdrawals[0] != res.Withdrawal {
			t.Errorf("show's consent: %+v, want the withdrawal %+v", c, res.Withdrawal)
		}

		n := logSize(t, v)
		again, err := v.WithdrawConsent(ctx, id, "prosecution", "asked again")
		if err != nil || !again.Already || again.Entry != res.Entry || again.Reason != res.Reason {
			t.Errorf("withdrawing again: %+v, %v; want the first withdrawal, already", again, err)
		}
		if logSize(t, v) != n {
			t.Errorf("withdrawing again wrote to the audit log")
		}

		last, err := v.WithdrawConsent(ctx, id, "research", "the interviewee withdrew everything")
		if err != nil || len(last.InForce) != 0 || last.InForce == nil {
			t.Fatalf("withdrawing the last purpose: %+v, %v", last, err)
		}
		wantDenied(t, "open for research after it was withdrawn", opensFor(t, v, id, "research"), "research")
	})
	f.as("taras", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{ReadData: true})
		if err != nil || rep.Errors() != 0 {
			t.Errorf("check after withdrawals: %v %+v", err, rep)
		}
	})
}

// TestWithdrawConsentNeedsErase: a member whose roles lack the erase
// action is denied, and the denial is recorded with the record.
func TestWithdrawConsentNeedsErase(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	for _, name := range []string{"mykola", "olena", "admin-kyiv"} {
		f.as(name, func(v *member) {
			_, err := v.WithdrawConsent(ctx, id, "prosecution", "no right to")
			wantDenied(t, name, err, "erase action")
			if e := lastEntry(t, v); e.Action != "consent-withdraw" || e.Outcome != audit.OutcomeDenied || e.Record != id || e.Actor != name {
				t.Errorf("%s's denial is not on record: %+v", name, e)
			}
		})
	}
	f.as("iryna", func(v *member) {
		if err := opensFor(t, v, id, "prosecution"); err != nil {
			t.Errorf("a denied withdrawal withdrew: %v", err)
		}
	})
}

// TestWithdrawConsentInput: what cannot be withdrawn is a usage error
// (*InputError, exit 2) that writes nothing; a record that is not there
// is ErrNotFound.
func TestWithdrawConsentInput(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	f.as("iryna", func(v *member) {
		n := logSize(t, v)
		for _, c := range []struct{ id, purpose, reason, want string }{
			{id, "gossip", "r", "not a purpose of this vault's policy"},
			{id, "", "r", "say which one with --purpose"},
			{id, "advocacy", "r", "never consented to the purpose \"advocacy\""},
			{id, "research\nprosecution", "r", "one line"},
			{id, "research", "", "give the reason for withdrawing consent"},
			{id, "research", "   ", "give the reason"},
			{id, "research", "a\nb", "give the reason"},
			{id, "research", "a\x1b[2Jb", "give the reason"},
			{id, "research", strings.Repeat("r", maxReason+1), "give the reason"},
			{"../etc", "research", "r", "is not a record id"},
		} {
			_, err := v.WithdrawConsent(ctx, c.id, c.purpose, c.reason)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("WithdrawConsent(%.20q, %.20q): err = %v, want an *InputError saying %q", c.purpose, c.reason, err, c.want)
			}
		}
		if logSize(t, v) != n {
			t.Errorf("refused withdrawals wrote %d audit entries", logSize(t, v)-n)
		}
		_, err := v.WithdrawConsent(ctx, "aaaaaaaaaaaaaaaaaaaa", "research", "r")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("a record that is not there: err = %v, want ErrNotFound", err)
		}
	})
	g := newFixture(t, 1) // no purposes
	g.as("olena", func(v *member) { id = seal(t, v, g.exampleForm("W1"))[0].ID })
	g.as("iryna", func(v *member) {
		_, err := v.WithdrawConsent(ctx, id, "research", "r")
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "lists no purposes") {
			t.Errorf("in a vault without purposes: err = %v", err)
		}
		info, err := v.Show(ctx, id)
		if err != nil || info.Consent != nil {
			t.Errorf("show in a vault without purposes: %+v, %v; want no consent", info, err)
		}
	})
}

// TestWithdrawalDeletedIsFoundByCheck: someone with the vault folder who
// deletes a withdrawal through the store has the record open for that
// purpose again — which only the audit log still contradicts: check must
// report it as an error.
func TestWithdrawalDeletedIsFoundByCheck(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	var seq int64
	f.as("iryna", func(v *member) {
		res, err := v.WithdrawConsent(ctx, id, "prosecution", "withdrawn by letter")
		if err != nil {
			t.Fatal(err)
		}
		seq = res.Entry
	})
	f.as("mykola", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error { return tx.DeleteConsentWithdrawal(id, seq) })
	})
	f.as("taras", func(v *member) {
		if err := opensFor(t, v, id, "prosecution"); err != nil {
			t.Logf("open after the deletion: %v", err) // it opens: the store no longer says otherwise
		}
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !hasFinding(rep, id, "no longer stored") {
			t.Errorf("check did not find the deleted withdrawal: %+v", rep.Findings)
		}
	})
}

// TestWithdrawalForgedIsFound: a withdrawal planted without its entry,
// moved to another record or rewritten (to another purpose) is an
// integrity failure for open, cat and show, and an error finding of check.
func TestWithdrawalForgedIsFound(t *testing.T) {
	f := newBindingFixture(t)
	id, other := sealTwoPurposes(t, f), sealTwoPurposes(t, f)
	var seq int64
	var raw []byte
	f.as("iryna", func(v *member) {
		res, err := v.WithdrawConsent(ctx, id, "prosecution", "withdrawn by letter")
		if err != nil {
			t.Fatal(err)
		}
		seq = res.Entry
		peek(t, v, func(tx *store.Txn) error {
			return tx.EachConsentWithdrawal(id, func(_ int64, v []byte) error { raw = v; return nil })
		})
	})
	forgeries := map[string]func(tx *store.Txn) error{
		"moved": func(tx *store.Txn) error {
			return tx.PutConsentWithdrawal(other, seq, bytes.Replace(raw, []byte(id), []byte(other), 1))
		},
		"planted without an entry": func(tx *store.Txn) error {
			return tx.PutConsentWithdrawal(other, seq-1, bytes.Replace(raw, []byte(id), []byte(other), 1))
		},
		"rewritten": func(tx *store.Txn) error {
			return tx.PutConsentWithdrawal(id, seq, bytes.Replace(raw, []byte("prosecution"), []byte("research"), 1))
		},
		"malformed": func(tx *store.Txn) error { return tx.PutConsentWithdrawal(other, seq, raw[:len(raw)-1]) },
	}
	for name, forge := range forgeries {
		t.Run(name, func(t *testing.T) {
			victim := other
			if name == "rewritten" {
				victim = id
			}
			f.as("mykola", func(v *member) { tamper(t, v, forge) })
			f.as("taras", func(v *member) {
				wantIntegrity(t, "open", opensFor(t, v, victim, "research"))
				_, err := v.Show(ctx, victim)
				wantIntegrity(t, "show", err)
				rep, err := v.Check(ctx, CheckOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if !hasFinding(rep, victim, "withdrawal") {
					t.Errorf("check did not find the forged withdrawal: %+v", rep.Findings)
				}
			})
			f.as("mykola", func(v *member) {
				tamper(t, v, func(tx *store.Txn) error {
					if name == "planted without an entry" {
						return tx.DeleteConsentWithdrawal(other, seq-1)
					}
					if victim == id {
						return tx.PutConsentWithdrawal(id, seq, raw)
					}
					return tx.DeleteConsentWithdrawal(other, seq)
				})
			})
		})
	}
}

// TestWithdrawnThenErased: erasing a record removes its withdrawals with
// it, and check does not mistake that for a deleted withdrawal; a
// withdrawal of an erased record is not found (exit 5).
func TestWithdrawnThenErased(t *testing.T) {
	f := newBindingFixture(t)
	id, kept := sealTwoPurposes(t, f), sealTwoPurposes(t, f)
	f.as("iryna", func(v *member) {
		for _, r := range []string{id, kept} {
			if _, err := v.WithdrawConsent(ctx, r, "prosecution", "by letter"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatalf("Erase: %v", err)
		}
		peek(t, v, func(tx *store.Txn) error {
			return tx.EachConsentWithdrawal(id, func(seq int64, _ []byte) error {
				t.Errorf("the erased record's withdrawal %d is still stored", seq)
				return nil
			})
		})
		if _, err := v.WithdrawConsent(ctx, id, "research", "after the erase"); !errors.Is(err, ErrNotFound) {
			t.Errorf("withdrawing from an erased record: err = %v, want ErrNotFound", err)
		}
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil || rep.Errors() != 0 {
			t.Errorf("check after the erase: %v %+v", err, rep.Findings)
		}
		wantDenied(t, "the record kept", opensFor(t, v, kept, "prosecution"), "withdrew consent")
	})
}

// TestWithdrawalOutlivesItsMaker: a withdrawal made by a member whom a
// later policy removes stays in force: it is checked against the policy in
// force when it was made.
func TestWithdrawalOutlivesItsMaker(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	f.as("taras", func(v *member) {
		if _, err := v.WithdrawConsent(ctx, id, "prosecution", "by letter"); err != nil {
			t.Fatal(err)
		}
	})
	f.applyPolicy("admin-kyiv", withoutMember(t, string(f.team.Policy), "taras"))
	f.as("iryna", func(v *member) {
		wantDenied(t, "open after taras left", opensFor(t, v, id, "prosecution"), `withdrew consent to the purpose "prosecution"`)
		if err := opensFor(t, v, id, "research"); err != nil {
			t.Errorf("research: %v", err)
		}
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil || rep.Errors() != 0 {
			t.Errorf("check: %v %+v", err, rep.Findings)
		}
	})
}

// TestWithdrawalWithoutEraseIsForged: a member without the erase action
// who has the vault folder can sign a consent-withdraw entry of their own
// and store its value; open, show and check refuse it as forged.
func TestWithdrawalWithoutEraseIsForged(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	f.as("mykola", func(v *member) {
		tamper(t, v, func(tx *store.Txn) error {
			res, err := v.storeWithdrawal(tx, id, "prosecution", "forged")
			if err != nil {
				return err
			}
			if res.By != "mykola" {
				t.Errorf("the forged entry is by %q", res.By)
			}
			return nil
		})
	})
	f.as("iryna", func(v *member) {
		wantIntegrity(t, "open", opensFor(t, v, id, "research"))
		_, err := v.Show(ctx, id)
		wantIntegrity(t, "show", err)
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !hasFinding(rep, id, "did not hold the erase action") {
			t.Errorf("check did not find the forged withdrawal: %+v", rep.Findings)
		}
	})
}

// FuzzDecodeWithdrawal: a stored withdrawal decodes only from the exact
// bytes its encoder writes, with a purpose and reason within bounds.
func FuzzDecodeWithdrawal(f *testing.F) {
	const id = "aaaaaaaaaaaaaaaaaaaa"
	f.Add(encodeWithdrawal(&withdrawalValue{Format: 1, Record: id, Purpose: "research", Reason: "asked by letter"}))
	f.Add(encodeWithdrawal(&withdrawalValue{Format: 1, Record: id, Purpose: "a<b>&c", Reason: "Олена"}))
	f.Add(encodeWithdrawal(&withdrawalValue{Format: 2, Record: id, Purpose: "research", Reason: "r"}))
	f.Add([]byte(`{"format":1,"record":"aaaaaaaaaaaaaaaaaaaa","purpose":"research","reason":"r","x":1}`))
	f.Add([]byte(`{"format":1,"format":1,"record":"aaaaaaaaaaaaaaaaaaaa","purpose":"research","reason":"r"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		w, err := decodeWithdrawal(raw, id)
		if err != nil {
			if !errors.Is(err, ErrIntegrity) {
				t.Fatalf("err = %v, want ErrIntegrity", err)
			}
			return
		}
		if !bytes.Equal(encodeWithdrawal(w), raw) || w.Record != id || w.Format != 1 ||
			checkPurposeText(w.Purpose) != nil || w.Purpose == "" || checkReason(w.Reason, "") != nil {
			t.Fatalf("accepted %q as %+v", raw, w)
		}
	})
}
