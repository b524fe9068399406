package vault

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

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
// Filters are answered from the index, not by reading every header. Headers
// are parsed without checking their signatures, for speed: show and check
// verify them.
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
	out, err := a.v.listings(ctx, ids, f)
	if err != nil {
		return nil, err
	}
	if err := a.recordOK("list", "", "", fmt.Sprintf("%d records", len(out))); err != nil {
		return nil, err
	}
	return out, nil
}

// listings reads and parses the headers of ids and keeps those matching f,
// sorted by sealing time. Reading and parsing the headers is most of a
// large listing: it is split over the cores, each part in a read
// transaction of its own.
func (v *Vault) listings(ctx context.Context, ids []string, f ListFilter) ([]Listing, error) {
	parts := 1
	if len(ids) >= 2000 {
		parts = runtime.NumCPU()
	}
	results := make([][]Listing, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(ids)/parts, (p+1)*len(ids)/parts
		wg.Go(func() { results[p], errs[p] = v.listingsOf(ctx, ids[lo:hi], f) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Listing
	for _, r := range results {
		out = append(out, r...)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].SealedAt.Equal(out[j].SealedAt) {
			return out[i].SealedAt.Before(out[j].SealedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (v *Vault) listingsOf(ctx context.Context, ids []string, f ListFilter) ([]Listing, error) {
	var out []Listing
	err := v.view(func(t *store.Txn) error {
		for i, id := range ids {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			raw, err := t.Header(id)
			if errors.Is(err, store.ErrNotFound) {
				continue // an index entry whose record was erased
			}
			if err != nil {
				return err
			}
			h, err := record.ParseListing(id, raw)
			if err != nil {
				return err
			}
			// The index is not signed: confirm each match against the
			// header, so a forged index entry cannot mislabel a record.
			if matches(h, f) {
				out = append(out, listing(h))
			}
		}
		return nil
	})
	return out, err
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
