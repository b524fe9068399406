package vault

import (
	"fmt"

	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// A record of a threshold class is moved without its DEK ever being whole
// anywhere: each holder's keys rewrap adds, for every record still on an
// old epoch, a signed contribution (their share, reshared to the new
// epoch's slots: keys.Contribute), and the run that brings the
// contributions to the old epoch's threshold assembles them into the
// record's new wrap and deletes the old one with them, in one transaction.
// So it takes one command per holder, k holders in all, in any order, each
// resumable like any rewrap.

// share is a threshold record's state in one batch: the contributions
// stored for its move to the current epoch, and whether the actor's is
// among them.
type share struct {
	cs   []*record.Contribution
	mine bool
	own  *record.Contribution // the actor's, computed in this batch
	raw  []byte
}

// readShare reads the contributions stored for record id's move from w's
// epoch to the current one. Contributions for another move (an earlier
// rotation) are left out: they are deleted when the record moves.
func (rw *rewrapper) readShare(t *store.Txn, id string, w *record.DEKWrap) (*share, error) {
	stored, err := t.Contributions(rw.class, id)
	if err != nil {
		return nil, err
	}
	s := &share{}
	for _, raw := range stored {
		c, err := record.DecodeContribution(raw, id, rw.class)
		if err != nil {
			return nil, err
		}
		if c.From != w.Epoch || c.To != rw.r.To {
			continue
		}
		s.cs = append(s.cs, c)
		s.mine = s.mine || c.SignedBy == rw.a.member.Name
	}
	return s, nil
}

// contribute computes the actor's contribution to move m (run on every
// core, like rewrapOne).
func (rw *rewrapper) contribute(m *move) error {
	x, subs, err := m.from.e.Contribute(m.w, rw.a.id, rw.cur)
	if err != nil {
		return err
	}
	c := &record.Contribution{Record: m.id, Class: rw.class, From: m.w.Epoch, To: rw.r.To, X: x, SubShares: subs}
	raw, err := record.SignContribution(rw.a.id, rw.a.member.Name, c)
	if err != nil {
		return err
	}
	m.share.own, m.share.raw = c, raw
	return nil
}

// finishShare stores the actor's contribution to m and, once the record
// has as many as its old epoch's threshold, assembles its new wrap and
// deletes the old wrap and the contributions. It reports whether the
// record moved.
func (rw *rewrapper) finishShare(t *store.Txn, m *move) (bool, error) {
	s := m.share
	if s.own != nil {
		if err := t.PutContribution(rw.class, m.id, s.own.X, s.raw); err != nil {
			return false, err
		}
		s.cs = append(s.cs, s.own)
	}
	if len(s.cs) < m.from.e.Threshold {
		return false, nil
	}
	w, err := keys.Assemble(m.from.e, rw.cur, s.cs)
	if err != nil {
		return false, fmt.Errorf("record %s: %w", m.id, err)
	}
	raw, err := w.Encode()
	if err != nil {
		return false, err
	}
	if err := t.PutDEK(m.id, rw.class, raw); err != nil {
		return false, err
	}
	return true, t.DeleteContributions(rw.class, m.id)
}
