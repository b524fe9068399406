package vault

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/tvault/tvault/vault/internal/record"
	"github.com/tvault/tvault/vault/internal/store"
)

// The public-metadata index: an unsigned, rebuildable view of the signed
// headers. Every match it yields is confirmed against the header itself.

// sealedAtField is the index field of the sealing time; policy field names
// cannot start with '@'.
const sealedAtField = "@sealed"

// indexTimeLayout sorts lexically in time order.
const indexTimeLayout = "2006-01-02T15:04:05.000000000Z"

// lookupErasedMax is the most candidates withoutErased looks up one by
// one: each lookup is a seek, where a pass over every mark reads them all.
const lookupErasedMax = 1024

type indexEntry struct{ field, value, id string }

// indexEntries returns the index entries a header implies.
func indexEntries(h *record.Header) []indexEntry {
	var out []indexEntry
	for field, val := range h.Public {
		for _, s := range indexValues(val) {
			out = append(out, indexEntry{field, s, h.ID})
		}
	}
	return append(out, indexEntry{sealedAtField, h.SealedAt.UTC().Format(indexTimeLayout), h.ID})
}

// expectedIndex is the whole index that headers imply.
func expectedIndex(headers []*record.Header) map[indexEntry]bool {
	want := map[indexEntry]bool{}
	for _, h := range headers {
		for _, e := range indexEntries(h) {
			want[e] = true
		}
	}
	return want
}

// indexValues returns the strings a public value is indexed under.
func indexValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	default:
		return []string{fmt.Sprint(x)}
	}
}

// candidates returns the ids the index yields for f, sorted; with no
// filter, every record id.
func candidates(t *store.Txn, f ListFilter) ([]string, error) {
	var sets [][]string
	for _, c := range f.Where {
		ids, err := t.IndexIDs(c.Field, c.Value)
		if err != nil {
			return nil, err
		}
		sets = append(sets, ids)
	}
	if !f.Since.IsZero() || !f.Until.IsZero() {
		from, to := "", ""
		if !f.Since.IsZero() {
			from = f.Since.UTC().Format(indexTimeLayout)
		}
		if !f.Until.IsZero() {
			to = f.Until.UTC().Format(indexTimeLayout)
		}
		ids, err := t.IndexRange(sealedAtField, from, to)
		if err != nil {
			return nil, err
		}
		sort.Strings(ids)
		sets = append(sets, ids)
	}
	var out []string
	if len(sets) == 0 {
		ids, err := t.RecordIDs()
		if err != nil {
			return nil, err
		}
		out = ids
	} else {
		out = dedup(sets[0])
		for _, s := range sets[1:] {
			out = intersect(out, dedup(s))
		}
	}
	return withoutErased(t, out)
}

// withoutErased leaves out of ids the records erased whole: one whose
// header is stored again (restored from a copy) is check's to report, not
// list's to show. A selective query's few candidates are looked up one by
// one, so that its cost does not grow with the erasures of the whole vault;
// many are checked against one pass over every erasure mark.
func withoutErased(t *store.Txn, ids []string) ([]string, error) {
	if len(ids) <= lookupErasedMax {
		out, err := lookupErased(t, ids)
		if !errors.Is(err, store.ErrCorrupt) {
			return out, err
		}
		// A malformed mark: the pass below reads it as the scan always has.
	}
	erased := map[string]bool{}
	err := t.EachErased(func(id, class string, _ int64) error {
		if class == "" {
			erased[id] = true
		}
		return nil
	})
	if err != nil || len(erased) == 0 {
		return ids, err
	}
	return slices.DeleteFunc(ids, func(id string) bool { return erased[id] }), nil
}

// lookupErased returns ids without those with a mark of erasure whole,
// looking each up; a malformed mark is store.ErrCorrupt.
func lookupErased(t *store.Txn, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		marks, err := t.Erased(id)
		if err != nil {
			return nil, err
		}
		if _, whole := marks[""]; !whole {
			out = append(out, id)
		}
	}
	return out, nil
}

func dedup(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}
