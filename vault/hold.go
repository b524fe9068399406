package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// The audit actions of legal holds. Both need the erase action: a hold
// answers for what may still be done with a record.
const (
	actionHold        = "hold"
	actionHoldRelease = "hold-release"
)

// Hold is a legal hold in force on a record: the entry that placed it,
// when, by whom and why.
type Hold struct {
	ID     string    `json:"id"`
	Entry  int64     `json:"entry"`
	HeldAt time.Time `json:"held_at"`
	HeldBy string    `json:"held_by"`
	Reason string    `json:"reason"`
}

// HoldChange is a hold placed or released: Entry is the hold or
// hold-release entry; for a release, Hold is the hold it ended.
type HoldChange struct {
	ID    string `json:"id"`
	Entry int64  `json:"entry"`
	Hold  *Hold  `json:"released,omitempty"`
}

// ErrHoldState is wrapped by the error of holding a held record or
// releasing one that is not held: nothing was changed, and nothing was
// recorded.
var ErrHoldState = errors.New("nothing was changed")

// PlaceHold places a legal hold on record id, for reason (one line, kept
// in the audit log as the hold entry's detail): from then on the record
// cannot be erased, by erase or by retention, until ReleaseHold. It needs
// the erase action (a recorded denial without it). A record already held
// is an error wrapping ErrHoldState; one that does not exist, or was
// erased, ErrNotFound.
func (a *Actor) PlaceHold(id, reason string) (*HoldChange, error) {
	if err := a.checkHoldArgs(id, reason, "holding"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionHold, policy.ActionErase); err != nil {
		return nil, err
	}
	var ch *HoldChange
	err := a.v.update(func(t *store.Txn) error {
		h, err := a.v.header(t, id)
		if err != nil {
			return err
		}
		if seq, err := t.Hold(id); err == nil {
			return fmt.Errorf("record %s is already under a legal hold (audit entry %d): %w", id, seq, ErrHoldState)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		raw, err := t.Header(h.ID)
		if err != nil {
			return err
		}
		e, err := a.appendEntry(t, audit.Entry{Action: actionHold, Record: id, Outcome: audit.OutcomeOK, Detail: reason, Digest: audit.Digest(raw)})
		if err != nil {
			return err
		}
		ch = &HoldChange{ID: id, Entry: e.Seq}
		return t.PutHold(id, e.Seq)
	})
	if err != nil {
		return nil, a.holdFailed(actionHold, id, err)
	}
	return ch, nil
}

// ReleaseHold releases the legal hold on record id, for reason, with a
// hold-release entry; the record can be erased again. It needs the erase
// action. A record not held is an error wrapping ErrHoldState (ErrNotFound
// if it does not exist at all).
func (a *Actor) ReleaseHold(id, reason string) (*HoldChange, error) {
	if err := a.checkHoldArgs(id, reason, "releasing the hold"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionHoldRelease, policy.ActionErase); err != nil {
		return nil, err
	}
	var ch *HoldChange
	err := a.v.update(func(t *store.Txn) error {
		seq, err := t.Hold(id)
		if errors.Is(err, store.ErrNotFound) {
			if _, err := t.Header(id); errors.Is(err, store.ErrNotFound) {
				return notFound(t, id)
			}
			return fmt.Errorf("record %s is not under a legal hold: %w", id, ErrHoldState)
		}
		if err != nil {
			return err
		}
		held, err := holdOf(t, id, seq)
		if err != nil {
			return err
		}
		e, err := a.appendEntry(t, audit.Entry{Action: actionHoldRelease, Record: id, Outcome: audit.OutcomeOK, Detail: reason})
		if err != nil {
			return err
		}
		ch = &HoldChange{ID: id, Entry: e.Seq, Hold: &held}
		return t.DeleteHold(id)
	})
	if err != nil {
		return nil, a.holdFailed(actionHoldRelease, id, err)
	}
	return ch, nil
}

func (a *Actor) checkHoldArgs(id, reason, doing string) error {
	if err := a.v.notInField("hold"); err != nil {
		return err
	}
	if err := checkReason(reason, doing); err != nil {
		return err
	}
	if !record.ValidID(id) {
		return &InputError{Msg: fmt.Sprintf("%q is not a record id (20 characters a-z and 2-7, as printed by seal or list)", id)}
	}
	return nil
}

// holdFailed records a hold or release that failed, except one refused
// for the hold's state, which changed nothing and looked nothing up that
// the log must answer for.
func (a *Actor) holdFailed(op, id string, err error) error {
	if errors.Is(err, ErrHoldState) {
		return err
	}
	return a.failed(op, id, err)
}

// Holds returns every legal hold in force, in record id order, each read
// from the hold entry the store points to, which must be a hold of that
// record with a valid signature (else an ErrIntegrity error: run check).
// Any member may list them; the listing is recorded.
func (a *Actor) Holds(ctx context.Context) ([]Hold, error) {
	if err := a.authorize("list", ""); err != nil {
		return nil, err
	}
	out := []Hold{}
	err := a.v.view(func(t *store.Txn) error {
		return t.EachHold(func(id string, seq int64) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			h, err := holdOf(t, id, seq)
			if err != nil {
				return err
			}
			out = append(out, h)
			return nil
		})
	})
	if err != nil {
		return nil, a.failed("list", "", err)
	}
	if err := a.recordOK("list", "", "", fmt.Sprintf("%d held records", len(out))); err != nil {
		return nil, err
	}
	return out, nil
}

// holdOf reads the hold of record id from its entry seq, checking that it
// is a signed hold entry of that record.
func holdOf(t *store.Txn, id string, seq int64) (Hold, error) {
	subject := fmt.Sprintf("the legal hold of record %s: audit entry", id)
	if seq < 0 {
		return Hold{}, integrityErrorf("the legal hold of record %s is malformed", id)
	}
	e, err := readEntry(t, seq, subject)
	if err != nil {
		return Hold{}, err
	}
	if e.Action != actionHold || e.Outcome != audit.OutcomeOK || e.Record != id || e.Seq != seq {
		return Hold{}, integrityErrorf("%s %d is not a hold of that record: the hold was forged", subject, seq)
	}
	if err := e.VerifySignature(); err != nil {
		return Hold{}, integrityErrorf("%s %d: %v", subject, seq, err)
	}
	return Hold{ID: id, Entry: seq, HeldAt: e.Time, HeldBy: e.Actor, Reason: e.Detail}, nil
}
