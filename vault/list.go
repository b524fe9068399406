package vault

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// Condition is one FIELD=VALUE filter on a public field.
type Condition struct{ Field, Value string }

// ListFilter selects records by public metadata and sealing time. The zero
// value selects every record.
type ListFilter struct {
	Where []Condition // all must hold; a list field holds when any element equals
	Since time.Time   // sealed at or after; zero = open
	Until time.Time   // sealed before; zero = open
}

// Listing is one record's public face.
type Listing struct {
	ID       string         `json:"id"`
	SealedAt time.Time      `json:"sealed_at"`
	SealedBy string         `json:"sealed_by"`
	Public   map[string]any `json:"public"`
	Classes  []string       `json:"classes"`
}

// List returns the public metadata of every record matching f, oldest first.
// Filters are answered from the index, not by reading every header, and
// each match is confirmed against its header. A listed record is one that
// show would accept: its header is bound to its seal entry, whose
// signature is verified (in batches, on every core). Records that fail are
// left out and returned in a *DamagedRecordsError along with the others.
func (a *Actor) List(ctx context.Context, f ListFilter) ([]Listing, error) {
	if err := a.authorize("list", ""); err != nil {
		return nil, err
	}
	for _, c := range f.Where {
		if _, ok := a.v.pol.Public[c.Field]; !ok {
			return nil, &InputError{Msg: fmt.Sprintf("--where %s: %q is not a public field of the policy", c.Field, c.Field)}
		}
	}
	var ids []string
	err := a.v.view(func(t *store.Txn) (err error) {
		ids, err = candidates(t, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	cache := a.listCache()
	out, damaged, marks, err := a.v.listings(ctx, ids, f, cache)
	if err != nil {
		return nil, err
	}
	a.saveListMarks(cache, marks)
	entry := audit.Entry{Action: "list", Outcome: audit.OutcomeOK, Detail: fmt.Sprintf("%d records", len(out))}
	if len(damaged) > 0 {
		entry.Outcome = audit.OutcomeError
		entry.Detail += fmt.Sprintf(", %d failed verification", len(damaged))
	}
	if err := a.record(entry); err != nil {
		return nil, err
	}
	if len(damaged) > 0 {
		return out, &DamagedRecordsError{IDs: damaged}
	}
	return out, nil
}

// listings reads, parses and verifies the headers of ids and keeps those
// matching f, sorted by sealing time, and the sorted ids of those that
// failed verification, and the cache marks of the headers it verified
// (listcache.go). Most of a large listing is reading, parsing and
// verifying: it is split over the cores, each part in a read transaction
// of its own.
func (v *Vault) listings(ctx context.Context, ids []string, f ListFilter, cache *listCache) ([]Listing, []string, []listMark, error) {
	parts := 1
	if len(ids) >= 2000 {
		parts = runtime.NumCPU()
	}
	results := make([]*listPart, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(ids)/parts, (p+1)*len(ids)/parts
		results[p] = &listPart{v: v, f: f, pols: map[int64]*policy.Policy{}, cache: cache}
		wg.Go(func() { errs[p] = results[p].run(ctx, ids[lo:hi]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, nil, err
	}
	var out []Listing
	var damaged []string
	var marks []listMark
	for _, r := range results {
		out = append(out, r.out...)
		damaged = append(damaged, r.damaged...)
		marks = append(marks, r.marks...)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].SealedAt.Equal(out[j].SealedAt) {
			return out[i].SealedAt.Before(out[j].SealedAt)
		}
		return out[i].ID < out[j].ID
	})
	sort.Strings(damaged)
	return out, damaged, marks, nil
}

// matches reports whether the header itself satisfies the filter.
func matches(h *record.Header, f ListFilter) bool {
	for _, c := range f.Where {
		found := false
		for _, s := range indexValues(h.Public[c.Field]) {
			if s == c.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	t := h.SealedAt.UTC()
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || t.Before(f.Until))
}

func listing(h *record.Header) Listing {
	return Listing{ID: h.ID, SealedAt: h.SealedAt, SealedBy: h.SealedBy, Public: h.Public, Classes: h.Classes()}
}
