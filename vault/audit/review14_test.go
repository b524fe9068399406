package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Attacks on the verification of issue 14 (review14): earlier-checkpoint
// lines, kept checkpoints, witnesses and signed-note edge cases.

// withEarlier returns the unfiltered export of l's log, with keys, and an
// earlier-checkpoint line for each of sizes, signed by iryna, each with its
// true consistency proof: what an exporter with a member key can write.
func withEarlier(t testing.TB, l *Log, b *MemBackend, keys []KeyInfo, sizes []int64) string {
	t.Helper()
	var buf strings.Builder
	if _, err := l.Export(&buf, b, keys, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	ls := lines(buf.String())
	n, err := b.Size()
	if err != nil {
		t.Fatal(err)
	}
	var earlier []byte
	for _, m := range sizes {
		var p tlog.TreeProof
		if m > 0 && m < n {
			if p, err = tlog.ProveTree(n, m, b); err != nil {
				t.Fatal(err)
			}
		}
		earlier = appendEarlierLine(earlier, signedAt(t, b, m), p)
	}
	return ls[0] + ls[1] + string(earlier) + strings.Join(ls[2:], "")
}

// signedAt returns iryna's checkpoint of b's first m entries.
func signedAt(t testing.TB, b *MemBackend, m int64) []byte {
	t.Helper()
	s, err := newSigner(iryna)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tlog.TreeHash(m, b)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := signCheckpoint(testOrigin, m, root, s)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func sizesUpTo(n int) []int64 {
	var out []int64
	for m := 1; m <= n; m++ {
		out = append(out, int64(m))
	}
	return out
}

// An exporter could make the verifier work without bound: each
// earlier-checkpoint line cost a map of every listed key (note.VerifierList)
// and was kept whole, and their number had no limit. 1000 lines and 11,000
// keys (one key under many names) took 9.6 s for a 2.5 MB export, a GB
// hours. The number is capped now, and a key is looked up in the key set.
func TestReview14ManyEarlierCheckpoints(t *testing.T) {
	l, b := buildLogFast(t, 200)
	keys := testKeys()
	for i := range 2000 {
		keys = append(keys, KeyInfo{Name: fmt.Sprintf("k%05d", i), Key: keyOf(iryna), Member: true})
	}
	if _, err := VerifyExport(strings.NewReader(withEarlier(t, l, b, keys, sizesUpTo(maxEarlier)))); err != nil {
		t.Fatalf("%d earlier checkpoints: %v", maxEarlier, err)
	}
	_, err := VerifyExport(strings.NewReader(withEarlier(t, l, b, keys, sizesUpTo(maxEarlier+1))))
	wantTamper(t, err, fmt.Sprintf("line %d: more than %d earlier checkpoints", 2+maxEarlier+1, maxEarlier))

	// Export refuses to write more than a verifier accepts.
	var notes [][]byte
	for _, m := range sizesUpTo(maxEarlier + 1) {
		notes = append(notes, signedAt(t, b, m))
	}
	var buf strings.Builder
	if _, err := l.Export(&buf, b, testKeys(), ExportOptions{Earlier: notes}); err == nil {
		t.Fatal("Export wrote more earlier checkpoints than a verifier accepts")
	}
}

// A checkpoint of the empty tree is a prefix of every tree: Export carries
// one (VerifyAgainst accepts it), and the export verified as "history
// rewritten" (exit 4) because tlog.CheckTree refuses size 0.
func TestReview14EarlierCheckpointOfNoEntries(t *testing.T) {
	l, b := buildLog(t, 5)
	empty := signedAt(t, b, 0)
	if err := l.VerifyAgainst(b, testKeys(), empty); err != nil {
		t.Fatalf("VerifyAgainst an empty checkpoint: %v", err)
	}
	ex := export(t, l, b, ExportOptions{Earlier: [][]byte{empty}})
	if !strings.Contains(ex, `{"earlier_checkpoint":`) {
		t.Fatal("the export carries no earlier checkpoint")
	}
	if _, err := VerifyExportWith(strings.NewReader(ex), VerifyOptions{Against: empty}); err != nil {
		t.Fatalf("an honest export with an earlier checkpoint of no entries: %v", err)
	}
}

// An earlier checkpoint larger than the export's tree says what it means:
// the log was truncated or rolled back (it said "out of order").
func TestReview14EarlierCheckpointLargerThanExport(t *testing.T) {
	_, b := buildLog(t, 12)
	later := signedAt(t, b, 12)
	short, sb := buildLog(t, 8) // the same first 8 entries
	ls := lines(export(t, short, sb, ExportOptions{}))
	ex := ls[0] + ls[1] + string(appendEarlierLine(nil, later, nil)) + strings.Join(ls[2:], "")
	_, err := VerifyExport(strings.NewReader(ex))
	wantTamper(t, err, "line 3: earlier checkpoint of 12 entries is larger than the export's tree of 8: the log was truncated or rolled back")
}

// A witness given twice made the quorum count it twice and fail with "no
// cosignature by" nobody; it is an invalid option now, not tampering.
func TestReview14WitnessGivenTwice(t *testing.T) {
	l, b := buildLog(t, 4)
	ws, wv := testWitness(t, "witness.example/w1")
	b.SetCheckpoint(cosign(t, head(t, l, b), ws))
	full := export(t, l, b, ExportOptions{})
	if _, err := verifyWith(t, full, VerifyOptions{Witnesses: []note.Verifier{wv}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []VerifyOptions{{Witnesses: []note.Verifier{wv, wv}}, {Witnesses: []note.Verifier{wv, wv}, Quorum: 1}} {
		_, err := verifyWith(t, full, o)
		if err == nil || errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "witness witness.example/w1 is given twice") {
			t.Errorf("export, witness given twice (quorum %d): %v", o.Quorum, err)
		}
		_, err = l.VerifyLogWith(b, testKeys(), o)
		if err == nil || errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "is given twice") {
			t.Errorf("log, witness given twice (quorum %d): %v", o.Quorum, err)
		}
	}
}

// Duplicate signatures by one key: every one must verify (C2SP
// signed-note: a signature by a known key that does not verify fails),
// though note.Open checks only the first.
func TestReview14DuplicateSignatures(t *testing.T) {
	l, b := buildLog(t, 3)
	cp := string(head(t, l, b))
	text, sig, _ := strings.Cut(cp, "\n\n")
	bad := sig[:len(sig)-5] + "AAA=\n" // the same name and key hash, another signature
	if bad == sig {
		t.Fatal("the bad signature is the good one")
	}
	kr := mustKeySet(t)
	if _, _, _, err := openCheckpoint([]byte(text+"\n\n"+sig+bad), kr, nil); err == nil {
		t.Errorf("a valid signature then a bad one by the same key verified")
	}
	if _, _, _, err := openCheckpoint([]byte(text+"\n\n"+sig+sig), kr, nil); err != nil {
		t.Errorf("the same valid signature twice: %v", err)
	}
	if _, _, _, err := openCheckpoint([]byte(text+"\n\n"+bad+sig), kr, nil); err == nil {
		t.Error("a bad signature then a valid one by the same key verified")
	}
}

// What the time rule cannot do: an entry's time is the writer's word,
// bounded below by the previous entry's. A member whose clock is set back
// (or who writes with their own build) dates a new entry at the last
// entry's time, days back in a quiet vault; Append accepts it, and a
// --since export of the days since leaves it out and verifies. SECURITY.md
// says so; if this test fails, the log learned to prove when an entry was
// made, and SECURITY.md must say that instead.
func TestReview14TimeIsTheWritersWord(t *testing.T) {
	l, b := buildLog(t, 5) // the last entry at 09:04
	a, e := testEntry(5)
	monday := testStart.Add(4 * time.Minute)
	ts, err := l.Stamp(b, monday.Add(-72*time.Hour)) // a clock set back three days
	if err != nil || !ts.Equal(monday) {
		t.Fatalf("Stamp: %v, %v", ts, err)
	}
	e.Time, e.Action, e.Record = ts, "open", "r1"
	if _, err := l.Append(b, a, e); err != nil { // made on Thursday
		t.Fatalf("Append at the last entry's time: %v", err)
	}
	wednesday := monday.Add(48 * time.Hour)
	ex := export(t, l, b, ExportOptions{Since: wednesday})
	sum, err := VerifyExport(strings.NewReader(ex))
	if err != nil || sum.Entries != 0 || sum.TreeSize != 6 {
		t.Fatalf("the --since export: %v, %+v", err, sum)
	}
}

// FuzzVerifyAgainst fuzzes an export checked against a kept checkpoint,
// with earlier-checkpoint lines (P0-P5, C9, C10), which FuzzVerifyExport's
// seeds never carry: a failure wraps ErrTampered, and what verifies
// extends the kept checkpoint and holds only the log's entries, unchanged.
func FuzzVerifyAgainst(f *testing.F) {
	l, b := buildLog(f, 12)
	want := map[int64][]byte{}
	for seq := range int64(12) {
		leaf, err := b.ReadEntry(seq)
		if err != nil {
			f.Fatal(err)
		}
		want[seq] = leaf
	}
	kept := signedAt(f, b, 8)
	l10, b10 := buildLog(f, 10)
	for _, s := range []string{
		export(f, l, b, ExportOptions{}),
		export(f, l, b, ExportOptions{Earlier: [][]byte{kept}}),
		export(f, l, b, ExportOptions{Record: "r1", Earlier: [][]byte{kept}}),
		export(f, l, b, ExportOptions{Since: testStart.Add(5 * time.Minute), Earlier: [][]byte{signedAt(f, b, 0), kept, signedAt(f, b, 12)}}),
		export(f, l10, b10, ExportOptions{Actor: "olena", Earlier: [][]byte{kept}}),
		withEarlier(f, l, b, testKeys(), sizesUpTo(12)),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := VerifyExportWith(bytes.NewReader(data), VerifyOptions{Against: kept})
		if err != nil {
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("error %v does not wrap ErrTampered", err)
			}
			return
		}
		if sum.Against == nil || sum.Against.Size != 8 || sum.TreeSize < 8 {
			t.Fatalf("accepted without extending the kept checkpoint: %+v", sum)
		}
		for _, line := range lines(string(data)) {
			var ej entryJSON
			if !strings.HasPrefix(line, `{"seq":`) || json.Unmarshal([]byte(line), &ej) != nil {
				continue
			}
			tm, _ := parseTime(ej.Time)
			e := ej.entry(tm)
			if !bytes.Equal(e.Leaf(), want[ej.Seq]) {
				t.Fatalf("accepted entry %d changed: %s", ej.Seq, e.Leaf())
			}
		}
	})
}

// An exporter with a member key who rewrites entry 7 of a filtered export
// must carry a consistency proof from the kept checkpoint's size: one made
// from their own checkpoint of that size fails, and so does a checkpoint
// of the kept size itself. A kept checkpoint with an extension line and a
// stranger's signature still counts.
func TestReview14FilteredAgainstForkOfSameSize(t *testing.T) {
	l, b := buildLog(t, 12)
	kept := signedAt(t, b, 8)
	fork, fb := New(testOrigin), NewMemBackend()
	for i := range 12 {
		a, e := testEntry(i)
		if i == 7 {
			e.Detail = "nothing to see"
		}
		if _, err := fork.Append(fb, a, e); err != nil {
			t.Fatal(err)
		}
	}
	forged := export(t, fork, fb, ExportOptions{Record: "r2", Earlier: [][]byte{signedAt(t, fb, 8)}})
	_, err := verifyWith(t, forged, VerifyOptions{Against: kept})
	wantTamper(t, err, "line 3: the export's history differs from the earlier checkpoint's")

	sameSize := export(t, fork, fb, ExportOptions{Record: "r2"})
	_, err = verifyWith(t, sameSize, VerifyOptions{Against: signedAt(t, b, 12)})
	wantTamper(t, err, "checkpoint: differs from the earlier checkpoint of the same size")

	// The court's copy has an extension line (signed) and a stranger's signature.
	s, err := newSigner(iryna)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tlog.TreeHash(8, b)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := note.Sign(&note.Note{Text: formatCheckpoint(testOrigin, 8, root) + "kept by the court\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := testWitness(t, "stranger.example/w")
	honest := export(t, l, b, ExportOptions{Record: "r2", Earlier: [][]byte{kept}})
	if _, err := verifyWith(t, honest, VerifyOptions{Against: cosign(t, ext, ws)}); err != nil {
		t.Fatalf("a kept checkpoint with an extension line and a stranger's signature: %v", err)
	}
}
