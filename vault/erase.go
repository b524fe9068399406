package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionErase is the audit action of an erasure, whether asked for by
// Erase or by retention.
const actionErase = "erase"

// EraseTarget names what one erasure removes: a whole record (Class
// empty) or one class of it.
type EraseTarget struct {
	ID    string `json:"id"`
	Class string `json:"class,omitempty"`
}

// Erased is one erasure done.
type Erased struct {
	EraseTarget
	// Seq is the erase entry.
	Seq int64 `json:"entry"`
	// Finished is set when the target had been erased by an earlier run
	// that was interrupted before it removed every byte, and this run only
	// finished the job (no new entry).
	Finished bool `json:"finished,omitempty"`
}

// Erase erases record id, or only its class when class is not empty, for
// reason (one line, kept in the audit log): its header, DEK wraps, blobs,
// index entries, consent changes and unmask requests (a class erase: that
// class's wraps, blobs and requests) are removed in one transaction with
// the erase entry, and then every byte of them is removed from the files of
// the vault folder (store.Scrub). A held record is denied. Rerun on a
// record whose erasure was interrupted, it finishes it.
func (a *Actor) Erase(ctx context.Context, id, class, reason string) (*Erased, error) {
	if err := checkReason(reason, "erasing"); err != nil {
		return nil, err
	}
	if !record.ValidID(id) {
		return nil, &InputError{Msg: fmt.Sprintf("%q is not a record id (20 characters a-z and 2-7, as printed by seal or list)", id)}
	}
	if class != "" && (text.Line(class) != nil || len(class) > maxClassArg) {
		// Checked before the denial of a member without the erase action
		// is recorded: the audit log refuses such a class, and the attempt
		// would go unrecorded.
		return nil, &InputError{Msg: fmt.Sprintf("--class %q is not a class name: give one of the record's classes, as show lists them", clip(class, maxClassArg))}
	}
	if err := a.authorizeOn(actionErase, policy.ActionErase, id, class); err != nil {
		return nil, err
	}
	done, err := a.eraseAll(ctx, []EraseTarget{{ID: id, Class: class}}, func(EraseTarget) string { return "reason: " + reason })
	if err != nil {
		return nil, err
	}
	return &done[0], nil
}

// maxClassArg bounds a class named on the command line: no policy class
// name is longer (policy allows 32 bytes).
const maxClassArg = 64

// authorizeOn is authorize for an operation on one record (class may be
// empty): a denial names them.
func (a *Actor) authorizeOn(op string, action policy.Action, id, class string) error {
	if err := a.authorize(op, ""); err != nil {
		return err
	}
	if !a.v.pol.May(a.member.Name, action) {
		return a.deny(op, id, class, fmt.Sprintf("no role of theirs has the %s action", action))
	}
	return nil
}

// checkReason checks a reason given for doing something to a record: it
// goes into the audit log.
func checkReason(reason, doing string) error {
	if err := text.Line(reason); err != nil || strings.TrimSpace(reason) == "" || len(reason) > maxReason {
		return &InputError{Msg: fmt.Sprintf("give the reason for %s as one line of plain text of at most %d bytes with --reason (never an interviewee's name: it is kept in the audit log)", doing, maxReason)}
	}
	return nil
}

// HeldError is the denial of erasing a record under a legal hold.
type heldError struct {
	id  string
	seq int64
}

func (e *heldError) Error() string {
	return fmt.Sprintf("record %s is under a legal hold (audit entry %d): release it first with 'tvault hold --release %s --reason …'", e.id, e.seq, e.id)
}

// eraseBatch is how many erasures eraseAll commits in one transaction:
// each commit is a sync.
const eraseBatch = 64

// eraseAll erases each target with its own erase entry (detail gives the
// entry's detail), eraseBatch of them a transaction, then removes the
// bytes of all of them from the folder in one scrub. The actor's authority to erase
// is the caller's to check. It stops at the first target it cannot erase:
// one under a legal hold is a recorded denial (*DeniedError), one that is
// not there ErrNotFound; what it erased before stays erased and is scrubbed.
func (a *Actor) eraseAll(ctx context.Context, targets []EraseTarget, detail func(EraseTarget) string) ([]Erased, error) {
	var done []Erased
	var stop error
	size := eraseBatch
	for i := 0; i < len(targets); {
		if err := ctx.Err(); err != nil {
			stop = err
			break
		}
		batch := targets[i:min(i+size, len(targets))]
		var res []Erased
		err := a.v.update(func(t *store.Txn) error {
			res = res[:0]
			for _, tg := range batch {
				r, err := a.eraseOne(t, tg, detail(tg))
				if err != nil {
					return err
				}
				res = append(res, r)
			}
			return nil
		})
		if err != nil && len(batch) > 1 {
			size = 1 // again one by one, so that the error is the target's
			continue
		}
		var held *heldError
		if errors.As(err, &held) {
			stop = a.deny(actionErase, batch[0].ID, batch[0].Class, held.Error())
			break
		}
		if err != nil {
			stop = a.failed(actionErase, batch[0].ID, err)
			break
		}
		done = append(done, res...)
		i += len(batch)
	}
	a.v.failpoint("erase-after-commit")
	// What is erased is erased: an interruption does not cut the scrub
	// short (as a second signal does not cut an interrupted seal's cleanup).
	if _, err := a.v.scrub(context.WithoutCancel(ctx)); err != nil {
		return done, errors.Join(stop, err)
	}
	return done, stop
}

// eraseOne erases tg in t, or notes that an earlier interrupted erasure of
// it is to be finished.
func (a *Actor) eraseOne(t *store.Txn, tg EraseTarget, detail string) (Erased, error) {
	res := Erased{EraseTarget: tg}
	marks, err := t.Erased(tg.ID)
	if err != nil {
		return res, err
	}
	if seq, ok := erasedAs(marks, tg.Class); ok {
		pending, err := t.PendingScrubs()
		if err != nil {
			return res, err
		}
		if !slices.Contains(pending, tg.ID) {
			return res, erasedError(tg, seq)
		}
		res.Seq, res.Finished = seq, true
		return res, nil
	}
	// Read once: verified, or (a damaged header erased whole) parsed.
	raw, err := t.Header(tg.ID)
	if errors.Is(err, store.ErrNotFound) {
		return res, fmt.Errorf("record %s: %w", tg.ID, ErrNotFound)
	}
	if err != nil {
		return res, err
	}
	h, _, err := a.v.verifyHeader(t, tg.ID, raw, true)
	damaged := err != nil && tg.Class == "" && errors.Is(err, ErrIntegrity)
	if damaged {
		h, err = damagedHeader(raw, tg.ID, err) // erasedamaged.go
	}
	if err != nil {
		return res, err
	}
	if seq, err := t.Hold(tg.ID); err == nil {
		return res, &heldError{id: tg.ID, seq: seq}
	} else if !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	er, err := a.v.erasure(t, h, tg.Class, marks)
	if err == nil && damaged {
		err = a.v.scopeDamaged(context.Background(), t, er)
	}
	if err != nil {
		return res, err
	}
	e, err := a.appendEntry(t, audit.Entry{Action: actionErase, Record: tg.ID, Class: tg.Class, Outcome: audit.OutcomeOK,
		Detail: detail, Digest: audit.Digest(raw)})
	if err != nil {
		return res, err
	}
	res.Seq = e.Seq
	return res, t.Erase(er, e.Seq)
}

// erasedAs returns the entry that erased class of a record (the whole
// record when class is empty), given the record's erasure marks: a class
// of a record erased whole is erased too.
func erasedAs(marks map[string]int64, class string) (int64, bool) {
	if seq, ok := marks[""]; ok {
		return seq, true
	}
	if class == "" {
		return 0, false
	}
	seq, ok := marks[class]
	return seq, ok
}

// erasedError is the ErrNotFound of an erased record or class.
func erasedError(tg EraseTarget, seq int64) error {
	if tg.Class == "" {
		return &goneError{fmt.Sprintf("record %s was erased (audit entry %d)", tg.ID, seq)}
	}
	return &goneError{fmt.Sprintf("class %s of record %s was erased (audit entry %d)", tg.Class, tg.ID, seq)}
}

// missingWrap is the error of a part whose DEK wrap is not stored: not
// found when the part was erased, damage otherwise.
func missingWrap(t *store.Txn, id, class string) error {
	marks, err := t.Erased(id)
	if err != nil {
		return err
	}
	if seq, ok := erasedAs(marks, class); ok {
		return erasedError(EraseTarget{ID: id, Class: class}, seq)
	}
	return integrityErrorf("record %s: the key of class %s is missing", id, class)
}

// goneError is an ErrNotFound that says why the thing is not there.
type goneError struct{ msg string }

func (e *goneError) Error() string { return e.msg }
func (e *goneError) Unwrap() error { return ErrNotFound }

// erasure works out what erasing class of h (all of h when class is
// empty) removes from the store; marks are the classes erased before.
func (v *Vault) erasure(t *store.Txn, h *record.Header, class string, marks map[string]int64) (*store.Erasure, error) {
	er := &store.Erasure{ID: h.ID, Whole: class == ""}
	for _, p := range h.Parts {
		if class != "" && p.Class != class {
			continue
		}
		if _, gone := marks[p.Class]; !gone {
			er.Classes = append(er.Classes, p.Class)
		}
		for _, ref := range p.Refs() {
			// A record's blobs are named "<id>-…" (sealrecord.go). A header
			// re-signed by a sealer to name another record's blobs must not
			// make its erase take them.
			if recordBlob(h.ID, ref.ID) {
				er.Blobs = append(er.Blobs, ref.ID)
			}
		}
	}
	if class != "" {
		if _, err := partOf(h, class); err != nil {
			return nil, err
		}
		// A class's wrap key is dek/<id>/<class>: erasing class "id" alone
		// must not take the wrap of a class "id2" of the same record.
		for _, c := range h.Classes() {
			if c != class && strings.HasPrefix(c, class) {
				return nil, &InputError{Msg: fmt.Sprintf("record %s has classes %s and %s, whose keys share a storage prefix: erase the whole record instead", h.ID, class, c)}
			}
		}
	}
	if er.Whole {
		for _, ix := range indexEntries(h) {
			er.Index = append(er.Index, [2]string{ix.field, ix.value})
		}
		er.ListMarks = v.listCacheNames()
	}
	err := t.EachUnmaskRequest(func(id string, raw []byte) error {
		r, err := record.DecodeUnmaskRequest(raw, id)
		// A request's key has no terminator: one planted under a short id
		// would drop other requests with it (Scrub drops keys as prefixes).
		if err == nil && record.ValidID(id) && r.Record == h.ID && (er.Whole || r.Class == class) {
			er.Requests = append(er.Requests, id)
		}
		return nil // a damaged request is check's to report
	})
	return er, err
}

// recordBlob reports whether blobID names a blob of record id: sealing
// names them "<id>-…" (sealrecord.go).
func recordBlob(id, blobID string) bool { return strings.HasPrefix(blobID, id+"-") }

// scrub removes from the folder's files every byte of the erasures not yet
// scrubbed, and returns their record ids.
func (v *Vault) scrub(ctx context.Context) ([]string, error) {
	v.writes.Lock()
	defer v.writes.Unlock()
	ids, err := v.st.Scrub(store.ScrubOptions{RemoveBlobs: func(ids []string) error {
		return v.blobs.Remove(ctx, ids...)
	}, Failpoint: v.opts.Failpoint})
	if err != nil {
		return ids, fmt.Errorf("the erased data could not all be removed from the vault folder's files (run the same command again to finish): %w", boundary(err))
	}
	return ids, nil
}
