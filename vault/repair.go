package vault

import (
	"context"
	"fmt"

	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// repair removes orphaned and partial blobs and rebuilds the index from the
// verified headers. It never touches a header, a key or the audit log, and
// refuses to run while check found damage it cannot fix.
func (a *Actor) repair(ctx context.Context, rep *CheckReport, verified []string) error {
	for _, f := range rep.Findings {
		if f.Severity == "error" && f.Subject != "index" {
			return fmt.Errorf("%w: check found damage that repair cannot fix (%s: %s); nothing was changed: keep a copy of the vault as it is and restore the damaged part from a backup",
				ErrIntegrity, f.Subject, f.Msg)
		}
	}
	// The repair is on record before it changes anything.
	if err := a.recordOK("check-repair", "", "", fmt.Sprintf("removing %d orphaned blobs, rebuilding the index", rep.Leftovers())); err != nil {
		return err
	}
	v := a.v
	if _, err := v.scrub(ctx); err != nil {
		return err
	}
	if err := v.removeBlobs(ctx, rep.Orphans...); err != nil {
		return err
	}
	if err := v.blobs.RemovePartial(ctx, rep.Partial...); err != nil {
		return err
	}
	headers, err := v.verifiedHeaders(verified)
	if err != nil {
		return err
	}
	stale, err := v.rebuildIndex(headers)
	if err != nil {
		return err
	}
	rep.Repaired = true
	kept := rep.Findings[:0]
	for _, f := range rep.Findings {
		if f.Subject != "index" && f.Subject != "blobs" && f.Subject != "erasures" {
			kept = append(kept, f)
		}
	}
	rep.Findings = append(kept, Finding{Severity: "note", Subject: "repair",
		Msg: fmt.Sprintf("removed %d orphaned blobs; index rebuilt (%d stale entries removed)", rep.Leftovers(), stale)})
	return nil
}

// verifiedHeaders reads the headers of ids again, each verified as check
// verified it: check keeps their ids, not the headers, so that its memory
// does not grow with the vault by kilobytes a record.
func (v *Vault) verifiedHeaders(ids []string) ([]*record.Header, error) {
	out := make([]*record.Header, 0, len(ids))
	err := v.view(func(t *store.Txn) error {
		for _, id := range ids {
			raw, err := t.Header(id)
			if err != nil {
				return fmt.Errorf("record %s: %w", id, err)
			}
			h, _, err := v.verifyHeader(t, id, raw, false)
			if err != nil {
				return err
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

// rebuildIndex makes the index exactly what the headers imply, in batches
// of commits, and returns how many stale entries it removed.
func (v *Vault) rebuildIndex(headers []*record.Header) (int, error) {
	want := expectedIndex(headers)
	var stale []indexEntry
	err := v.view(func(t *store.Txn) error {
		return t.EachIndex(func(field, value, id string) error {
			e := indexEntry{field, value, id}
			if want[e] {
				delete(want, e)
			} else {
				stale = append(stale, e)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	var ops []func(*store.Txn) error
	for _, e := range stale {
		ops = append(ops, func(t *store.Txn) error { return t.DeleteIndex(e.field, e.value, e.id) })
	}
	for e := range want {
		ops = append(ops, func(t *store.Txn) error { return t.PutIndex(e.field, e.value, e.id) })
	}
	const batch = 1000
	for len(ops) > 0 {
		n := min(batch, len(ops))
		err := v.update(func(t *store.Txn) error {
			for _, op := range ops[:n] {
				if err := op(t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		ops = ops[n:]
	}
	return len(stale), nil
}
