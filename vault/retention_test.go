package vault

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/testkit"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/blobs/mem"
	"github.com/tvault/tvault/vault/internal/store"
)

// Retention counts from sealing, so its tests seal in the past: the vault
// is created, and its records sealed, with Options.Now set back, and
// retention runs at a later time the test chooses. Every operation of a
// test runs at or after the one before, as the log requires.

// The example policy's class descriptions: a class's retention goes after
// its line.
const identityDescription = "description = \"Names, contacts, faces and exact places of interviewees and their families\"\n"
const testimonyDescription = "description = \"Redacted transcripts, audio and video of the interview\"\n"

// withRetention is the team's policy with identity and testimony kept as
// given ("" for ever).
func withRetention(t *testing.T, pol []byte, identity, testimony string) string {
	t.Helper()
	s := string(pol)
	for desc, r := range map[string]string{identityDescription: identity, testimonyDescription: testimony} {
		if !strings.Contains(s, desc) {
			t.Fatalf("the team's policy has no line %q", desc)
		}
		if r != "" {
			s = strings.Replace(s, desc, desc+"retention = \""+r+"\"\n", 1)
		}
	}
	return s
}

// newFixtureAt is newFixture with the vault created at created, under the
// team's policy keeping identity and testimony as given.
func newFixtureAt(t *testing.T, created time.Time, identity, testimony string) *fixture {
	t.Helper()
	return newFixtureEdited(t, created, func(pol []byte) string { return withRetention(t, pol, identity, testimony) })
}

// newFixtureEdited is newFixtureAt with the team's policy as edit makes it.
func newFixtureEdited(t *testing.T, created time.Time, edit func([]byte) string) *fixture {
	t.Helper()
	team, err := testkit.NewTeam(t.TempDir(), 1)
	if err != nil {
		t.Fatalf("NewTeam: %v", err)
	}
	team.Policy = []byte(edit(team.Policy))
	f := &fixture{t: t, team: team, dir: filepath.Join(t.TempDir(), "vault"), work: t.TempDir(), blobs: mem.New()}
	opts := f.options()
	opts.Now = func() time.Time { return created }
	v, err := Init(f.dir, team.Get("admin-kyiv").Identity, team.Policy, opts)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return f
}

// at runs fn with the vault opened as member name at time now.
func (f *fixture) at(now time.Time, name string, fn func(v *member)) {
	f.t.Helper()
	opts := f.options()
	opts.Now = func() time.Time { return now }
	v, err := Open(f.dir, opts)
	if err != nil {
		f.t.Fatalf("Open as %s at %s: %v", name, now, err)
	}
	defer func() {
		if err := v.Close(); err != nil {
			f.t.Errorf("Close: %v", err)
		}
	}()
	fn(as(v, f.team.Get(name).Identity))
}

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(12 * time.Hour)
}

// entryAt reads audit entry seq.
func entryAt(t *testing.T, v *member, seq int64) audit.Entry {
	t.Helper()
	var e audit.Entry
	peek(t, v, func(tx *store.Txn) (err error) {
		e, err = readEntry(tx, seq, "entry")
		return err
	})
	return e
}

// noCheckErrors runs check (reading the data) and fails on any error
// finding.
func noCheckErrors(t *testing.T, v *member) {
	t.Helper()
	rep, err := v.Check(ctx, CheckOptions{ReadData: true})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if rep.Errors() > 0 {
		t.Errorf("check finds errors: %v", rep.Findings)
	}
}

func itemsString(items []RetentionItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.ID[:4] + "/" + it.Class + ":" + it.What + " ")
	}
	return b.String()
}

// TestRetentionRun: a record past identity's retention loses that class
// (an erase entry saying why), later the whole record once testimony
// expires too; a held record is left alone, reported held and denied in
// the log, until its hold is released; a dry run erases nothing; check
// finds nothing wrong after all of it.
func TestRetentionRun(t *testing.T) {
	f := newFixtureAt(t, date(t, "2010-01-01"), "10y", "15y")
	var old, held, recent string
	f.at(date(t, "2011-06-01"), "olena", func(v *member) { held = seal(t, v, f.exampleForm("RETHELD"))[0].ID })
	f.at(date(t, "2012-01-01"), "olena", func(v *member) { old = seal(t, v, f.exampleForm("RETOLD"))[0].ID })
	f.at(date(t, "2020-06-01"), "olena", func(v *member) { recent = seal(t, v, f.exampleForm("RETNEW"))[0].ID })
	f.at(date(t, "2020-07-01"), "iryna", func(v *member) {
		if _, err := v.PlaceHold(held, "case 2020/17 at the district court"); err != nil {
			t.Fatalf("PlaceHold: %v", err)
		}
	})

	now := date(t, "2026-01-01")
	f.at(now, "iryna", func(v *member) {
		rep, err := v.RunRetention(ctx, true)
		if err != nil {
			t.Fatalf("dry run: %v", err)
		}
		got := itemsString(rep.Items)
		if want := held[:4] + "/identity:held " + old[:4] + "/identity:would erase "; got != want {
			t.Fatalf("dry run: %q, want %q", got, want)
		}
		if it := rep.Items[1]; it.Retention != "10y" || !it.Expired.Equal(date(t, "2022-01-01")) || !it.SealedAt.Equal(date(t, "2012-01-01")) {
			t.Errorf("dry run item: %+v", it)
		}
		if e := entryAt(t, v, rep.Entry); e.Action != "retention-run" || !strings.HasPrefix(e.Detail, "dry run: 1 would be erased, 1 held") {
			t.Errorf("dry run entry: %+v", e)
		}
	})
	f.at(now, "iryna", func(v *member) {
		peek(t, v, func(tx *store.Txn) error {
			marks, err := tx.Erased(old)
			if len(marks) != 0 {
				t.Errorf("the dry run erased %v of %s", marks, old)
			}
			return err
		})
		rep, err := v.RunRetention(ctx, false)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if got, want := itemsString(rep.Items), held[:4]+"/identity:held "+old[:4]+"/identity:erased "; got != want {
			t.Fatalf("run: %q, want %q", got, want)
		}
		e := entryAt(t, v, rep.Items[1].Entry)
		if e.Action != "erase" || e.Record != old || e.Class != "identity" || e.Detail != "retention: class identity kept 10y from sealing" {
			t.Errorf("erase entry: %+v", e)
		}
		if e := entryAt(t, v, rep.Items[1].Entry-1); e.Action != "erase" || e.Outcome != audit.OutcomeDenied || e.Record != held || !strings.Contains(e.Detail, "legal hold") {
			t.Errorf("the held record's refusal is not a denied erase entry before the erasure: %+v", e)
		}
		if _, err := v.Show(ctx, old); err != nil {
			t.Errorf("Show of the record that lost a class: %v", err)
		}
		if _, err := v.Show(ctx, held); err != nil {
			t.Errorf("Show of the held record: %v", err)
		}
		noCheckErrors(t, v)
	})

	// 2030: old's testimony is past its 15 years too, so the whole record
	// goes; the hold released, so does the record that was held.
	later := date(t, "2030-01-01")
	f.at(later, "taras", func(v *member) {
		if _, err := v.ReleaseHold(held, "case 2020/17 closed"); err != nil {
			t.Fatalf("ReleaseHold: %v", err)
		}
		rep, err := v.RunRetention(ctx, false)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if got, want := itemsString(rep.Items), held[:4]+"/:erased "+old[:4]+"/:erased "; got != want {
			t.Fatalf("run in 2030: %q, want %q", got, want)
		}
		if it := rep.Items[1]; it.Retention != "testimony 15y" || !it.Expired.Equal(date(t, "2027-01-01")) {
			t.Errorf("whole-record item: %+v", it)
		}
		if it := rep.Items[0]; it.Retention != "testimony 15y, identity 10y" && it.Retention != "identity 10y, testimony 15y" {
			t.Errorf("whole-record item of two classes: %+v", it)
		}
		if e := entryAt(t, v, rep.Items[0].Entry); !strings.HasPrefix(e.Detail, "retention: every class kept its time from sealing (") {
			t.Errorf("whole-record erase entry: %+v", e)
		}
		if _, err := v.Show(ctx, old); !errors.Is(err, ErrNotFound) {
			t.Errorf("Show of the expired record: %v, want ErrNotFound", err)
		}
		if _, err := v.Show(ctx, recent); err != nil {
			t.Errorf("Show of the recent record: %v", err)
		}
		noCheckErrors(t, v)
		if rep, err := v.RunRetention(ctx, false); err != nil || len(rep.Items) != 0 {
			t.Errorf("a second run: %v, %v; want nothing to do", itemsString(rep.Items), err)
		}
	})
}

// A retention run needs the erase action: without it, a recorded denial.
func TestRetentionNeedsErase(t *testing.T) {
	f := newFixtureAt(t, date(t, "2010-01-01"), "1y", "")
	f.at(date(t, "2011-01-01"), "admin-kyiv", func(v *member) {
		for _, dry := range []bool{true, false} {
			if _, err := v.RunRetention(ctx, dry); !errors.Is(err, ErrDenied) {
				t.Errorf("RunRetention(dry %v) by admin-kyiv: %v, want a denial", dry, err)
			}
		}
	})
}

// A policy without any retention expires nothing, however old the record.
func TestRetentionWithoutRules(t *testing.T) {
	f := newFixtureAt(t, date(t, "1990-01-01"), "", "")
	f.at(date(t, "1990-02-01"), "olena", func(v *member) { seal(t, v, f.exampleForm("NORULE")) })
	f.at(date(t, "2089-01-01"), "iryna", func(v *member) {
		rep, err := v.RunRetention(ctx, false)
		if err != nil || len(rep.Items) != 0 {
			t.Errorf("RunRetention: %v, %v", itemsString(rep.Items), err)
		}
	})
}

// A policy version that sets or shortens a class's retention says so in
// what ApplyPolicy returns, with how many records are already past it;
// one that lengthens it or takes it away does not.
func TestApplyPolicyShortensRetention(t *testing.T) {
	f := newFixtureAt(t, date(t, "2010-01-01"), "", "20y")
	f.at(date(t, "2012-01-01"), "olena", func(v *member) { seal(t, v, f.exampleForm("APPLY1"), f.exampleForm("APPLY2")) })
	f.at(date(t, "2020-01-01"), "olena", func(v *member) { seal(t, v, f.exampleForm("APPLY3")) })
	var base []string // the team's policy without retention
	for _, line := range strings.SplitAfter(string(f.team.Policy), "\n") {
		if !strings.HasPrefix(line, "retention = ") {
			base = append(base, line)
		}
	}
	apply := func(identity, testimony string) *PolicyChange {
		var ch *PolicyChange
		f.at(date(t, "2026-01-01"), "admin-kyiv", func(v *member) {
			var err error
			if ch, err = v.ApplyPolicy([]byte(withRetention(t, []byte(strings.Join(base, "")), identity, testimony))); err != nil {
				t.Fatalf("ApplyPolicy: %v", err)
			}
		})
		return ch
	}
	ch := apply("10y", "25y")
	if len(ch.Retention) != 1 || ch.Retention[0] != (RetentionChange{Class: "identity", From: "", To: "10y", Expired: 2}) {
		t.Errorf("set identity's retention: %+v", ch.Retention)
	}
	if ch := apply("5y", "25y"); len(ch.Retention) != 1 || ch.Retention[0] != (RetentionChange{Class: "identity", From: "10y", To: "5y", Expired: 3}) {
		t.Errorf("shorten identity's retention: %+v", ch.Retention)
	}
	if ch := apply("", "30y"); len(ch.Retention) != 0 {
		t.Errorf("lengthened or removed retentions: %+v", ch.Retention)
	}
	if ch := apply("", "13y"); len(ch.Retention) != 1 || ch.Retention[0] != (RetentionChange{Class: "testimony", From: "30y", To: "13y", Expired: 2}) {
		t.Errorf("shorten testimony's retention: %+v", ch.Retention)
	}
}

// A retention run stopped after its erasures committed, before their bytes
// left the folder's files, is finished by the next run, though nothing new
// has expired: check notes the unfinished scrub until then.
func TestRetentionRerunFinishesScrub(t *testing.T) {
	f := newFixtureAt(t, date(t, "2010-01-01"), "1y", "1y")
	var id string
	f.at(date(t, "2010-02-01"), "olena", func(v *member) { id = seal(t, v, f.exampleForm("RETSCRUB"))[0].ID })
	now := date(t, "2012-01-01")
	opts := f.options()
	opts.Now = func() time.Time { return now }
	type stop struct{}
	opts.Failpoint = func(name string) {
		if name == "erase-after-commit" {
			panic(stop{})
		}
	}
	v, err := Open(f.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != (stop{}) {
				t.Fatalf("the run did not stop at erase-after-commit: %v", r)
			}
		}()
		_, _ = as(v, f.team.Get("iryna").Identity).RunRetention(ctx, false)
	}()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	f.at(now, "iryna", func(v *member) {
		rep, err := v.Check(ctx, CheckOptions{})
		if err != nil || rep.pendingNote() == "" {
			t.Fatalf("check after the interrupted run: %v, %v: want a note of the unfinished erasure", rep, err)
		}
		r, err := v.RunRetention(ctx, false)
		if err != nil || len(r.Items) != 0 {
			t.Fatalf("rerun: %s, %v", itemsString(r.Items), err)
		}
		if rep, err := v.Check(ctx, CheckOptions{}); err != nil || rep.pendingNote() != "" {
			t.Errorf("the rerun did not finish the erasure: %v", rep.pendingNote())
		}
		if _, err := v.Show(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Show: %v, want ErrNotFound", err)
		}
	})
}

// pendingNote returns check's note of an unfinished erasure, if any.
func (r *CheckReport) pendingNote() string {
	for _, f := range r.Findings {
		if strings.Contains(f.Msg, "was interrupted before every byte") {
			return f.Msg
		}
	}
	return ""
}

// Two classes of a record past their retention while a third is kept are
// erased one by one in the same run, and both leave the store.
func TestRetentionTwoOfThreeClasses(t *testing.T) {
	f := newFixtureEdited(t, date(t, "2010-01-01"), func(pol []byte) string {
		s := withRetention(t, pol, "5y", "")
		s = strings.Replace(s, "[classes.identity]\n", "[classes.contact]\ndescription = \"c\"\nretention = \"1y\"\n\n[classes.identity]\n", 1)
		return strings.Replace(s, `decrypt = ["testimony", "identity"]`, `decrypt = ["testimony", "identity", "contact"]`, 1)
	})
	var id string
	f.at(date(t, "2011-01-01"), "olena", func(v *member) {
		id = seal(t, v, f.customForm(publicTOML+"\n[testimony]\nsummary = \"s\"\n\n[identity]\nname = \"n\"\n\n[contact]\nphone = \"p\"\n", nil))[0].ID
	})
	f.at(date(t, "2020-01-01"), "iryna", func(v *member) {
		rep, err := v.RunRetention(ctx, false)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		got := itemsString(rep.Items)
		if got != id[:4]+"/contact:erased "+id[:4]+"/identity:erased " && got != id[:4]+"/identity:erased "+id[:4]+"/contact:erased " {
			t.Fatalf("run: %q", got)
		}
		peek(t, v, func(tx *store.Txn) error {
			marks, err := tx.Erased(id)
			if _, ok := marks["contact"]; !ok || len(marks) != 2 {
				t.Errorf("erasure marks: %v", marks)
			}
			for _, c := range []string{"contact", "identity"} {
				if _, err := tx.DEK(id, c); err == nil {
					t.Errorf("the key of %s is still stored", c)
				}
			}
			return err
		})
		noCheckErrors(t, v)
	})
}

// A class whose storage prefix another class of the record extends cannot
// be erased alone: retention reports it skipped, erases nothing, and the
// run goes on.
func TestRetentionSkipsPrefixClass(t *testing.T) {
	f := newFixtureEdited(t, date(t, "2010-01-01"), func(pol []byte) string {
		s := withRetention(t, pol, "1y", "")
		s = strings.Replace(s, "[classes.identity]\n", "[classes.identity2]\ndescription = \"c\"\n\n[classes.identity]\n", 1)
		return strings.Replace(s, `decrypt = ["testimony", "identity"]`, `decrypt = ["testimony", "identity", "identity2"]`, 1)
	})
	var id string
	f.at(date(t, "2011-01-01"), "olena", func(v *member) {
		id = seal(t, v, f.customForm(publicTOML+"\n[testimony]\nsummary = \"s\"\n\n[identity]\nname = \"n\"\n\n[identity2]\nphone = \"p\"\n", nil))[0].ID
	})
	f.at(date(t, "2020-01-01"), "iryna", func(v *member) {
		rep, err := v.RunRetention(ctx, false)
		if got := itemsString(rep.Items); err != nil || got != id[:4]+"/identity:skipped " {
			t.Fatalf("run: %q, %v", got, err)
		}
		if e := entryAt(t, v, rep.Entry); e.Detail != "0 erased, 0 held, 1 skipped, 0 not erased" {
			t.Errorf("run entry: %+v", e)
		}
	})
}
