package vault

import (
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
// list's to show.
func withoutErased(t *store.Txn, ids []string) ([]string, error) {
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
