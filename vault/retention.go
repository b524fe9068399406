package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/store"
)

// actionRetention is the audit action of a retention run: one entry per
// run, dry or not, after the erase entries of what it erased.
const actionRetention = "retention-run"

// What a retention run did, or would do, to one target.
const (
	RetentionErased     = "erased"
	RetentionWouldErase = "would erase"
	RetentionHeld       = "held"
	// RetentionSkipped is a class that cannot be erased alone (its key
	// shares a storage prefix with another class of the record).
	RetentionSkipped = "skipped"
	// RetentionNotErased is a target a run stopped before (interrupted,
	// or an error): the next run erases it.
	RetentionNotErased = "not erased"
)

// RetentionItem is one row of a retention run: a record (Class empty)
// every class of which is past its retention, or one class past its own.
type RetentionItem struct {
	ID    string `json:"id"`
	Class string `json:"class,omitempty"`
	// SealedAt is the header's sealed_at, from which retention counts.
	SealedAt time.Time `json:"sealed_at"`
	// Retention is the class's retention ("10y"), or for a whole record
	// each class's ("identity 10y, testimony 5y").
	Retention string `json:"retention"`
	// Expired is when the target expired (for a whole record, its last
	// class).
	Expired time.Time `json:"expired_at"`
	What    string    `json:"what"`
	// Entry is the erase entry (erased), Hold the hold entry (held).
	Entry int64 `json:"entry,omitempty"`
	Hold  int64 `json:"hold,omitempty"`
}

// RetentionReport is what RunRetention did.
type RetentionReport struct {
	DryRun bool            `json:"dry_run"`
	At     time.Time       `json:"at"`
	Items  []RetentionItem `json:"items"`
	// Entry is the run's retention-run entry.
	Entry int64 `json:"entry"`
}

// RunRetention erases what the retention rules of the policy in force
// have expired, counted from each record's sealing: a record every class
// of which (left unerased) is past its retention is erased whole,
// otherwise each class past its own. A record under a legal hold is left
// alone, reported as held, and each such refusal is a denied erase entry.
// Every erasure is an erase entry of its own (eraseAll), and the run ends
// with a retention-run entry counting what it did. With dryRun it erases
// nothing and records only the run entry. It needs the erase action.
//
// Only records whose header verifies are considered (as list verifies
// them); those that fail are left alone and named in an ErrIntegrity error
// returned with the report, after the rest were done.
func (a *Actor) RunRetention(ctx context.Context, dryRun bool) (*RetentionReport, error) {
	if err := a.v.notInField("retention run"); err != nil {
		return nil, err
	}
	if err := a.authorize(actionRetention, policy.ActionErase); err != nil {
		return nil, err
	}
	rep := &RetentionReport{DryRun: dryRun, At: a.v.now(), Items: []RetentionItem{}}
	damagedIDs, err := a.planRetention(ctx, rep)
	if err != nil {
		return nil, a.failed(actionRetention, "", err)
	}
	var runErr error
	if !dryRun {
		runErr = a.applyRetention(ctx, rep)
	}
	if n := len(damagedIDs); n > 0 {
		some := damagedIDs[:min(n, 5)]
		runErr = errors.Join(runErr, integrityErrorf("%d records failed verification and retention left them alone (%s%s): run 'tvault check' to see why",
			n, strings.Join(some, ", "), map[bool]string{true: ", …"}[n > len(some)]))
	}
	e := audit.Entry{Action: actionRetention, Outcome: audit.OutcomeOK, Detail: rep.summary()}
	if runErr != nil {
		e.Outcome = audit.OutcomeError
	}
	err = a.v.update(func(t *store.Txn) error {
		ae, err := a.appendEntry(t, e)
		rep.Entry = ae.Seq
		return err
	})
	return rep, errors.Join(runErr, err)
}

// summary is the detail of the run's entry: counts only.
func (rep *RetentionReport) summary() string {
	n := map[string]int{}
	for _, it := range rep.Items {
		n[it.What]++
	}
	if rep.DryRun {
		return fmt.Sprintf("dry run: %d would be erased, %d held, %d skipped", n[RetentionWouldErase], n[RetentionHeld], n[RetentionSkipped])
	}
	return fmt.Sprintf("%d erased, %d held, %d skipped, %d not erased", n[RetentionErased], n[RetentionHeld], n[RetentionSkipped], n[RetentionNotErased])
}

// planRetention fills rep.Items with every expired target, each "would
// erase", "held" or "skipped", sorted by sealing time, and returns the ids
// of the records whose header failed verification.
func (a *Actor) planRetention(ctx context.Context, rep *RetentionReport) ([]string, error) {
	pol := a.v.pol
	anyRule := false
	for _, c := range pol.ClassNames() {
		anyRule = anyRule || !pol.Retention(c).IsZero()
	}
	if !anyRule {
		return nil, nil
	}
	var ids []string
	if err := a.v.view(func(t *store.Txn) (err error) {
		ids, err = candidates(t, ListFilter{})
		return err
	}); err != nil {
		return nil, err
	}
	cache := a.listCache()
	recs, damagedIDs, marks, err := a.v.listings(ctx, ids, ListFilter{}, cache)
	if err != nil {
		return nil, err
	}
	a.saveListMarks(cache, marks)
	err = a.v.view(func(t *store.Txn) error {
		for _, l := range recs {
			items, err := retentionItems(t, pol, l, rep.At)
			if err != nil {
				return err
			}
			rep.Items = append(rep.Items, items...)
		}
		return nil
	})
	return damagedIDs, err
}

// retentionItems returns what retention does to the record listed as l
// at now: nothing, the whole record, or some of its classes.
func retentionItems(t *store.Txn, pol *policy.Policy, l Listing, now time.Time) ([]RetentionItem, error) {
	var expired, live []string
	for _, c := range l.Classes {
		live = append(live, c)
		if pol.Retention(c).Expired(l.SealedAt, now) {
			expired = append(expired, c)
		}
	}
	if len(expired) == 0 {
		return nil, nil
	}
	marks, err := t.Erased(l.ID)
	if err != nil {
		return nil, err
	}
	live, expired = unerased(live, marks), unerased(expired, marks)
	if len(expired) == 0 {
		return nil, nil
	}
	hold, err := t.Hold(l.ID)
	if errors.Is(err, store.ErrNotFound) {
		hold, err = 0, nil
	}
	if err != nil {
		return nil, err
	}
	item := func(class string, classes []string) RetentionItem {
		it := RetentionItem{ID: l.ID, Class: class, SealedAt: l.SealedAt, What: RetentionWouldErase, Hold: hold}
		var rs []string
		for _, c := range classes {
			r := pol.Retention(c)
			rs = append(rs, c+" "+r.String())
			if exp := r.Expires(l.SealedAt); exp.After(it.Expired) {
				it.Expired = exp
			}
		}
		it.Retention = strings.Join(rs, ", ")
		if class != "" {
			it.Retention = pol.Retention(class).String()
		}
		if hold != 0 {
			it.What = RetentionHeld
		}
		return it
	}
	if len(expired) == len(live) {
		return []RetentionItem{item("", live)}, nil
	}
	var out []RetentionItem
	for _, c := range expired {
		it := item(c, []string{c})
		if it.What == RetentionWouldErase && sharesPrefix(l.Classes, c) {
			it.What = RetentionSkipped
		}
		out = append(out, it)
	}
	return out, nil
}

// unerased returns the classes of list that marks do not mark erased.
func unerased(list []string, marks map[string]int64) []string {
	var out []string
	for _, c := range list {
		if _, gone := erasedAs(marks, c); !gone {
			out = append(out, c)
		}
	}
	return out
}

// sharesPrefix reports whether class's key prefix is another class's of
// the record, which a class erase refuses (erasure).
func sharesPrefix(classes []string, class string) bool {
	for _, c := range classes {
		if c != class && strings.HasPrefix(c, class) {
			return true
		}
	}
	return false
}

// applyRetention records a denied erase entry for each held target, then
// erases the others in one eraseAll (one scrub for all), marking each
// item it erased.
func (a *Actor) applyRetention(ctx context.Context, rep *RetentionReport) error {
	var denials []audit.Entry
	var targets []EraseTarget
	index := map[EraseTarget]int{}
	for i, it := range rep.Items {
		tg := EraseTarget{ID: it.ID, Class: it.Class}
		switch it.What {
		case RetentionHeld:
			denials = append(denials, audit.Entry{Action: actionErase, Record: it.ID, Class: it.Class, Outcome: audit.OutcomeDenied,
				Detail: fmt.Sprintf("retention: under the legal hold of audit entry %d", it.Hold)})
		case RetentionWouldErase:
			targets = append(targets, tg)
			index[tg] = i
		}
	}
	if len(denials) > 0 {
		if err := a.record(denials...); err != nil {
			return err
		}
	}
	// With no target, eraseAll only finishes the scrub of an earlier run
	// that was interrupted before it (a rerun completes the job).
	detail := func(tg EraseTarget) string {
		it := rep.Items[index[tg]]
		if tg.Class == "" {
			return "retention: every class kept its time from sealing (" + it.Retention + ")"
		}
		return fmt.Sprintf("retention: class %s kept %s from sealing", tg.Class, it.Retention)
	}
	done, err := a.eraseAll(ctx, targets, detail)
	for _, d := range done {
		it := &rep.Items[index[d.EraseTarget]]
		it.What, it.Entry = RetentionErased, d.Seq
	}
	for i := range rep.Items {
		if rep.Items[i].What == RetentionWouldErase {
			rep.Items[i].What = RetentionNotErased
		}
	}
	return err
}
