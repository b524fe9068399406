package store

import (
	"net/url"
	"strings"
)

// IndexEntriesOf returns every index entry of record id, as field and
// value, by scanning the whole index: for erasing a record whose header
// cannot be trusted to list them (its values may be damaged). Index keys
// are idx/<field>/<value, path-escaped>/<id>.
func (t *Txn) IndexEntriesOf(id string) ([][2]string, error) {
	var out [][2]string
	suffix := "/" + id
	err := t.each(prefixIndex, false, func(s, _ []byte) error {
		k, ok := strings.CutSuffix(string(s), suffix)
		if !ok {
			return nil
		}
		field, esc, ok := strings.Cut(k, "/")
		if !ok {
			return nil
		}
		v, err := url.PathUnescape(esc)
		if err != nil || string(indexPrefix(field, v)) != string(prefixIndex)+k+"/" {
			return nil // a key no index write made: check reports it
		}
		out = append(out, [2]string{field, v})
		return nil
	})
	return out, err
}
