package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "tvault/0123456789abcdef"

var testStart = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// testActor returns an actor with a key derived from its name, so that
// tests and fuzz seeds are deterministic.
func testActor(name string) Actor {
	seed := sha256.Sum256([]byte("tvault audit test key " + name))
	return Actor{Name: name, Key: ed25519.NewKeyFromSeed(seed[:])}
}

func keyOf(a Actor) string { return formatKey(a.Key.Public().(ed25519.PublicKey)) }

func memberKey(a Actor) KeyInfo {
	return KeyInfo{Name: a.Name, Key: keyOf(a), Member: true, PolicyVersions: []int64{1}}
}

var (
	iryna  = testActor("iryna")
	olena  = testActor("olena")
	mykola = testActor("mykola")
)

func testKeys() []KeyInfo { return []KeyInfo{memberKey(iryna), memberKey(olena), memberKey(mykola)} }

var testActions = []string{"seal", "open", "cat", "erase", "policy-apply"}

// testEntry returns the i'th entry of a test log: three actors in turn,
// five records, one minute apart, details with commas, quotes, newlines
// and Cyrillic.
func testEntry(i int) (Actor, Entry) {
	actor := []Actor{iryna, olena, mykola}[i%3]
	outcome := []string{OutcomeOK, OutcomeOK, OutcomeDenied, OutcomeError}[i%4]
	detail := fmt.Sprintf("entry %d", i)
	switch i % 5 {
	case 1:
		detail = `a, "quoted" value`
	case 2:
		detail = "line one\nline two\tтабуляція"
	case 3:
		detail = "свідчення, \"цитата\"\nрядок"
	}
	e := Entry{
		Time:    testStart.Add(time.Duration(i) * time.Minute),
		Action:  testActions[i%len(testActions)],
		Record:  fmt.Sprintf("r%d", i%5),
		Class:   []string{"testimony", "identity", ""}[i%3],
		Outcome: outcome,
		Detail:  detail,
	}
	if e.Action == "seal" && outcome == OutcomeOK {
		e.Digest = Digest([]byte(fmt.Sprintf("header of entry %d", i)))
	}
	return actor, e
}

// buildLog appends n test entries, each with its checkpoint, as the vault
// does.
func buildLog(tb testing.TB, n int) (*Log, *MemBackend) {
	tb.Helper()
	l, b := New(testOrigin), NewMemBackend()
	appendN(tb, l, b, 0, n)
	return l, b
}

// appendN appends test entries from..to-1.
func appendN(tb testing.TB, l *Log, b Backend, from, to int) {
	tb.Helper()
	for i := from; i < to; i++ {
		a, e := testEntry(i)
		if _, err := l.Append(b, a, e); err != nil {
			tb.Fatalf("Append %d: %v", i, err)
		}
	}
}

// buildLogFast appends n test entries but signs only the last checkpoint,
// for benchmarks.
func buildLogFast(tb testing.TB, n int) (*Log, *MemBackend) {
	tb.Helper()
	l, b := New(testOrigin), NewMemBackend()
	signers := map[string]*signer{}
	for i := 0; i < n-1; i++ {
		a, e := testEntry(i)
		s := signers[a.Name]
		if s == nil {
			var err error
			if s, err = newSigner(a); err != nil {
				tb.Fatal(err)
			}
			signers[a.Name] = s
		}
		if _, _, err := appendEntry(b, s, e); err != nil {
			tb.Fatalf("append %d: %v", i, err)
		}
	}
	appendN(tb, l, b, n-1, n)
	return l, b
}

func export(tb testing.TB, l *Log, b Backend, opts ExportOptions) string {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := l.Export(&buf, b, testKeys(), opts); err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return buf.String()
}

func lines(s string) []string { return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n") }

// reencode parses an unfiltered entry line, lets edit change the entry, and
// returns the line with the hash recomputed, as a forger would write it.
func reencode(tb testing.TB, line string, edit func(*Entry)) string {
	tb.Helper()
	var ej entryJSON
	if err := decodeStrict([]byte(line), &ej); err != nil {
		tb.Fatal(err)
	}
	tm, err := parseTime(ej.Time)
	if err != nil {
		tb.Fatal(err)
	}
	e := Entry{Seq: ej.Seq, Time: tm, Actor: ej.Actor, ActorKey: ej.ActorKey, Action: ej.Action,
		Record: ej.Record, Class: ej.Class, Outcome: ej.Outcome, Detail: ej.Detail, Sig: ej.Sig}
	edit(&e)
	var proof tlog.RecordProof
	for _, s := range ej.Proof {
		h, err := tlog.ParseHash(s)
		if err != nil {
			tb.Fatal(err)
		}
		proof = append(proof, h)
	}
	return string(appendEntryLine(nil, &e, tlog.RecordHash(e.Leaf()), proof, ej.Proof != nil))
}

// resign signs e as a.
func resign(e *Entry, a Actor) {
	e.Actor, e.ActorKey, e.Sig = a.Name, keyOf(a), ""
	e.Sig = b64(ed25519.Sign(a.Key, e.SignedBytes()))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
