package specverify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// decodeStrict decodes one JSON object line into v, refusing members v
// does not name. Spelling is checked afterwards by re-encoding: "a line
// must be byte-identical to what Export writes for its values".
func decodeStrict(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("is not the expected JSON object: %v", err)
	}
	if dec.InputOffset() != int64(len(line)) {
		return errors.New("has data after its JSON object")
	}
	return nil
}

// canonical is "a verifier rejects any other encoding of the same values".
func canonical(line, want []byte) error {
	if !bytes.Equal(line, want) {
		return fmt.Errorf("is not in canonical form (want %q)", want)
	}
	return nil
}

// filter is the header's "filter" object: "with only the criteria set".
type filter struct {
	Record *string  `json:"record"`
	Actor  *string  `json:"actor"`
	Since  *string  `json:"since"`
	Until  *string  `json:"until"`
	Also   *[]int64 `json:"also"`

	since, until time.Time
	also         map[int64]bool
}

type header struct {
	Format   *int64  `json:"tvault_audit_export"`
	Origin   *string `json:"origin"`
	TreeSize *int64  `json:"tree_size"`
	Filter   *filter `json:"filter"`
}

func (h *header) encode() []byte {
	b := appendIntMember([]byte{'{'}, "tvault_audit_export", *h.Format, true)
	b = appendMember(b, "origin", *h.Origin, false)
	b = appendIntMember(b, "tree_size", *h.TreeSize, false)
	if f := h.Filter; f != nil {
		b = append(b, `,"filter":{`...)
		first := true
		for _, m := range []struct {
			name string
			v    *string
		}{{"record", f.Record}, {"actor", f.Actor}, {"since", f.Since}, {"until", f.Until}} {
			if m.v != nil {
				b = appendMember(b, m.name, *m.v, first)
				first = false
			}
		}
		if f.Also != nil {
			if !first {
				b = append(b, ',')
			}
			b = append(b, `"also":`...)
			b = appendInts(b, *f.Also)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// parseHeader checks line 1: "format 1, a valid origin, 0 <= tree_size <=
// 2^40", and a filter with only criteria set.
func parseHeader(line []byte) (*header, error) {
	var h header
	if err := decodeStrict(line, &h); err != nil {
		return nil, err
	}
	if h.Format == nil || h.Origin == nil || h.TreeSize == nil {
		return nil, errors.New("lacks tvault_audit_export, origin or tree_size")
	}
	if err := canonical(line, h.encode()); err != nil {
		return nil, err
	}
	if *h.Format != 1 {
		return nil, fmt.Errorf("has export format %d, not 1", *h.Format)
	}
	if err := checkOrigin(*h.Origin); err != nil {
		return nil, fmt.Errorf("origin %w", err)
	}
	if *h.TreeSize < 0 || *h.TreeSize > 1<<40 {
		return nil, errors.New("tree_size is not between 0 and 2^40")
	}
	if h.Filter != nil {
		if err := h.Filter.check(); err != nil {
			return nil, fmt.Errorf("filter %w", err)
		}
	}
	return &h, nil
}

// checkOrigin: "a verifier accepts any valid origin, which C2SP leaves to
// the log: non-empty, at most 256 bytes of valid UTF-8 without control or
// bidirectional-override characters, not beginning with '{'".
func checkOrigin(s string) error {
	if s == "" || len(s) > 256 || s[0] == '{' {
		return errors.New("is empty, longer than 256 bytes or begins with '{'")
	}
	return checkText(s, false)
}

func (f *filter) check() error {
	if f.Record == nil && f.Actor == nil && f.Since == nil && f.Until == nil {
		// "also" is "never without another criterion", and a filter is
		// "present exactly when the export is filtered".
		return errors.New("has no criterion besides also")
	}
	for _, s := range []*string{f.Record, f.Actor} {
		if s != nil && (*s == "" || checkShort(*s) != nil) {
			return errors.New("has an empty or invalid record or actor")
		}
	}
	var err error
	if f.Since != nil {
		if f.since, err = parseTime(*f.Since); err != nil {
			return fmt.Errorf("since %w", err)
		}
	}
	if f.Until != nil {
		if f.until, err = parseTime(*f.Until); err != nil {
			return fmt.Errorf("until %w", err)
		}
	}
	if f.Also != nil {
		also := *f.Also
		if len(also) == 0 || len(also) > 1024 {
			return errors.New("also lists no seq or more than 1024")
		}
		f.also = make(map[int64]bool, len(also))
		for i, s := range also {
			if s < 0 || i > 0 && s <= also[i-1] {
				return errors.New("also is not in increasing order")
			}
			f.also[s] = true
		}
	}
	return nil
}

// selects is doc.go's selection: "entries whose record and actor equal the
// criteria given and whose time t satisfies since <= t < until, and besides
// them the entries whose seqs also lists".
func (f *filter) selects(e *entry, t time.Time) bool {
	if f.also[e.seq] {
		return true
	}
	return (f.Record == nil || *f.Record == e.record) &&
		(f.Actor == nil || *f.Actor == e.actor) &&
		(f.Since == nil || !t.Before(f.since)) &&
		(f.Until == nil || t.Before(f.until))
}

type keyJSON struct {
	Name           *string  `json:"name"`
	Key            *string  `json:"key"`
	Member         *bool    `json:"member"`
	PolicyVersions *[]int64 `json:"policy_versions"`
}

// Key is one (name, key) pair of an export's keys line.
type Key struct {
	Name           string
	Key            string // "ed25519:" + base64
	Member         bool
	PolicyVersions []int64
	public         []byte
}

// parseKeys checks line 2: "each name valid, each key "ed25519:" + 32
// bytes, no (name, key) pair twice"; "policy_versions" is "omitted when
// empty".
func parseKeys(line []byte) ([]Key, error) {
	var v struct {
		Keys *[]keyJSON `json:"keys"`
	}
	if err := decodeStrict(line, &v); err != nil {
		return nil, err
	}
	if v.Keys == nil {
		return nil, errors.New(`lacks "keys"`)
	}
	want := []byte(`{"keys":[`)
	var keys []Key
	checked := map[string][]byte{} // a key listed under several names is checked once
	seen := map[[2]string]bool{}
	for i, kj := range *v.Keys {
		if kj.Name == nil || kj.Key == nil || kj.Member == nil {
			return nil, fmt.Errorf("key %d lacks name, key or member", i)
		}
		if kj.PolicyVersions != nil && len(*kj.PolicyVersions) == 0 {
			return nil, fmt.Errorf("key %d has an empty policy_versions", i)
		}
		k := Key{Name: *kj.Name, Key: *kj.Key, Member: *kj.Member}
		if kj.PolicyVersions != nil {
			k.PolicyVersions = *kj.PolicyVersions
		}
		if i > 0 {
			want = append(want, ',')
		}
		want = appendMember(append(want, '{'), "name", k.Name, true)
		want = appendMember(want, "key", k.Key, false)
		want = append(want, fmt.Sprintf(`,"member":%t`, k.Member)...)
		if k.PolicyVersions != nil {
			want = appendInts(append(want, `,"policy_versions":`...), k.PolicyVersions)
		}
		want = append(want, '}')
		if err := checkName(k.Name); err != nil {
			return nil, fmt.Errorf("key %d: name %w", i, err)
		}
		if k.public = checked[k.Key]; k.public == nil {
			var err error
			if k.public, err = parseKey(k.Key); err != nil {
				return nil, fmt.Errorf("key %d: key %w", i, err)
			}
			checked[k.Key] = k.public
		}
		if seen[[2]string{k.Name, k.Key}] {
			return nil, fmt.Errorf("key %d: (%s, %s) is listed twice", i, k.Name, k.Key)
		}
		seen[[2]string{k.Name, k.Key}] = true
		// "nor two keys under one name with the same key hash" (the note
		// key hash, which names a signer in a checkpoint)
		h := noteKeyHash(k.Name, k.public)
		if seen[[2]string{k.Name, h}] {
			return nil, fmt.Errorf("key %d: %s has two keys with key hash %s", i, k.Name, h)
		}
		seen[[2]string{k.Name, h}] = true
		keys = append(keys, k)
	}
	return keys, canonical(line, append(want, "]}"...))
}
