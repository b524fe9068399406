package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// review15: an unmask request planted under a short id (one character)
// that names the erased record made the erase drop every request whose id
// begins with that character — other records' requests — since a request's
// key has no terminator and Scrub drops it as a prefix.
func TestReview15PlantedRequestIDIsNoPrefix(t *testing.T) {
	f := newFixture(t, 2)
	ids, reqs := unmaskSetup(t, f)
	f.as("olena", func(v *member) {
		err := v.v.update(func(tx *store.Txn) error {
			raw, err := tx.UnmaskRequest(reqs[0])
			if err != nil {
				return err
			}
			r, err := record.DecodeUnmaskRequest(raw, reqs[0])
			if err != nil {
				return err
			}
			r.ID = reqs[1][:1]
			forged, err := record.SignUnmaskRequest(f.team.Get("olena").Identity, "olena", r)
			if err != nil {
				return err
			}
			return tx.PutUnmaskRequest(r.ID, forged, 1)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.Erase(ctx, ids[0], "", "consent withdrawn"); err != nil {
			t.Fatal(err)
		}
		err := v.st.View(func(tx *store.Txn) error { _, err := tx.UnmaskRequest(reqs[1]); return err })
		if err != nil {
			t.Errorf("the other record's request after the erase: %v", err)
		}
	})
}

// review15: a member without the erase action who named a malformed class
// (a newline, an escape, 5,000 bytes) was refused with "invalid audit
// entry" (exit 1) and no entry at all: the audit log refuses such a class,
// so the denial went unrecorded. It is now an input error, like a
// malformed record id, before anything is looked up.
func TestReview15EraseMalformedClass(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("x"))[0].ID })
	for _, who := range []string{"olena", "iryna"} {
		for _, class := range []string{"bad\x1b[2Jclass", "bad\nclass", strings.Repeat("c", 5000)} {
			f.as(who, func(v *member) {
				if _, err := v.Erase(ctx, id, class, "r"); !isInput(err) {
					t.Errorf("%s erasing class %.20q: %v, want an input error", who, class, err)
				}
			})
		}
	}
}

// checkFinds runs check and fails unless some error finding holds want.
func checkFinds(t *testing.T, v *member, want string) {
	t.Helper()
	rep, err := v.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, fd := range rep.Findings {
		if strings.Contains(fd.Msg, want) {
			return
		}
	}
	t.Errorf("check does not report %q: %+v", want, rep.Findings)
}

// Someone with the vault folder who restores an erased record (or class)
// from a backup, with or without its erasure mark, or who erases one with
// a key that lacks the erase action, is reported by check.
func TestReview15InsiderErasures(t *testing.T) {
	f := newFixture(t, 1)
	var ids []string
	f.as("olena", func(v *member) {
		for _, r := range seal(t, v, f.exampleForm("a"), f.exampleForm("b"), f.exampleForm("c")) {
			ids = append(ids, r.ID)
		}
	})
	var whole, class erasable
	f.as("iryna", func(v *member) {
		whole, class = storedBytes(t, v, ids[0]), storedBytes(t, v, ids[1])
		if _, err := v.Erase(ctx, ids[0], "", "r"); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Erase(ctx, ids[1], "identity", "r"); err != nil {
			t.Fatal(err)
		}
	})
	restore := func(v *member, dropMarks bool) {
		err := v.st.Update(func(tx *store.Txn) error {
			if err := tx.PutHeader(ids[0], whole.header); err != nil {
				return err
			}
			for c, w := range whole.wraps {
				if err := tx.PutDEK(ids[0], c, w); err != nil {
					return err
				}
			}
			if err := tx.PutDEK(ids[1], "identity", class.wraps["identity"]); err != nil {
				return err
			}
			if !dropMarks {
				return nil
			}
			if err := tx.DeleteErasureMark(ids[0], ""); err != nil {
				return err
			}
			return tx.DeleteErasureMark(ids[1], "identity")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f.as("olena", func(v *member) { restore(v, false) })
	f.as("iryna", func(v *member) {
		checkFinds(t, v, "header is stored again")
		checkFinds(t, v, "key is stored again")
		if _, err := v.Show(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("show of a record restored under its erasure mark: %v, want ErrNotFound", err)
		}
		if n := listCount(t, v); n != 2 {
			t.Errorf("list shows %d records with one restored under its erasure mark, want 2", n)
		}
	})
	f.as("olena", func(v *member) { restore(v, true) })
	f.as("iryna", func(v *member) { checkFinds(t, v, "erasure mark is missing") })
	f.as("olena", func(v *member) {
		err := v.v.update(func(tx *store.Txn) error {
			_, err := v.eraseOne(tx, EraseTarget{ID: ids[2]}, "reason: mine")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) { checkFinds(t, v, "olena had no erase action") })
}

// review15: withdrawing the last purpose leaves a record unopenable — but
// a policy applied afterwards without a purposes list made open and cat
// grant it to anyone holding the class, with no purpose at all, and check
// said nothing. A policy change must not give back what the interviewee
// took back.
func TestReview15PolicyWithoutPurposesKeepsWithdrawals(t *testing.T) {
	f := newBindingFixture(t)
	id := sealTwoPurposes(t, f)
	f.as("iryna", func(v *member) {
		for _, p := range []string{"research", "prosecution"} {
			if _, err := v.WithdrawConsent(ctx, id, p, "withdrawn"); err != nil {
				t.Fatal(err)
			}
		}
	})
	pol := strings.Replace(string(f.team.Policy), "purposes = [\"research\", \"prosecution\", \"advocacy\"]\n", "", 1)
	f.applyPolicy("admin-kyiv", pol)
	f.as("iryna", func(v *member) {
		if err := opensFor(t, v, id, ""); !errors.As(err, new(*DeniedError)) {
			t.Errorf("open after every purpose was withdrawn and the policy dropped purposes: %v, want a denial", err)
		}
	})
}

// An erase entry signed with olena's key (no erase action) but naming
// iryna (who has it) as its actor, with the erasure it claims done to the
// store: check reports the entry's key.
func TestReview15ErasureUnderAnotherName(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("x"))[0].ID })
	f.as("olena", func(v *member) {
		err := v.v.update(func(tx *store.Txn) error {
			h, err := v.v.header(tx, id)
			if err != nil {
				return err
			}
			er, err := v.v.erasure(tx, h, "", map[string]int64{})
			if err != nil {
				return err
			}
			raw, _ := tx.Header(id)
			key := f.team.Get("olena").Identity.SigningKey()
			e, err := v.v.log.Append(v.v.logBackend(tx), audit.Actor{Name: "iryna", Key: key},
				audit.Entry{Time: time.Now(), Actor: "iryna", ActorKey: tcrypto.FormatSigningKey(f.team.Get("olena").Identity.SigningPublicKey()),
					Action: actionErase, Record: id, Outcome: audit.OutcomeOK, Detail: "reason: mine", Digest: audit.Digest(raw)})
			if err != nil {
				return err
			}
			return tx.Erase(er, e.Seq)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{})
		if err == nil && rep.Errors() == 0 {
			t.Errorf("check finds nothing wrong with an erase entry signed by olena's key under iryna's name: %+v", rep.Findings)
		}
		t.Logf("check: %+v, %v", rep, err)
	})
}

// review15 (open): a record whose stored header no longer verifies (one
// flipped byte: disk damage, or someone with the vault folder who wants it
// kept) cannot be erased at all: erase exits 4 ("signature does not
// verify") and check --repair refuses it, so its wraps, attachments, index
// entries (public metadata) and the header's own bytes stay in the folder
// however the interviewee withdrew consent. An erase needs only to know
// which keys to delete; for a damaged header it could take them from the
// record's id alone (rec/<id>, dek/<id>/, consent/<id>/, blob ids that
// begin with "<id>-", index keys ending in /<id>, list marks), never from
// the unverified header (which could name another record's blobs).
func TestReview15EraseDamagedHeader(t *testing.T) {
	f := newFileFixture(t, 1)
	canary := randomCanary()
	id, _ := sealCanaried(t, f, canary, 1)
	f.as("olena", func(v *member) {
		err := v.st.Update(func(tx *store.Txn) error {
			raw, err := tx.Header(id)
			if err != nil {
				return err
			}
			raw = append([]byte(nil), raw...)
			raw[len(raw)/2] ^= 1
			return tx.PutHeader(id, raw)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatalf("erase of a record with a damaged header: %v", err)
		}
		checkClean(t, v, true)
	})
	if files := filesHolding(t, f.dir, []byte(canary)); len(files) > 0 {
		t.Errorf("after the erase, the canary is still in %v", files)
	}
}

// A damaged header is erased by its own keys only: one rewritten to name
// another record's blobs (a forged header no longer verifies) does not make
// the erase take them.
func TestReview15DamagedHeaderErasesOnlyItsOwn(t *testing.T) {
	f := newFileFixture(t, 1)
	var a, b string
	f.as("olena", func(v *member) {
		res := seal(t, v, f.exampleForm("A"), f.exampleForm("B"))
		a, b = res[0].ID, res[1].ID
	})
	f.as("olena", func(v *member) {
		err := v.st.Update(func(tx *store.Txn) error {
			raw, err := tx.Header(a)
			if err != nil {
				return err
			}
			forged := bytes.ReplaceAll(raw, []byte(a+"-"), []byte(b+"-"))
			if bytes.Equal(forged, raw) {
				t.Fatal("the header names no blob of its own: the test cannot fail")
			}
			return tx.PutHeader(a, forged)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.Erase(ctx, a, "", "consent withdrawn"); err != nil {
			t.Fatalf("erase of the damaged record: %v", err)
		}
		if _, err := v.OpenRecord(ctx, b, OpenRecordOptions{Dir: f.mkdir("o")}); err != nil {
			t.Errorf("the other record after the erase: %v", err)
		}
		checkClean(t, v, true)
	})
}

// review15: a researcher (seal action only) re-signs their own record's
// header, with a seal entry of their own, so that its parts name another
// record's blobs: the header verifies. Erasing it (by the legal team, or
// retention) must not delete the other record's attachments.
func TestReview15SignedHeaderNamingOthersBlobs(t *testing.T) {
	f := newFileFixture(t, 1)
	var b, c string
	f.as("olena", func(v *member) {
		res := seal(t, v, f.exampleForm("B"), f.exampleForm("C"))
		b, c = res[0].ID, res[1].ID
	})
	f.as("olena", func(v *member) {
		hb, hc := readHeader(t, v, b), readHeader(t, v, c)
		err := v.v.update(func(tx *store.Txn) error {
			hc.Parts = hb.Parts
			hc.SealedAt = time.Now().UTC()
			raw, err := record.SignHeader(f.team.Get("olena").Identity, hc)
			if err != nil {
				return err
			}
			e, err := v.appendEntry(tx, audit.Entry{Time: hc.SealedAt, Action: "seal", Record: c, Outcome: audit.OutcomeOK,
				Detail: "classes identity,testimony", Digest: audit.Digest(raw)})
			if err != nil {
				return err
			}
			if err := tx.PutHeader(c, raw); err != nil {
				return err
			}
			return tx.PutSealEntry(c, e.Seq)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	f.as("iryna", func(v *member) {
		if _, err := v.Show(ctx, c); err != nil {
			t.Fatalf("the re-signed header does not verify (%v): the test does not test the verified path", err)
		}
		if _, err := v.Erase(ctx, c, "", "sealed by mistake"); err != nil {
			t.Fatalf("erase: %v", err)
		}
		if _, err := v.OpenRecord(ctx, b, OpenRecordOptions{Dir: f.mkdir("o")}); err != nil {
			t.Errorf("the other record after the erase: %v", err)
		}
	})
}
