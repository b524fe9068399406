package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// A record's header is bound to the audit entry that sealed it: a member
// with write access to the vault folder and a key of their own who
// rewrites a header and re-signs it — their own record or another
// researcher's — is found by show, open, cat, list and check, each naming
// the record. These tests forge with nothing but the store and the
// forger's own identity.

// newBindingFixture is the example team with mykola a researcher too (a
// second member who may seal) and purposes that the interviewee's consent
// limits.
func newBindingFixture(t *testing.T) *fixture {
	t.Helper()
	team, err := testkit.NewTeam(t.TempDir(), 1)
	if err != nil {
		t.Fatalf("NewTeam: %v", err)
	}
	pol := "purposes = [\"research\", \"prosecution\", \"advocacy\"]\n" + string(team.Policy)
	pol = strings.Replace(pol, "name = \"mykola\"\nroles = [\"analyst\"]", "name = \"mykola\"\nroles = [\"analyst\", \"researcher\"]", 1)
	if !strings.Contains(pol, `roles = ["analyst", "researcher"]`) {
		t.Fatal("the policy edit did not apply")
	}
	team.Policy = []byte(pol)
	f := &fixture{t: t, team: team, dir: t.TempDir() + "/vault", work: t.TempDir(), blobs: mem.New()}
	v, err := Init(f.dir, team.Get("admin-kyiv").Identity, team.Policy, f.options())
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

const consentForm = `[public]
category = "pow"
consent = ["research"]

[testimony]
summary = "what happened"
files = ["t.txt"]

[identity]
interviewee = "Олена Петренко"
`

// forgeHeader rewrites record id's stored header the way a member with
// folder access could: decode it, change it, sign it with their own
// identity, and store it in place.
func forgeHeader(t *testing.T, v *member, id string, forger *tcrypto.Identity, change func(h *record.Header)) {
	t.Helper()
	h := readHeader(t, v, id)
	change(h)
	signed, err := record.SignHeader(forger, h)
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, v, func(tx *store.Txn) error { return tx.PutHeader(id, signed) })
}

func wantBindingError(t *testing.T, what, id string, err error) {
	t.Helper()
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), id) {
		t.Errorf("%s of a forged record: err = %v, want an integrity error naming %s", what, err, id)
	}
}

// checkForgeryFound runs every reader over the forged record id.
func checkForgeryFound(t *testing.T, v *member, id string) {
	t.Helper()
	_, err := v.Show(ctx, id)
	wantBindingError(t, "show", id, err)
	_, err = v.OpenRecord(ctx, id, OpenRecordOptions{Dir: t.TempDir() + "/out", Purpose: "advocacy"})
	wantBindingError(t, "open", id, err)
	var buf bytes.Buffer
	err = v.Cat(ctx, id, "testimony", "t.txt", &buf, CatOptions{Purpose: "advocacy"})
	wantBindingError(t, "cat", id, err)
	if buf.Len() != 0 {
		t.Errorf("cat of a forged record wrote %d bytes", buf.Len())
	}
	ls, err := v.List(ctx, ListFilter{})
	wantBindingError(t, "list", id, err)
	for _, l := range ls {
		if l.ID == id {
			t.Errorf("list presents the forged record %s: %+v", id, l)
		}
	}
	rep, err := v.Check(ctx, CheckOptions{ReadData: true})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.Severity == "error" && strings.Contains(f.Subject, id)
	}
	if !found {
		t.Errorf("check --read-data found nothing wrong with the forged record %s: %v", id, rep.Findings)
	}
}

func TestForgedHeaderBySealerIsFound(t *testing.T) {
	f := newBindingFixture(t)
	var id string
	f.as("olena", func(v *member) {
		id = seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))[0].ID
	})
	cases := map[string]func(h *record.Header){
		// The interviewee refused advocacy; the sealer adds it afterwards.
		"consent widened": func(h *record.Header) { h.Public["consent"] = []any{"research", "advocacy"} },
		// Sealed, supposedly, before the vault existed.
		"backdated": func(h *record.Header) { h.SealedAt = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			v := f.open("iryna")
			defer v.Close()
			var orig []byte
			peek(t, v, func(tx *store.Txn) (err error) { orig, err = tx.Header(id); return err })
			forgeHeader(t, v, id, f.team.Get("olena").Identity, change)
			checkForgeryFound(t, v, id)
			tamper(t, v, func(tx *store.Txn) error { return tx.PutHeader(id, orig) })
			if _, err := v.Show(ctx, id); err != nil {
				t.Errorf("show of the restored header: %v", err)
			}
		})
	}
}

func TestForgedHeaderByOtherResearcherIsFound(t *testing.T) {
	f := newBindingFixture(t)
	var id string
	f.as("olena", func(v *member) {
		id = seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))[0].ID
	})
	mykola := f.team.Get("mykola").Identity
	v := f.open("iryna")
	// iryna has listed the record before: her list cache holds a mark of
	// the real header, which must not vouch for the forged one.
	if ls, err := v.List(ctx, ListFilter{}); err != nil || len(ls) != 1 {
		t.Fatalf("List: %v, %v", ls, err)
	}
	c := v.Actor.listCache()
	peek(t, v, func(tx *store.Txn) error {
		if !c.known(tx, id, c.mark(id, mustHeader(tx, id))) {
			t.Error("list left no mark of the header it verified")
		}
		return nil
	})
	forgeHeader(t, v, id, mykola, func(h *record.Header) {
		h.SealedBy = "mykola"
		h.SealerKey = tcrypto.FormatSigningKey(mykola.SigningPublicKey())
		h.Public["consent"] = []any{"research", "advocacy"}
	})
	checkForgeryFound(t, v, id)
}

// A header planted by someone with folder access and no key at all (a copy
// of a real one under a new id, its public metadata changed) is never
// listed as if a member had sealed it.
func TestInjectedHeaderIsNotListed(t *testing.T) {
	f := newBindingFixture(t)
	f.as("olena", func(v *member) {
		seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))
	})
	v := f.open("iryna")
	ls, err := v.List(ctx, ListFilter{})
	if err != nil || len(ls) != 1 {
		t.Fatalf("List: %v, %v", ls, err)
	}
	var raw []byte
	peek(t, v, func(tx *store.Txn) (err error) { raw, err = tx.Header(ls[0].ID); return err })
	fake := record.NewID()
	forged := bytes.Replace(raw, []byte(ls[0].ID), []byte(fake), -1)
	forged = bytes.Replace(forged, []byte(`"pow"`), []byte(`"civilian"`), 1)
	tamper(t, v, func(tx *store.Txn) error {
		if err := tx.PutIndex("category", "civilian", fake); err != nil {
			return err
		}
		return tx.PutHeader(fake, forged)
	})
	got, err := v.List(ctx, ListFilter{Where: []Condition{{"category", "civilian"}}})
	wantBindingError(t, "list --where", fake, err)
	if len(got) != 0 {
		t.Errorf("list --where category=civilian presents the injected record: %+v", got)
	}
	got, err = v.List(ctx, ListFilter{})
	wantBindingError(t, "list", fake, err)
	if len(got) != 1 || got[0].ID != ls[0].ID {
		t.Errorf("list = %+v, want only the real record %s", got, ls[0].ID)
	}
}

// A record deleted from the store by someone with folder access (header,
// seal pointer and index entries) is still in the log: check names it.
func TestDeletedRecordIsFound(t *testing.T) {
	f := newBindingFixture(t)
	var id string
	f.as("olena", func(v *member) {
		id = seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))[0].ID
	})
	v := f.open("iryna")
	h := readHeader(t, v, id)
	tamper(t, v, func(tx *store.Txn) error {
		for _, e := range indexEntries(h) {
			if err := tx.DeleteIndex(e.field, e.value, id); err != nil {
				return err
			}
		}
		return tx.DeleteHeader(id)
	})
	rep, err := v.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(rep, id, "header is missing") {
		t.Errorf("check does not report the deleted record %s: %v", id, rep.Findings)
	}
}

// A sealer who rewrites their own record and appends a second seal entry
// naming the rewritten header (signed with their own key, as the log
// accepts from a member) satisfies show; check finds the second entry.
func TestSecondSealEntryIsFound(t *testing.T) {
	f := newBindingFixture(t)
	var id string
	f.as("olena", func(v *member) {
		id = seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))[0].ID
	})
	v := f.open("iryna")
	olena := f.team.Get("olena").Identity
	h := readHeader(t, v, id)
	h.Public["consent"] = []any{"research", "advocacy"}
	forged, err := record.SignHeader(olena, h)
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, v, func(tx *store.Txn) error {
		e, err := v.log.Append(tx, audit.Actor{Name: "olena", Key: olena.SigningKey()}, audit.Entry{Time: h.SealedAt,
			Action: "seal", Record: id, Outcome: audit.OutcomeOK, Digest: audit.Digest(forged), ActorKey: h.SealerKey, Actor: "olena"})
		if err != nil {
			return err
		}
		if err := tx.PutSealEntry(id, e.Seq); err != nil {
			return err
		}
		return tx.PutHeader(id, forged)
	})
	rep, err := v.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(rep, "audit log", "record "+id+" was sealed twice") {
		t.Errorf("check does not report the second seal entry of %s: %v", id, rep.Findings)
	}
}

// hasFinding reports whether rep has an error whose subject contains
// subject and whose message contains msg.
func hasFinding(rep *CheckReport, subject, msg string) bool {
	for _, f := range rep.Findings {
		if f.Severity == "error" && strings.Contains(f.Subject, subject) && strings.Contains(f.Msg, msg) {
			return true
		}
	}
	return false
}

func mustHeader(tx *store.Txn, id string) []byte {
	raw, err := tx.Header(id)
	if err != nil {
		panic(err)
	}
	return raw
}

// sealWithoutDigest is what a modified tvault run by a member who may seal
// writes: a record exactly as seal writes it, whose seal entry (signed by
// the sealer, appended through the log as usual) names no digest, so that
// its header could be rewritten later.
func sealWithoutDigest(t *testing.T, v *member, form *Form) string {
	t.Helper()
	cf, err := v.v.checkForm(form, true)
	if err != nil {
		t.Fatal(err)
	}
	var epochs map[string]*keys.Epoch
	peek(t, v, func(tx *store.Txn) (err error) { epochs, err = v.v.currentEpochs(tx); return err })
	r, err := v.Actor.prepareRecord(ctx, cf, epochs, nil)
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, v, func(tx *store.Txn) error {
		for id, b := range r.inline {
			if err := tx.PutBlob(id, b); err != nil {
				return err
			}
		}
		for class, w := range r.wraps {
			if err := tx.PutDEK(r.res.ID, class, w); err != nil {
				return err
			}
		}
		r.header.SealedAt = v.v.now()
		signed, err := record.SignHeader(v.Actor.id, r.header)
		if err != nil {
			return err
		}
		if err := tx.PutHeader(r.res.ID, signed); err != nil {
			return err
		}
		e, err := v.Actor.appendEntry(tx, audit.Entry{Time: r.header.SealedAt, Action: "seal", Record: r.res.ID,
			Outcome: audit.OutcomeOK, Detail: "classes identity,testimony; 1 attachments"})
		if err != nil {
			return err
		}
		return tx.PutSealEntry(r.res.ID, e.Seq)
	})
	return r.res.ID
}

// setMeta rewrites a member of the unsigned vault metadata, as anyone with
// the folder can.
func setMeta(t *testing.T, v *member, key string, val any) {
	t.Helper()
	tamper(t, v, func(tx *store.Txn) error {
		b, err := tx.Meta()
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		m[key] = val
		nb, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.SetMeta(nb)
	})
}

// A sealer who raises the unsigned cut-off below which seal entries may
// lack a digest, then seals with a modified tvault and widens the
// record's consent later, is refused: a vault created at format 3 takes
// its cut-off from its signed init entry (0), and check names the entry.
func TestSealEntryWithoutDigestIsRefused(t *testing.T) {
	for _, raise := range []bool{false, true} {
		t.Run(fmt.Sprintf("cut-off raised %v", raise), func(t *testing.T) {
			f := newBindingFixture(t)
			var id string
			f.as("olena", func(v *member) {
				if raise {
					setMeta(t, v, "digests_from", 1<<40)
				}
			})
			f.as("olena", func(v *member) {
				id = sealWithoutDigest(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("testimony")}))
				forgeHeader(t, v, id, f.team.Get("olena").Identity, func(h *record.Header) {
					h.Public["consent"] = []any{"research", "advocacy"}
				})
			})
			v := f.open("iryna")
			checkForgeryFound(t, v, id)
			rep, err := v.Check(ctx, CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !hasFinding(rep, "audit log", "seals record "+id+" without naming its header") {
				t.Errorf("check does not name the seal entry without a digest: %v", rep.Findings)
			}
		})
	}
}

// The metadata rolled back to format 2 by someone with the folder does not
// re-run the upgrade of a vault its signed init entry shows was created at
// format 3: Open refuses, saying the metadata was altered.
func TestFormatRollbackIsRefused(t *testing.T) {
	f := newBindingFixture(t)
	f.as("olena", func(v *member) {
		seal(t, v, f.customForm(consentForm, map[string][]byte{"t.txt": []byte("x")}))
		setMeta(t, v, "format", 2)
	})
	v, err := Open(f.dir, f.options())
	if err == nil {
		v.Close()
	}
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "metadata was altered") {
		t.Errorf("Open after the format was rolled back: %v, want an integrity error saying the metadata was altered", err)
	}
}

// A record cannot be sealed before the vault existed: seal refuses while
// the computer's clock is behind the vault's creation; and a tvault
// without that check still stamps the record with the log's time, which
// never goes backwards, and says that its clock is behind.
func TestSealBeforeTheVaultExisted(t *testing.T) {
	f := newBindingFixture(t)
	opts := f.options()
	opts.Now = func() time.Time { return time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC) }
	v, err := Open(f.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	olena := as(v, f.team.Get("olena").Identity)
	form := f.customForm(consentForm, map[string][]byte{"t.txt": []byte("x")})
	if _, err := olena.Seal(ctx, []*Form{form}); err == nil || !strings.Contains(err.Error(), "clock") {
		t.Errorf("Seal with the clock behind the vault's creation: %v, want a refusal about the clock", err)
	}
	created := v.origin.created
	v.origin.created = time.Time{} // as a tvault without the check would
	id := seal(t, olena, form)[0].ID
	if v.ClockBehind() < 365*24*time.Hour {
		t.Errorf("ClockBehind = %v after sealing with a clock years behind", v.ClockBehind())
	}
	v.Close()
	m := f.open("iryna")
	h, err := m.Show(ctx, id)
	if err != nil || h.SealedAt.Before(created) {
		t.Errorf("Show of a record sealed with the clock in 2019: %v, %v; want the log's time", err, h)
	}
}
