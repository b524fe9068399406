package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
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

// FuzzExportVerifier feeds an export to the exportVerifier one line at a
// time, as verifyExport does, and checks that it never panics, that it
// reaches VerifyExport's verdict, that its first error is final, and that
// what it accepts holds only entries of the log the seeds come from,
// unchanged: no mutation that changes an entry's content is accepted.
// Seeds: valid exports of that log and of a prefix of it (the same
// entries, as test entries and Ed25519 signatures are deterministic),
// unfiltered and filtered, and tampered ones.
func FuzzExportVerifier(f *testing.F) {
	l, b := buildLog(f, 7)
	l6, b6 := buildLog(f, 6)
	full := export(f, l, b, ExportOptions{})
	g := lines(full)
	for _, s := range []string{
		full,
		export(f, l6, b6, ExportOptions{}),
		export(f, l, b, ExportOptions{Record: "r1"}),
		export(f, l, b, ExportOptions{Actor: "olena", Since: testStart.Add(time.Minute)}),
		strings.Replace(full, `"outcome":"denied"`, `"outcome":"ok"`, 1),
		strings.Replace(full, `"detail":"entry 0"`, `"detail":"entry 9"`, 1),
		strings.Join(append(append([]string(nil), g[:4]...), g[3:]...), ""), // entry 1 twice
		full + g[len(g)-1], // a second checkpoint
	} {
		f.Add([]byte(s))
	}
	want := map[int64][]byte{} // seq → the log's leaf
	for seq := range int64(7) {
		leaf, err := b.ReadEntry(seq)
		if err != nil {
			f.Fatal(err)
		}
		want[seq] = leaf
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := newExportVerifier(2) // small batches: several in flight
		sum, err := v.readAll(bytes.NewReader(data))
		wantSum, wantErr := VerifyExport(bytes.NewReader(data))
		var te, wantTE *TamperError
		if !reflect.DeepEqual(sum, wantSum) || fmt.Sprint(err) != fmt.Sprint(wantErr) ||
			errors.As(err, &te) && (!errors.As(wantErr, &wantTE) || *te != *wantTE) {
			t.Fatalf("fed line by line: %v, %#v; VerifyExport: %v, %#v", sum, err, wantSum, wantErr)
		}
		if err != nil {
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("error %v does not wrap ErrTampered", err)
			}
			if ferr := v.feed([]byte(g[0])); ferr != err {
				t.Fatalf("after %v, feed returned %v", err, ferr)
			}
			if _, ferr := v.finish(); ferr != err {
				t.Fatalf("after %v, finish returned %v", err, ferr)
			}
			return
		}
		// Accepted: line 1 is the header, line 2 the keys, the last the
		// checkpoint, and every line between an entry of the log.
		ls := lines(string(data))
		if int64(len(ls)-3) != sum.Entries || sum.Entries > sum.TreeSize || !sum.Filtered && sum.Entries != sum.TreeSize {
			t.Fatalf("accepted %d lines as %+v", len(ls), sum)
		}
		for _, line := range ls[2 : len(ls)-1] {
			var ej entryJSON
			if err := json.Unmarshal([]byte(line), &ej); err != nil {
				t.Fatalf("accepted line %q: %v", line, err)
			}
			tm, _ := parseTime(ej.Time)
			e := ej.entry(tm)
			if !bytes.Equal(e.Leaf(), want[ej.Seq]) {
				t.Fatalf("accepted entry %d changed: %s", ej.Seq, e.Leaf())
			}
		}
	})
}
