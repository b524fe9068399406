package audit

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// Entry lines are checked in chunks on every core: whatever the chunk
// size, the error reported is the first bad line's first broken rule, with
// the message and location a one-by-one check gives, also when several
// chunks are in flight and the bad line is in the middle of one.
func TestParallelVerifyFirstError(t *testing.T) {
	const n = 1200 // several chunks of the default size, and more in flight
	l, b := buildLogFast(t, n)
	g := lines(export(t, l, b, ExportOptions{}))
	badSig := func(line string) string {
		return reencode(t, line, func(e *Entry) { e.Detail += "!" }) // rehashed, not re-signed
	}
	edit := func(edits map[int]func(string) string) string {
		c := append([]string(nil), g...)
		for i, f := range edits {
			c[i] = f(c[i])
		}
		return strings.Join(c, "")
	}
	entryLine := func(seq int) int { return 2 + seq } // index in g; line number is one more
	drop := func(string) string { return "" }
	for _, tc := range []struct {
		name string
		text string
		want string
		seq  int64
		line int
	}{
		{"bad signature, first entry", edit(map[int]func(string) string{entryLine(0): badSig}),
			"entry 0: signature does not verify", 0, 3},
		{"bad signature, last entry", edit(map[int]func(string) string{entryLine(n - 1): badSig}),
			"entry 1199: signature does not verify", n - 1, n + 2},
		{"bad signature in the middle, another later", edit(map[int]func(string) string{entryLine(700): badSig, entryLine(900): badSig}),
			"entry 700: signature does not verify", 700, 703},
		{"changed entry, not rehashed", edit(map[int]func(string) string{entryLine(613): func(s string) string {
			return strings.Replace(s, `"outcome":"`, `"outcome":"x`, 1)
		}}), `entry 613: outcome "xok" is not ok, denied or error`, 613, 616},
		{"hash does not match", edit(map[int]func(string) string{entryLine(257): func(s string) string {
			return strings.Replace(s, `"detail":"`, `"detail":"x`, 1)
		}}), "entry 257: hash does not match the entry", 257, 260},
		{"bad signature before a missing entry", edit(map[int]func(string) string{entryLine(500): badSig, entryLine(510): drop}),
			"entry 500: signature does not verify", 500, 503},
		{"missing entry before a bad signature", edit(map[int]func(string) string{entryLine(500): drop, entryLine(510): badSig}),
			"entry 500 missing (seq jumps from 499 to 501)", 500, 503},
		{"not in canonical form", edit(map[int]func(string) string{entryLine(1000): func(s string) string {
			return strings.Replace(s, `,"actor":`, `, "actor":`, 1)
		}}), "entry 1000: line 1003 is not in canonical form", 1000, 1003},
		{"escaped slash, same JSON value", edit(map[int]func(string) string{entryLine(1001): func(s string) string {
			return strings.Replace(s, `"time":"2`, `"time":"\u0032`, 1)
		}}), "entry 1001: line 1004 is not in canonical form", 1001, 1004},
		{"unknown field", edit(map[int]func(string) string{entryLine(3): func(s string) string {
			return strings.Replace(s, `,"actor":`, `,"x":1,"actor":`, 1)
		}}), `line 6: not an entry or checkpoint: unknown field "x"`, -1, 6},
		{"truncated in a line", strings.Join(g[:entryLine(800)], "") + g[entryLine(800)][:100],
			"line 803: not an entry or checkpoint: malformed JSON", -1, 803},
		{"truncated at a line end", strings.Join(g[:entryLine(800)], ""), "checkpoint missing", -1, 803},
		{"truncated after a bad signature", strings.Join(g[:entryLine(100)], "") + badSig(g[entryLine(100)]) + g[entryLine(101)][:50],
			"entry 100: signature does not verify", 100, 103},
	} {
		for _, chunk := range []int{1, 2, 7, 64, 0} {
			_, err := verifyExport(strings.NewReader(tc.text), chunk)
			var te *TamperError
			if !errors.As(err, &te) || te.Reason != tc.want || te.Seq != tc.seq || te.Line != tc.line || !errors.Is(err, ErrTampered) {
				t.Errorf("%s, chunks of %d: %+v, want %q (seq %d, line %d)", tc.name, chunk, err, tc.want, tc.seq, tc.line)
			}
		}
	}
}

// fastEntryLine decodes every canonical entry line (escapes, Cyrillic,
// with and without a digest) as encoding/json does, and refuses filtered
// lines and anything it does not know.
func TestFastEntryLine(t *testing.T) {
	l, b := buildLog(t, 20)
	for _, line := range lines(export(t, l, b, ExportOptions{}))[2:22] {
		line = strings.TrimSuffix(line, "\n")
		got, ok := fastEntryLine([]byte(line))
		var want entryJSON
		if err := decodeStrict([]byte(line), &want); err != nil || !ok || !sameEntryJSON(got, want) {
			t.Errorf("fastEntryLine(%s) = %+v, %v; want %+v", line, got, ok, want)
		}
	}
	for _, line := range lines(export(t, l, b, ExportOptions{Record: "r1"}))[2:5] {
		if _, ok := fastEntryLine([]byte(strings.TrimSuffix(line, "\n"))); ok {
			t.Errorf("fastEntryLine decoded a filtered line %s", line)
		}
	}
	for _, line := range []string{``, `{`, `{"seq":`, `{"seq":1}`, `{"seq":1,"time":"\x"}`, `{"seq":1,"time":"\u12"}`} {
		if _, ok := fastEntryLine([]byte(line)); ok {
			t.Errorf("fastEntryLine decoded %q", line)
		}
	}
}

func sameEntryJSON(a, b entryJSON) bool {
	return a.Seq == b.Seq && a.Time == b.Time && a.Actor == b.Actor && a.ActorKey == b.ActorKey && a.Action == b.Action &&
		a.Record == b.Record && a.Class == b.Class && a.Outcome == b.Outcome && a.Detail == b.Detail &&
		a.Digest == b.Digest && a.Sig == b.Sig && a.Hash == b.Hash && a.Proof == nil && b.Proof == nil
}

// Whatever fastEntryLine decodes, if the line is the canonical encoding of
// what it decoded (the only case the verifier keeps), encoding/json decodes
// the same.
func FuzzFastEntryLine(f *testing.F) {
	l, b := buildLog(f, 10)
	for _, line := range lines(export(f, l, b, ExportOptions{})) {
		f.Add([]byte(strings.TrimSuffix(line, "\n")))
	}
	f.Add([]byte(`{"seq":1,"time":"a\u001fb","actor":"","actor_key":"","action":"","record":"","class":"","outcome":"","detail":"\"\\\b\f\n\r\t","sig":"","hash":""}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		ej, ok := fastEntryLine(line)
		if !ok {
			return
		}
		e := Entry{Seq: ej.Seq, Actor: ej.Actor, ActorKey: ej.ActorKey, Action: ej.Action, Record: ej.Record, Class: ej.Class,
			Outcome: ej.Outcome, Detail: ej.Detail, Digest: ej.Digest, Sig: ej.Sig}
		enc := appendEntryLine(nil, &e, tlog.Hash{}, nil, false)
		// appendEntryLine writes the time and hash from values: compare
		// the line with those two members as the line has them.
		enc = bytes.Replace(enc, []byte(`"time":"`+formatTime(e.Time)+`"`), appendString([]byte(`"time":`), ej.Time), 1)
		enc = bytes.Replace(enc, []byte(`"hash":"`+tlog.Hash{}.String()+`"`), appendString([]byte(`"hash":`), ej.Hash), 1)
		if !sameLine(enc, line) {
			return
		}
		var want entryJSON
		if err := decodeStrict(line, &want); err != nil || !sameEntryJSON(ej, want) {
			t.Fatalf("fastEntryLine(%q) = %+v; encoding/json: %+v, %v", line, ej, want, err)
		}
	})
}
