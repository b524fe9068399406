package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/store"
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
func (v *Vault) List(f ListFilter) ([]Listing, error) {
	if _, ok := v.actor(); !ok {
		return nil, v.deny("list", "", "", "not a member of the vault's policy")
	}
	for _, c := range f.Where {
		if _, ok := v.pol.Public[c.Field]; !ok {
			return nil, &InputError{Msg: fmt.Sprintf("--where %s: %q is not a public field of the policy", c.Field, c.Field)}
		}
	}
	var ids []string
	err := v.st.View(func(t *store.Txn) (err error) {
		ids, err = v.candidates(t, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Reading and parsing the headers is most of a large listing: it is
	// split over the cores, each part in a read transaction of its own.
	parts := 1
	if len(ids) >= 2000 {
		parts = runtime.NumCPU()
	}
	results := make([][]Listing, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(ids)/parts, (p+1)*len(ids)/parts
		wg.Go(func() { results[p], errs[p] = v.listings(ids[lo:hi], f) })
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
	if err := v.audit(audit.Entry{Action: "list", Outcome: "ok", Detail: fmt.Sprintf("%d records", len(out))}); err != nil {
		return nil, err
	}
	return out, nil
}

// listings reads and parses the headers of ids and keeps those matching f.
func (v *Vault) listings(ids []string, f ListFilter) ([]Listing, error) {
	var out []Listing
	err := v.st.View(func(t *store.Txn) error {
		for _, id := range ids {
			raw, err := t.Header(id)
			if errors.Is(err, store.ErrNotFound) {
				continue // an index entry whose record was erased
			}
			if err != nil {
				return err
			}
			h, err := parseListing(id, raw)
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

// listingHeader is the part of a header that list shows: decoding only it
// skips the blob references, most of a header's bytes.
type listingHeader struct {
	ID       string         `json:"id"`
	SealedAt time.Time      `json:"sealed_at"`
	SealedBy string         `json:"sealed_by"`
	Public   map[string]any `json:"public"`
	Classes  []struct {
		Class string `json:"class"`
	} `json:"classes"`
}

// parseListing parses the listed part of a stored header without checking
// its signature (show and check do).
func parseListing(id string, raw []byte) (*Header, error) {
	_, body, err := openValue(raw)
	if err != nil {
		return nil, integrityErrorf("record %s: header is damaged", id)
	}
	var lh listingHeader
	if err := json.Unmarshal(body, &lh); err != nil {
		return nil, integrityErrorf("record %s: header is unreadable", id)
	}
	h := &Header{ID: lh.ID, SealedAt: lh.SealedAt, SealedBy: lh.SealedBy, Public: lh.Public}
	for _, c := range lh.Classes {
		h.Classes = append(h.Classes, ClassPart{Class: c.Class})
	}
	return h, nil
}

// matches reports whether the header itself satisfies the filter.
func matches(h *Header, f ListFilter) bool {
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

func listing(h *Header) Listing {
	return Listing{ID: h.ID, SealedAt: h.SealedAt, SealedBy: h.SealedBy, Public: h.Public, Classes: h.ClassNames()}
}

// candidates returns the ids the index yields for f, sorted; with no
// filter, every record id.
func (v *Vault) candidates(t *store.Txn, f ListFilter) ([]string, error) {
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
	if len(sets) == 0 {
		return t.RecordIDs()
	}
	out := dedup(sets[0])
	for _, s := range sets[1:] {
		out = intersect(out, dedup(s))
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

// RecordInfo is what show tells about one record.
type RecordInfo struct {
	Listing
	PolicyVersion int64      `json:"policy_version"`
	Signature     string     `json:"signature"` // "valid": the header verified and its sealer was entitled
	Parts         []PartInfo `json:"parts"`
}

// PartInfo describes one encrypted class without decrypting it.
type PartInfo struct {
	Class       string `json:"class"`
	Epoch       int    `json:"epoch"`
	Threshold   int    `json:"threshold"`
	Attachments int    `json:"attachments"`
	Bytes       int64  `json:"ciphertext_bytes"`
}

// Show returns one record's public metadata after verifying its header's
// signature and that the sealer was allowed to seal.
func (v *Vault) Show(id string) (*RecordInfo, error) {
	if _, ok := v.actor(); !ok {
		return nil, v.deny("show", id, "", "not a member of the vault's policy")
	}
	var info *RecordInfo
	err := v.st.View(func(t *store.Txn) error {
		h, err := v.header(t, id)
		if err != nil {
			return err
		}
		info = &RecordInfo{Listing: listing(h), PolicyVersion: h.PolicyVersion, Signature: "valid"}
		for _, c := range h.Classes {
			pi := PartInfo{Class: c.Class, Epoch: c.Epoch, Threshold: c.Threshold, Attachments: len(c.Blobs), Bytes: c.Manifest.Size}
			for _, b := range c.Blobs {
				pi.Bytes += b.Size
			}
			info.Parts = append(info.Parts, pi)
		}
		return nil
	})
	if err != nil {
		return nil, v.failed("show", id, err)
	}
	if err := v.audit(audit.Entry{Action: "show", Record: id, Outcome: "ok"}); err != nil {
		return nil, err
	}
	return info, nil
}
