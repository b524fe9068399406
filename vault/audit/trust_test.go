package audit

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Tests of what a verifier brings from outside an export (VerifyOptions)
// and of the signed-note conventions: an exporter who truncates the log
// and re-signs it with a real member key is caught by a kept checkpoint;
// an exporter who replaces the keys is caught by trusted keys; witnesses'
// cosignatures are required when asked for and ignored otherwise.

func verifyWith(t *testing.T, export string, o VerifyOptions) (Summary, error) {
	t.Helper()
	return VerifyExportWith(strings.NewReader(export), o)
}

func wantTamper(t *testing.T, err error, substr string) {
	t.Helper()
	var te *TamperError
	if !errors.As(err, &te) || !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), substr) {
		t.Fatalf("got %v, want a TamperError containing %q", err, substr)
	}
}

// testWitness returns a note signer and verifier standing for a witness.
func testWitness(t *testing.T, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// cosign adds s's signature to the signed note msg.
func cosign(t *testing.T, msg []byte, s note.Signer) []byte {
	t.Helper()
	text, _, _ := strings.Cut(string(msg), "\n\n")
	sig, err := note.Sign(&note.Note{Text: text + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	_, line, _ := strings.Cut(string(sig), "\n\n")
	return append(append([]byte(nil), msg...), line...)
}

func head(t *testing.T, l *Log, b Backend) []byte {
	t.Helper()
	cp, err := l.Head(b)
	if err != nil {
		t.Fatal(err)
	}
	return cp.Text
}

// A truncated export, re-signed by a real member, verifies on its own; a
// checkpoint kept from before the truncation catches it, and catches a
// rewritten history of the same or a greater size.
func TestVerifyAgainstKeptCheckpoint(t *testing.T) {
	l, b := buildLog(t, 20)
	kept := head(t, l, b) // a court keeps this at 20 entries
	appendN(t, l, b, 20, 30)

	full := export(t, l, b, ExportOptions{})
	sum, err := verifyWith(t, full, VerifyOptions{Against: kept})
	if err != nil || sum.Against == nil || sum.Against.Size != 20 {
		t.Fatalf("honest export against a kept checkpoint: %v, %+v", err, sum)
	}
	if !strings.Contains(sum.String(), "extends the earlier checkpoint of 20 entries") {
		t.Errorf("summary %q does not say what it proved", sum)
	}

	// The exporter rolls back to 15 entries and re-signs.
	short, sb := buildLog(t, 15)
	_, err = verifyWith(t, export(t, short, sb, ExportOptions{}), VerifyOptions{})
	if err != nil {
		t.Fatalf("the truncated export verifies on its own: %v", err)
	}
	_, err = verifyWith(t, export(t, short, sb, ExportOptions{}), VerifyOptions{Against: kept})
	wantTamper(t, err, "fewer than the 20 of the earlier checkpoint")

	// The exporter rewrites entry 12 (its own) and re-signs everything after.
	forged, fb := New(testOrigin), NewMemBackend()
	for i := range 30 {
		a, e := testEntry(i)
		if i == 12 {
			e.Detail = "nothing to see"
		}
		if _, err := forged.Append(fb, a, e); err != nil {
			t.Fatal(err)
		}
	}
	_, err = verifyWith(t, export(t, forged, fb, ExportOptions{}), VerifyOptions{Against: kept})
	wantTamper(t, err, "the first 20 entries differ from the earlier checkpoint's")

	// A filtered export needs the consistency proof; with it, it passes,
	// and a forged history's proof does not.
	filt := ExportOptions{Record: "r1"}
	_, err = verifyWith(t, export(t, l, b, filt), VerifyOptions{Against: kept})
	wantTamper(t, err, "export it with --from-checkpoint")
	filt.Earlier = [][]byte{kept}
	if _, err := verifyWith(t, export(t, l, b, filt), VerifyOptions{Against: kept}); err != nil {
		t.Fatalf("filtered export with the proof: %v", err)
	}
	var buf strings.Builder
	if _, err := forged.Export(&buf, fb, testKeys(), filt); err == nil {
		t.Fatal("the forged log exported a consistency proof from a checkpoint it does not extend")
	}
}

// The kept checkpoint's own signature must verify; one of another log is
// refused.
func TestVerifyAgainstBadCheckpoint(t *testing.T) {
	l, b := buildLog(t, 10)
	kept := head(t, l, b)
	full := export(t, l, b, ExportOptions{})
	bad := []byte(strings.Replace(string(kept), "\n10\n", "\n9\n", 1))
	_, err := verifyWith(t, full, VerifyOptions{Against: bad})
	wantTamper(t, err, "earlier checkpoint given")

	other, ob := New("tvault/another"), NewMemBackend()
	appendN(t, other, ob, 0, 5)
	_, err = verifyWith(t, full, VerifyOptions{Against: head(t, other, ob)})
	wantTamper(t, err, "of another log")
}

// Trusted keys replace the export's keys line: an export whose entries
// were re-signed by a stranger, under the members' names, verifies on its
// own and says so, and fails with the members' real keys.
func TestVerifyTrustedKeys(t *testing.T) {
	l, b := buildLog(t, 10)
	full := export(t, l, b, ExportOptions{})
	sum, err := verifyWith(t, full, VerifyOptions{Trusted: testKeys(), TrustedFrom: "cards.toml"})
	if err != nil || sum.KeysFrom != "cards.toml" || !strings.HasSuffix(sum.String(), "; keys from cards.toml") {
		t.Fatalf("honest export with trusted keys: %v, %v", err, sum)
	}

	// A stranger rebuilds the log with keys of their own under the
	// members' names.
	forged, fb := New(testOrigin), NewMemBackend()
	strangers := map[string]Actor{}
	var keys []KeyInfo
	for _, a := range []Actor{iryna, olena, mykola} {
		s := testActor("stranger " + a.Name)
		s.Name = a.Name
		strangers[a.Name] = s
		keys = append(keys, memberKey(s))
	}
	for i := range 10 {
		a, e := testEntry(i)
		if _, err := forged.Append(fb, strangers[a.Name], e); err != nil {
			t.Fatal(err)
		}
	}
	var buf strings.Builder
	if _, err := forged.Export(&buf, fb, keys, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err = verifyWith(t, buf.String(), VerifyOptions{})
	if err != nil || sum.KeysFrom != KeysFromExport || !strings.Contains(sum.String(), "the keys came from the export itself") {
		t.Fatalf("forged export on its own: %v, %v", err, sum)
	}
	_, err = verifyWith(t, buf.String(), VerifyOptions{Trusted: testKeys()})
	wantTamper(t, err, "entry 0: key")
}

// Signatures by unknown keys on a checkpoint are ignored (C2SP
// signed-note); a listed member's signature is still required; a bad
// signature by a known witness is an error.
func TestCheckpointUnknownSignatures(t *testing.T) {
	l, b := buildLog(t, 8)
	ws, wv := testWitness(t, "witness.example/w1")
	cp := head(t, l, b)
	b.SetCheckpoint(cosign(t, cp, ws))
	full := export(t, l, b, ExportOptions{})
	if _, err := verifyWith(t, full, VerifyOptions{}); err != nil {
		t.Fatalf("a cosignature by an unknown witness is not ignored: %v", err)
	}
	sum, err := verifyWith(t, full, VerifyOptions{Witnesses: []note.Verifier{wv}})
	if err != nil || len(sum.Witnessed) != 1 || sum.Witnessed[0] != (Witnessed{"witness.example/w1", 8}) {
		t.Fatalf("with the witness required: %v, %+v", err, sum.Witnessed)
	}
	_, wv2 := testWitness(t, "witness.example/w2")
	_, err = verifyWith(t, full, VerifyOptions{Witnesses: []note.Verifier{wv, wv2}})
	wantTamper(t, err, "cosigned by 1 of the witnesses, 2 required (no cosignature by witness.example/w2)")
	if _, err := verifyWith(t, full, VerifyOptions{Witnesses: []note.Verifier{wv, wv2}, Quorum: 1}); err != nil {
		t.Fatalf("quorum 1 of 2: %v", err)
	}

	// Only the witness signed: no member did.
	text, sigs, _ := strings.Cut(string(cosign(t, cp, ws)), "\n\n")
	onlyWitness := text + "\n\n" + sigs[strings.Index(sigs, "\n")+1:]
	if _, err := New(testOrigin).VerifyLogWith(memWith(b, onlyWitness), testKeys(), VerifyOptions{}); err == nil ||
		!strings.Contains(err.Error(), "not signed by a listed key") {
		t.Fatalf("checkpoint without a member's signature: %v", err)
	}

	// A witness's signature that does not verify.
	badSig := []byte(strings.Replace(string(cosign(t, cp, ws)), "— witness.example/w1 ", "— witness.example/w1 A", 1))
	_, _, _, err = openCheckpoint(badSig, mustKeySet(t), []note.Verifier{wv})
	if err == nil {
		t.Fatal("a bad cosignature by a required witness verified")
	}
}

func memWith(b *MemBackend, checkpoint string) *MemBackend {
	c := b.Clone()
	c.SetCheckpoint([]byte(checkpoint))
	return c
}

func mustKeySet(t *testing.T) *keySet {
	kr, err := newKeySet(testKeys())
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// Extension lines (C2SP tlog-checkpoint) are accepted and ignored; empty
// ones, and too many, are not.
func TestCheckpointExtensionLines(t *testing.T) {
	root := "ZKem1HivKlEO3hbNrgz+OXeXIFMs9MK2nX0GxTAA1gw="
	for body, ok := range map[string]bool{
		testOrigin + "\n5\n" + root + "\n":                             true,
		testOrigin + "\n5\n" + root + "\nrekor-shard 3\n":              true,
		testOrigin + "\n5\n" + root + "\n\n":                           false,
		testOrigin + "\n5\n" + root:                                    false,
		testOrigin + "\n5\n" + root + strings.Repeat("\nx", 17) + "\n": false,
	} {
		if _, _, _, err := parseCheckpoint(body); (err == nil) != ok {
			t.Errorf("parseCheckpoint(%q): %v, want ok %v", body, err, ok)
		}
	}
}

// An entry's time never precedes the previous entry's: Append refuses
// one, Stamp gives the later time, and every verifier reports a backdated
// entry written behind the log's back.
func TestTimeNeverGoesBackwards(t *testing.T) {
	l, b := buildLog(t, 5)
	_, last := testEntry(4)
	a, e := testEntry(5)
	e.Time = last.Time.Add(-time.Hour)
	if _, err := l.Append(b, a, e); !errors.Is(err, ErrInvalidEntry) {
		t.Fatalf("Append of a backdated entry: %v", err)
	}
	ts, err := l.Stamp(b, last.Time.Add(-time.Hour))
	if err != nil || !ts.Equal(last.Time) {
		t.Fatalf("Stamp with a clock behind: %v, %v; want %v", ts, err, last.Time)
	}
	if ts, _ := l.Stamp(b, last.Time.Add(time.Hour)); !ts.Equal(last.Time.Add(time.Hour)) {
		t.Fatalf("Stamp with a clock ahead: %v", ts)
	}
	e.Time = last.Time // equal is allowed
	if _, err := l.Append(b, a, e); err != nil {
		t.Fatal(err)
	}

	// A member with write access appends a backdated entry of their own,
	// signed with their real key, and re-signs the checkpoint.
	s, err := newSigner(iryna)
	if err != nil {
		t.Fatal(err)
	}
	_, bd := testEntry(6)
	bd.Time = testStart.Add(-24 * time.Hour)
	bd.Actor, bd.ActorKey, bd.Seq = iryna.Name, keyOf(iryna), 6
	resign(&bd, iryna)
	root, err := appendLeaf(b, 6, bd.Leaf())
	if err != nil {
		t.Fatal(err)
	}
	cp, err := signCheckpoint(testOrigin, 7, root, s)
	if err != nil {
		t.Fatal(err)
	}
	b.SetCheckpoint(cp)
	_, err = l.VerifyLog(b, testKeys())
	wantTamper(t, err, "entry 6: its time 2024-04-30T09:00:00Z precedes entry 5's")
	_, err = verifyWith(t, export(t, l, b, ExportOptions{}), VerifyOptions{})
	wantTamper(t, err, "entry 6: its time")
	_, err = verifyWith(t, export(t, l, b, ExportOptions{Actor: "iryna"}), VerifyOptions{})
	wantTamper(t, err, "entry 6: its time")
}

// --since and --until compare instants: a bound given in another time zone
// selects the same entries as the same instant in UTC, and the header
// states it in UTC.
func TestFilterComparesInstants(t *testing.T) {
	l, b := buildLog(t, 10)
	kyiv := time.FixedZone("EEST", 3*60*60)
	since := testStart.Add(4 * time.Minute)
	a := export(t, l, b, ExportOptions{Since: since.In(kyiv), Until: since.Add(3 * time.Minute).In(kyiv)})
	u := export(t, l, b, ExportOptions{Since: since, Until: since.Add(3 * time.Minute)})
	if a != u || len(lines(a)) != 2+3+1 {
		t.Fatalf("a bound in another zone selects differently:\n%s\n%s", a, u)
	}
	if _, err := VerifyExport(strings.NewReader(a)); err != nil {
		t.Fatal(err)
	}
}

// A key of small order "signs" every message with (identity, 0) under the
// cofactored batch equation: an export that lists one is refused, so that
// no one can write entries in the name of whoever claims such a key.
func TestSmallOrderKeyRefused(t *testing.T) {
	l, b := buildLog(t, 2)
	lines := lines(export(t, l, b, ExportOptions{}))
	small := "ed25519:" + b64([]byte{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05})
	keys := string(appendKeysLine(nil, append(testKeys(), KeyInfo{Name: "mallory", Key: small, Member: true})))
	_, err := verifyWith(t, lines[0]+keys+strings.Join(lines[2:], ""), VerifyOptions{})
	wantTamper(t, err, "small order")
	if _, err := newKeySet([]KeyInfo{{Name: "mallory", Key: small}}); err == nil {
		t.Error("a trusted key of small order was accepted")
	}
}

// With Origin set (a policy chain's vault), an export or a log of another
// vault is refused, even one signed by the same members.
func TestVerifyOrigin(t *testing.T) {
	l, b := buildLog(t, 3)
	full := export(t, l, b, ExportOptions{})
	if _, err := verifyWith(t, full, VerifyOptions{Trusted: testKeys(), Origin: testOrigin}); err != nil {
		t.Fatal(err)
	}
	_, err := verifyWith(t, full, VerifyOptions{Trusted: testKeys(), Origin: "tvault/another"})
	wantTamper(t, err, `the export is of the log "`+testOrigin+`", not "tvault/another"`)
	_, err = l.VerifyLogWith(b, testKeys(), VerifyOptions{Origin: "tvault/another"})
	wantTamper(t, err, "not \"tvault/another\"")
}
