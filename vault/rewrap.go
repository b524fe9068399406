package vault

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/tvault/tvault/policy"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/keys"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionRewrap is the audit action of one committed batch of keys rewrap.
const actionRewrap = "keys-rewrap"

// rewrapBatch is how many records one transaction of keys rewrap moves:
// each batch is durable with its audit entry, so a killed run loses at
// most one batch of work and never a record.
const rewrapBatch = 512

// RewrapOptions says what Rewrap moves and how it reports progress.
type RewrapOptions struct {
	// Classes are the classes to rewrap; none means every class the
	// actor holds.
	Classes []string
	// Progress, when set, is called after each batch with the records
	// of the class done (moved or already current) and their total.
	Progress func(class string, done, total int)
}

// ClassRewrap is what Rewrap did for one class.
type ClassRewrap struct {
	Class string
	// To is the current epoch every record was moved to.
	To int
	// Moved counts the records moved by this run; Current those already on
	// the current epoch.
	Moved, Current int
	// Left counts the records still on older epochs, and Pending says why
	// and what would move them.
	Left    int
	Pending string
	// Waiting counts the records of a threshold epoch this run
	// contributed to (or had contributed to before) that await other
	// holders' contributions; Awaiting says whose.
	Waiting  int
	Awaiting string
	// Stale lists the members who hold the current epoch's keys that the
	// policy in force no longer gives them: moving records to it removes
	// no one until a holder runs keys rotate.
	Stale []string
}

// Rewrap moves the DEK wraps of every record of each class to the class's
// current epoch, replacing (so deleting) the old wrap in the same
// transaction: a record is on exactly one epoch at every moment, and a run
// that is killed, or interrupted through ctx, is completed by running it
// again. Attachments and headers are never touched. Each batch is one
// transaction with a keys-rewrap entry counting what it moved.
//
// It takes the keys action and a holder of the class who holds the keys of the epochs being
// left (the DEK is unwrapped with them and wrapped to the new slots in
// this process's memory only).
func (a *Actor) Rewrap(ctx context.Context, opts RewrapOptions) ([]ClassRewrap, error) {
	if err := a.v.notInField("keys rewrap"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionRewrap, policy.ActionKeys); err != nil {
		return nil, err
	}
	classes, err := a.heldClasses(actionRewrap, opts.Classes, "so they cannot move its keys")
	if err != nil {
		return nil, err
	}
	var out []ClassRewrap
	for _, c := range classes {
		r, err := a.rewrapClass(ctx, c, opts.Progress)
		if err != nil {
			return out, a.failed(actionRewrap, "", err)
		}
		out = append(out, *r)
	}
	return out, nil
}

// rewrapper moves one class's records, batch by batch.
type rewrapper struct {
	a     *Actor
	class string
	cur   *keys.Epoch
	old   map[int]*oldEpoch
	r     *ClassRewrap
}

// oldEpoch is an epoch records are moved from: unlocked once (threshold
// 1), or a threshold epoch the actor holds a slot of (e), or why the actor
// cannot move its records.
type oldEpoch struct {
	u       *keys.Unlocked
	e       *keys.Epoch
	pending string
}

func (a *Actor) rewrapClass(ctx context.Context, class string, progress func(string, int, int)) (*ClassRewrap, error) {
	rw := &rewrapper{a: a, class: class, old: map[int]*oldEpoch{}, r: &ClassRewrap{Class: class}}
	var ids []string
	err := a.v.view(func(t *store.Txn) error {
		es, err := a.v.epochNumbers(t, class)
		if err != nil {
			return err
		}
		rw.r.To = es[len(es)-1]
		if rw.cur, err = a.v.loadEpoch(t, class, rw.r.To); err != nil {
			return err
		}
		if err := rw.cur.ParseRecipients(); err != nil { // before rewrapAll's goroutines share it
			return err
		}
		rw.r.Stale, _ = a.v.holderDrift(class, rw.cur.Slots)
		ids, err = t.DEKRecords(class)
		return err
	})
	var nk *NoKeysError
	if errors.As(err, &nk) {
		rw.r.Pending = nk.Error()
		return rw.r, nil
	}
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(ids); start += rewrapBatch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := ids[start:min(start+rewrapBatch, len(ids))]
		if err := a.v.update(func(t *store.Txn) error { return rw.batch(t, batch) }); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(class, start+len(batch), len(ids))
		}
	}
	return rw.r, nil
}

// move is one record's wrap on its way to the current epoch: rewrapped
// whole (threshold 1) or through contributions (share).
type move struct {
	id    string
	from  *oldEpoch
	w     *record.DEKWrap
	share *share
	out   []byte
	err   error
}

// batch moves the records of ids that are not on the current epoch, in t:
// it reads their wraps, unwraps and rewraps them on every core, writes
// them and the batch's audit entry. If t fails the run fails; a rerun
// redoes the batch.
func (rw *rewrapper) batch(t *store.Txn, ids []string) error {
	var n tally
	moves, err := rw.collect(t, ids, &n)
	if err != nil {
		return err
	}
	rw.rewrapAll(moves)
	for _, m := range moves {
		if errors.Is(m.err, ErrIntegrity) {
			n.left++
			rw.r.Pending = damagedWrap(m.id, rw.class)
			continue
		} else if m.err != nil {
			return fmt.Errorf("record %s: %w", m.id, m.err)
		}
		done, err := rw.store(t, m)
		if err != nil {
			return err
		}
		if m.share != nil && m.share.own != nil {
			n.contributed++
		}
		if done {
			n.moved++
		} else {
			n.waiting++
		}
	}
	if n.moved+n.contributed > 0 {
		detail := fmt.Sprintf("%d records to epoch %d", n.moved, rw.r.To)
		if n.contributed+n.waiting > 0 {
			detail += fmt.Sprintf("; %d contributions, %d records awaiting others", n.contributed, n.waiting)
		}
		e := audit.Entry{Action: actionRewrap, Class: rw.class, Outcome: audit.OutcomeOK, Detail: detail}
		if _, err := rw.a.appendEntry(t, e); err != nil {
			return err
		}
	}
	rw.r.Moved += n.moved
	rw.r.Waiting += n.waiting
	rw.r.Current += n.current
	rw.r.Left += n.left
	return nil
}

// tally counts one batch's records by what happened to them.
type tally struct{ current, left, moved, waiting, contributed int }

// collect reads the wraps of ids and returns the moves to make: every
// record not on the current epoch that the actor can move (or contribute
// to); the others are counted in n.
func (rw *rewrapper) collect(t *store.Txn, ids []string, n *tally) ([]*move, error) {
	var moves []*move
	for _, id := range ids {
		raw, err := t.DEK(id, rw.class)
		if errors.Is(err, store.ErrNotFound) {
			continue // erased or never had this class: nothing to move
		}
		if err != nil {
			return nil, err
		}
		w, err := record.DecodeDEKWrap(raw, id, rw.class)
		if errors.Is(err, ErrIntegrity) {
			n.left++ // it stays as it is; the other records still move
			rw.r.Pending = damagedWrap(id, rw.class)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("record %s: %w", id, err)
		}
		if w.Epoch > rw.r.To {
			// Only a rotation since this run began makes a newer epoch; a
			// wrap on one that does not exist opens for no one.
			if _, err := t.Epoch(rw.class, w.Epoch); errors.Is(err, store.ErrNotFound) {
				n.left++
				rw.r.Pending = fmt.Sprintf("record %s names epoch %d of class %s, which does not exist: run 'tvault check'", id, w.Epoch, rw.class)
				continue
			} else if err != nil {
				return nil, err
			}
		}
		if w.Epoch >= rw.r.To {
			n.current++
			continue
		}
		from, err := rw.from(t, w.Epoch)
		if err != nil {
			return nil, err
		}
		switch {
		case from.e != nil:
			s, err := rw.readShare(t, id, w)
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", id, err)
			}
			moves = append(moves, &move{id: id, from: from, w: w, share: s})
		case from.u != nil:
			moves = append(moves, &move{id: id, from: from, w: w})
		default:
			n.left++
			rw.r.Pending = from.pending
		}
	}
	return moves, nil
}

// store writes one move: the new wrap of a record rewrapped whole, or the
// actor's contribution to a threshold record (and its new wrap once there
// are enough). It reports whether the record is on the current epoch now.
func (rw *rewrapper) store(t *store.Txn, m *move) (bool, error) {
	if m.share != nil {
		return rw.finishShare(t, m)
	}
	return true, t.PutDEK(m.id, rw.class, m.out)
}

// rewrapAll unwraps and rewraps every move, on every core.
func (rw *rewrapper) rewrapAll(moves []*move) {
	var wg sync.WaitGroup
	next := make(chan *move)
	for range min(runtime.GOMAXPROCS(0), max(len(moves), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				switch {
				case m.share == nil:
					m.out, m.err = rw.rewrapOne(m)
				case !m.share.mine:
					m.err = rw.contribute(m)
				}
			}
		}()
	}
	for _, m := range moves {
		next <- m
	}
	close(next)
	wg.Wait()
}

func (rw *rewrapper) rewrapOne(m *move) ([]byte, error) {
	dek, err := m.from.u.OpenDEK(m.w)
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	nw, err := rw.cur.WrapDEK(dek)
	if err != nil {
		return nil, err
	}
	return nw.Encode()
}

// from returns the epoch number of the class unlocked with the actor's
// key, loading it on first use, or why its records cannot be moved by them.
func (rw *rewrapper) from(t *store.Txn, number int) (*oldEpoch, error) {
	if o, ok := rw.old[number]; ok {
		return o, nil
	}
	e, err := rw.a.v.loadEpoch(t, rw.class, number)
	if err != nil {
		return nil, err
	}
	o := &oldEpoch{}
	o.u, err = e.Unlock(rw.a.id)
	switch {
	case errors.Is(err, keys.ErrThreshold):
		staying := 0 // holders of a slot of e who still hold the class
		for _, h := range rw.a.v.pol.Holders(rw.class) {
			if _, ok := e.SlotOf(h.Name); ok {
				staying++
			}
		}
		_, mine := e.SlotOf(rw.a.member.Name)
		switch {
		case mine && staying < e.Threshold:
			o.pending = fmt.Sprintf("records of class %s epoch %d need %d of its holders to move, and only %d of them still hold the class: they stay on epoch %d, which no one can open alone", rw.class, number, e.Threshold, staying, number)
		case mine:
			o.e = e
			rw.r.Awaiting = fmt.Sprintf("each record of class %s epoch %d moves once %d of its holders have run 'tvault keys rewrap --class %s'", rw.class, number, e.Threshold, rw.class)
		default:
			o.pending = fmt.Sprintf("%s holds no slot of class %s epoch %d: %d of its holders must run 'tvault keys rewrap --class %s'", rw.a.member.Name, rw.class, number, e.Threshold, rw.class)
		}
	case errors.Is(err, keys.ErrNoSlot):
		o.pending = fmt.Sprintf("%s holds no key of class %s epoch %d: a holder who does must run 'tvault keys rewrap --class %s'", rw.a.member.Name, rw.class, number, rw.class)
	case err != nil:
		return nil, err
	}
	rw.old[number] = o
	return o, nil
}

// damagedWrap says why a record with a damaged key of class was left.
func damagedWrap(id, class string) string {
	return fmt.Sprintf("record %s: its key of class %s is damaged and stays as it is: run 'tvault check'", id, class)
}
