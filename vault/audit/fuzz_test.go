package audit

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzVerifyExport checks that VerifyExport never panics and that every
// rejection of an in-memory input is a TamperError. Seeds: valid exports,
// unfiltered and filtered, and tampered ones.
func FuzzVerifyExport(f *testing.F) {
	l, b := buildLog(f, 6)
	full := export(f, l, b, ExportOptions{})
	filtered := export(f, l, b, ExportOptions{Record: "r1", Since: testStart})
	g := lines(full)
	for _, s := range []string{
		full,
		filtered,
		strings.Join(append(append([]string(nil), g[:3]...), g[4:]...), ""),           // entry 1 deleted
		strings.Join(append(append([]string(nil), g[:len(g)-2]...), g[len(g)-1]), ""), // last entry deleted
		strings.Join(g[:len(g)-1], ""),                                                // checkpoint removed
		strings.Replace(full, `"outcome":"ok"`, `"outcome":"denied"`, 1),
		strings.Replace(full, `\n6\n`, `\n5\n`, 1),
		strings.Replace(filtered, `"proof":["`, `"proof":["A`, 1),
		strings.Replace(full, `"tree_size":6`, `"tree_size":1099511627776`, 1),
		strings.Replace(filtered, `"tree_size":6`, `"tree_size":9223372036854775807`, 1),
		"",
		"{}\n{}\n{}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := VerifyExport(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("error %v does not wrap ErrTampered", err)
			}
			return
		}
		if sum.Entries > sum.TreeSize || !sum.Filtered && sum.Entries != sum.TreeSize {
			t.Fatalf("accepted an inconsistent export: %+v", sum)
		}
	})
}
