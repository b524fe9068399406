package vault

import (
	"sort"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// What check verifies of erasures: every erasure mark is the one an erase
// entry of the log made, by a member who had the erase action when it was
// made; every erase entry has its mark; an erased record has no header and
// an erased class no key; an erasure interrupted before its bytes left the
// folder's files is reported, and check --repair (or the same erase again)
// finishes it.

// noteErase collects an erase entry while the log is verified.
func (c *checker) noteErase(e *audit.Entry) {
	if e.Action != actionErase || e.Outcome != audit.OutcomeOK || e.Record == "" {
		return
	}
	if c.eraseEntries == nil {
		c.eraseEntries = map[EraseTarget]audit.Entry{}
	}
	c.eraseEntries[EraseTarget{ID: e.Record, Class: e.Class}] = *e
}

// erasedParts returns the classes of record id marked erased, and reports
// a class whose key is still stored.
func (c *checker) erasedParts(t *store.Txn, h *record.Header) (map[string]int64, error) {
	marks, err := t.Erased(h.ID)
	if err != nil {
		return nil, err
	}
	for class := range marks {
		if class == "" {
			continue
		}
		if _, err := t.DEK(h.ID, class); err == nil {
			c.errorf("record "+h.ID, "class %s was erased, but its key is stored again", class)
		}
	}
	if len(marks) > 0 {
		if c.erased == nil {
			c.erased = map[string]map[string]int64{}
		}
		c.erased[h.ID] = marks
	}
	return marks, nil
}

// checkErasures compares the erasure marks with the erase entries of the
// log, and reports erasures not yet scrubbed from the files.
func (c *checker) checkErasures(t *store.Txn) error {
	marked := map[EraseTarget]bool{}
	err := t.EachErased(func(id, class string, seq int64) error {
		tg := EraseTarget{ID: id, Class: class}
		marked[tg] = true
		subject := "record " + id
		e, ok := c.eraseEntries[tg]
		switch {
		case !ok || e.Seq != seq:
			c.errorf(subject, "is marked erased by audit entry %d, which is not an erase entry of it: the mark was forged", seq)
		case class == "" && c.present[id]:
			c.errorf(subject, "was erased in audit entry %d, but its header is stored again", seq)
		case class == "":
			c.wholeErased[id] = true
		}
		return nil
	})
	if err := c.finding("erasures", err); err != nil {
		return err
	}
	for _, tg := range sortedTargets(c.eraseEntries) {
		e := c.eraseEntries[tg]
		if !marked[tg] {
			c.errorf("record "+tg.ID, "was erased in audit entry %d, but its erasure mark is missing: it was removed", e.Seq)
		}
		if pol, err := c.v.policyAt(c.v.versionInForce(e.Seq)); err == nil && !pol.May(e.Actor, policy.ActionErase) {
			c.errorf("audit log", "entry %d erased record %s, but %s had no erase action then: it was forged", e.Seq, tg.ID, e.Actor)
		}
	}
	pending, err := t.PendingScrubs()
	if err := c.finding("erasures", err); err != nil {
		return err
	}
	for _, id := range pending {
		c.pendingScrubs[id] = true
		c.notef("erasures", "record %s: its removal (erase or bundle purge) was interrupted before every byte of it left the vault folder's files: 'tvault check --repair', or the same command again, finishes it", id)
	}
	return nil
}

func sortedTargets(m map[EraseTarget]audit.Entry) []EraseTarget {
	out := make([]EraseTarget, 0, len(m))
	for tg := range m {
		out = append(out, tg)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Class < out[j].Class
	})
	return out
}
