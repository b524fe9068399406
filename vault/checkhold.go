package vault

import (
	"sort"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// What check verifies of legal holds: the holds stored (hold/<id>) are
// exactly those the log leaves in force, replaying its hold and
// hold-release entries in order, each pointing to its hold entry; every
// hold and release was made by a member who had the erase action then;
// and no record was erased while the log held it. An insider who deletes
// a hold from the folder to erase a held record, or plants one to keep a
// record from retention, is an error finding.

// holdReplay is the log's legal holds, replayed entry by entry.
type holdReplay struct {
	inForce map[string]audit.Entry // record → the hold entry in force
	entries []audit.Entry          // every ok hold and hold-release entry
}

// noteHold replays one entry of the log (check.go's callback calls it for
// every entry, in order).
func (c *checker) noteHold(e *audit.Entry) {
	if e.Outcome != audit.OutcomeOK || e.Record == "" {
		return
	}
	if c.holds == nil {
		c.holds = &holdReplay{inForce: map[string]audit.Entry{}}
	}
	r := c.holds
	switch e.Action {
	case actionHold:
		if prev, ok := r.inForce[e.Record]; ok {
			c.errorf("audit log", "entry %d holds record %s, which entry %d already held: it was forged", e.Seq, e.Record, prev.Seq)
		}
		r.inForce[e.Record] = *e
		r.entries = append(r.entries, *e)
	case actionHoldRelease:
		if _, ok := r.inForce[e.Record]; !ok {
			c.errorf("audit log", "entry %d releases a legal hold of record %s that no entry placed: it was forged", e.Seq, e.Record)
		}
		delete(r.inForce, e.Record)
		r.entries = append(r.entries, *e)
	case actionErase:
		if h, ok := r.inForce[e.Record]; ok {
			c.errorf("record "+e.Record, "was erased in audit entry %d while under the legal hold of entry %d: the hold was removed from the vault folder to erase it", e.Seq, h.Seq)
		}
	}
}

// checkHolds compares the holds stored with those the log leaves in force.
func (c *checker) checkHolds(t *store.Txn) error {
	r := c.holds
	if r == nil {
		r = &holdReplay{inForce: map[string]audit.Entry{}}
	}
	stored := map[string]bool{}
	err := t.EachHold(func(id string, seq int64) error {
		stored[id] = true
		subject := "record " + id
		switch e, ok := r.inForce[id]; {
		case !ok:
			c.errorf(subject, "is under a legal hold (audit entry %d) that the audit log does not hold it by: the hold was planted", seq)
		case e.Seq != seq:
			c.errorf(subject, "is under a legal hold that names audit entry %d, but its hold entry is %d: the hold was forged", seq, e.Seq)
		}
		return nil
	})
	if err := c.finding("legal holds", err); err != nil {
		return err
	}
	ids := make([]string, 0, len(r.inForce))
	for id := range r.inForce {
		if !stored[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		c.errorf("record "+id, "was put under a legal hold in audit entry %d, never released, but the vault folder no longer holds it: the hold was removed", r.inForce[id].Seq)
	}
	for _, e := range r.entries {
		if pol, err := c.v.policyAt(c.v.versionInForce(e.Seq)); err == nil && !pol.May(e.Actor, policy.ActionErase) {
			c.errorf("audit log", "entry %d (%s of record %s) was made by %s, who had no erase action then: it was forged", e.Seq, e.Action, e.Record, e.Actor)
		}
	}
	return nil
}
