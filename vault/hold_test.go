package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// A held record refuses erase (a denied, recorded attempt) until the hold
// is released; holding a held record or releasing one not held changes
// nothing; Holds lists the hold with who placed it, when and why.
func TestHoldBlocksErase(t *testing.T) {
	f := newFixture(t, 1)
	var id, other string
	f.as("olena", func(v *member) {
		res := seal(t, v, f.exampleForm("HOLD1"), f.exampleForm("HOLD2"))
		id, other = res[0].ID, res[1].ID
	})
	f.as("iryna", func(v *member) {
		ch, err := v.PlaceHold(id, "case 2026/3: preserve")
		if err != nil {
			t.Fatalf("PlaceHold: %v", err)
		}
		if e := lastEntry(t, v); e.Seq != ch.Entry || e.Action != "hold" || e.Record != id || e.Detail != "case 2026/3: preserve" || e.Digest == "" {
			t.Errorf("hold entry: %+v", e)
		}
		n := logSize(t, v)
		if _, err := v.PlaceHold(id, "again"); !errors.Is(err, ErrHoldState) || !strings.Contains(err.Error(), "already under a legal hold") {
			t.Errorf("PlaceHold of a held record: %v", err)
		}
		if _, err := v.ReleaseHold(other, "not held"); !errors.Is(err, ErrHoldState) || !strings.Contains(err.Error(), "is not under a legal hold") {
			t.Errorf("ReleaseHold of a record not held: %v", err)
		}
		if got := logSize(t, v); got != n {
			t.Errorf("refusals for the hold's state wrote %d entries", got-n)
		}
		if _, err := v.ReleaseHold("aaaaaaaaaaaaaaaaaaaa", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ReleaseHold of no record: %v, want ErrNotFound", err)
		}
		if _, err := v.PlaceHold("aaaaaaaaaaaaaaaaaaaa", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("PlaceHold of no record: %v, want ErrNotFound", err)
		}
		for _, bad := range []string{"", " ", "two\nlines", strings.Repeat("x", maxReason+1)} {
			var ie *InputError
			if _, err := v.PlaceHold(other, bad); !errors.As(err, &ie) {
				t.Errorf("PlaceHold with reason %q: %v, want an InputError", bad, err)
			}
		}
		holds, err := v.Holds(ctx)
		if err != nil || len(holds) != 1 || holds[0].ID != id || holds[0].HeldBy != "iryna" || holds[0].Reason != "case 2026/3: preserve" ||
			holds[0].Entry != ch.Entry || holds[0].HeldAt.IsZero() {
			t.Errorf("Holds: %+v, %v", holds, err)
		}

		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), "legal hold") {
			t.Fatalf("Erase of a held record: %v, want a denial", err)
		}
		if e := lastEntry(t, v); e.Action != "erase" || e.Outcome != audit.OutcomeDenied || e.Record != id {
			t.Errorf("the refused erase is not recorded: %+v", e)
		}
		if _, err := v.Erase(ctx, id, "identity", "consent withdrawn"); !errors.Is(err, ErrDenied) {
			t.Errorf("Erase of a held record's class: %v, want a denial", err)
		}
		if _, err := v.Show(ctx, id); err != nil {
			t.Fatalf("the held record is gone: %v", err)
		}
	})
	f.as("taras", func(v *member) {
		ch, err := v.ReleaseHold(id, "case 2026/3 closed")
		if err != nil {
			t.Fatalf("ReleaseHold: %v", err)
		}
		if ch.Hold == nil || ch.Hold.HeldBy != "iryna" {
			t.Errorf("the release does not name the hold it ended: %+v", ch)
		}
		if e := lastEntry(t, v); e.Action != "hold-release" || e.Record != id || e.Actor != "taras" || e.Detail != "case 2026/3 closed" {
			t.Errorf("release entry: %+v", e)
		}
		if holds, err := v.Holds(ctx); err != nil || len(holds) != 0 {
			t.Errorf("Holds after the release: %+v, %v", holds, err)
		}
		if _, err := v.Erase(ctx, id, "", "consent withdrawn"); err != nil {
			t.Fatalf("Erase after the release: %v", err)
		}
		noCheckErrors(t, v)
	})
}

// Placing or releasing a hold needs the erase action.
func TestHoldNeedsErase(t *testing.T) {
	f := newFixture(t, 1)
	var id string
	f.as("olena", func(v *member) { id = seal(t, v, f.exampleForm("HOLDDENY"))[0].ID })
	f.as("mykola", func(v *member) {
		n := logSize(t, v)
		if _, err := v.PlaceHold(id, "want to keep it"); !errors.Is(err, ErrDenied) {
			t.Errorf("PlaceHold by an analyst: %v, want a denial", err)
		}
		if e := lastEntry(t, v); logSize(t, v) != n+1 || e.Action != "hold" || e.Outcome != audit.OutcomeDenied {
			t.Errorf("the denial is not recorded: %+v", e)
		}
		if _, err := v.ReleaseHold(id, "want it gone"); !errors.Is(err, ErrDenied) {
			t.Errorf("ReleaseHold by an analyst: %v, want a denial", err)
		}
	})
}

// Someone with the vault folder who deletes a hold to erase a held
// record, plants a hold the log never placed, or points one at another
// entry, is found by check; Holds refuses a planted hold.
func TestHoldTampering(t *testing.T) {
	f := newFixture(t, 1)
	var held, free string
	f.as("olena", func(v *member) {
		res := seal(t, v, f.exampleForm("TAMPERHOLD1"), f.exampleForm("TAMPERHOLD2"))
		held, free = res[0].ID, res[1].ID
	})
	f.as("iryna", func(v *member) {
		ch, err := v.PlaceHold(held, "case 9")
		if err != nil {
			t.Fatal(err)
		}
		noCheckErrors(t, v)

		// Pointed at another entry.
		tamper(t, v, func(tx *store.Txn) error { return tx.PutHold(held, ch.Entry-1) })
		wantFinding(t, v, "record "+held, "hold entry is")
		if _, err := v.Holds(ctx); !errors.Is(err, ErrIntegrity) {
			t.Errorf("Holds with a forged hold: %v, want ErrIntegrity", err)
		}
		tamper(t, v, func(tx *store.Txn) error { return tx.PutHold(held, ch.Entry) })

		// Planted on a record the log never held.
		tamper(t, v, func(tx *store.Txn) error { return tx.PutHold(free, ch.Entry) })
		wantFinding(t, v, "record "+free, "the hold was planted")
		if _, err := v.Holds(ctx); !errors.Is(err, ErrIntegrity) {
			t.Errorf("Holds with a planted hold: %v, want ErrIntegrity", err)
		}
		tamper(t, v, func(tx *store.Txn) error { return tx.DeleteHold(free) })
		noCheckErrors(t, v)

		// Deleted, and the record erased.
		tamper(t, v, func(tx *store.Txn) error { return tx.DeleteHold(held) })
		wantFinding(t, v, "record "+held, "the hold was removed")
		if _, err := v.Erase(ctx, held, "", "gone"); err != nil {
			t.Fatalf("Erase once the hold is deleted: %v", err)
		}
		wantFinding(t, v, "record "+held, "while under the legal hold of entry")
	})
}

func wantFinding(t *testing.T, v *member, subject, msg string) {
	t.Helper()
	rep, err := v.Check(ctx, CheckOptions{})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if !hasFinding(rep, subject, msg) {
		t.Errorf("check does not report %s: %q; findings: %v", subject, msg, rep.Findings)
	}
}
