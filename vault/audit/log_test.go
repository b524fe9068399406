package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A known-answer test of the entry encodings and signature: an independent
// verifier must reproduce these bytes.
func TestEntryKnownAnswer(t *testing.T) {
	e := Entry{
		Seq:      17,
		Time:     time.Date(2024, 5, 1, 12, 0, 0, 500000000, time.UTC),
		Actor:    "iryna",
		ActorKey: keyOf(iryna),
		Action:   "open",
		Record:   "r1",
		Class:    "testimony",
		Outcome:  OutcomeOK,
		Detail:   "purpose: \"court\"\nсвідчення\t\\ </> \u2028",
	}
	wantSigned := `{"action":"open","actor":"iryna","actor_key":"` + keyOf(iryna) + `","class":"testimony",` +
		`"detail":"purpose: \"court\"\nсвідчення\t\\ </> ` + "\u2028" + `","format":"tvault-audit-entry v1",` +
		`"outcome":"ok","record":"r1","seq":17,"time":"2024-05-01T12:00:00.5Z"}`
	if got := string(e.SignedBytes()); got != wantSigned {
		t.Fatalf("SignedBytes:\n got %s\nwant %s", got, wantSigned)
	}
	resign(&e, iryna)
	const wantSig = "iUBYickyEwJqZULTHUmGcpxgRUAjclxjvLPBM67Vl+l54SDJNc8k9JHejpWsH/Zxox/fe9rmcfrqbcEPgSz8BQ=="
	if e.Sig != wantSig {
		t.Errorf("Sig = %s, want %s", e.Sig, wantSig)
	}
	leaf := e.Leaf()
	wantLeaf := strings.Replace(wantSigned, `"seq":17,`, `"seq":17,"sig":"`+e.Sig+`",`, 1)
	if string(leaf) != wantLeaf {
		t.Fatalf("Leaf:\n got %s\nwant %s", leaf, wantLeaf)
	}
	const wantHash = "YUQEb/x7GOl/DXbqvP50WVLiow4QEVWzrkFd6QA48dA="
	if got := tlog.RecordHash(leaf).String(); got != wantHash {
		t.Errorf("leaf hash = %s, want %s", got, wantHash)
	}
	got, err := ParseLeaf(leaf)
	if err != nil {
		t.Fatal(err)
	}
	if got != e {
		t.Errorf("ParseLeaf = %+v, want %+v", got, e)
	}
}

// The signed bytes are RFC 8785: for values without characters that Go's
// encoding/json escapes differently, they equal Go's encoding of a map
// (whose keys it sorts).
func TestSignedBytesMatchSortedJSON(t *testing.T) {
	for i := range 10 {
		a, e := testEntry(i)
		e.Seq, e.Actor, e.ActorKey = int64(i), a.Name, keyOf(a)
		m := map[string]any{"action": e.Action, "actor": e.Actor, "actor_key": e.ActorKey, "class": e.Class,
			"detail": e.Detail, "format": EntryFormat, "outcome": e.Outcome, "record": e.Record, "seq": e.Seq,
			"time": formatTime(e.Time)}
		if e.Digest != "" {
			m["digest"] = e.Digest
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(buf.String(), "\n"); string(e.SignedBytes()) != want {
			t.Errorf("entry %d:\n got %s\nwant %s", i, e.SignedBytes(), want)
		}
	}
}

func TestParseLeafRejectsNonCanonical(t *testing.T) {
	a, e := testEntry(3)
	e.Actor, e.ActorKey = a.Name, keyOf(a)
	resign(&e, a)
	leaf := string(e.Leaf())
	if _, err := ParseLeaf([]byte(leaf)); err != nil {
		t.Fatal(err)
	}
	d := e
	d.Digest = DigestPrefix + strings.Repeat("ab", 32)
	resign(&d, a)
	leafWithDigest := string(d.Leaf())
	digestMember := `"digest":"` + d.Digest + `",`
	if got, err := ParseLeaf([]byte(leafWithDigest)); err != nil || got != d {
		t.Fatalf("ParseLeaf of an entry with a digest = %+v, %v", got, err)
	}
	for name, bad := range map[string]string{
		"space":          strings.Replace(leaf, `"seq":`, `"seq": `, 1),
		"trailing":       leaf + "\n",
		"order":          strings.Replace(leaf, `{"action":"erase","actor":"iryna",`, `{"actor":"iryna","action":"erase",`, 1),
		"extra field":    strings.Replace(leaf, `{"action"`, `{"x":1,"action"`, 1),
		"missing field":  strings.Replace(leaf, `"class":"testimony",`, ``, 1),
		"upper name":     strings.Replace(leaf, `"seq"`, `"SEQ"`, 1),
		"format":         strings.Replace(leaf, EntryFormat, "tvault-audit-entry v2", 1),
		"time zone":      strings.Replace(leaf, `09:03:00Z`, `11:03:00+02:00`, 1),
		"time zeros":     strings.Replace(leaf, `09:03:00Z`, `09:03:00.000Z`, 1),
		"escape":         strings.Replace(leaf, `\"`, `\u0022`, 1),
		"unicode escape": strings.Replace(leaf, `свідчення`, `\u0441відчення`, 1),
		"seq float":      strings.Replace(leaf, `"seq":0`, `"seq":0.0`, 1),
		"outcome":        strings.Replace(leaf, `"outcome":"error"`, `"outcome":"fine"`, 1),
		"sig":            strings.Replace(leaf, `"sig":"`, `"sig":"AA`, 1),
		"empty digest":   strings.Replace(leaf, `"format"`, `"digest":"","format"`, 1),
		"digest upper":   strings.Replace(leafWithDigest, `"sha256:ab`, `"sha256:AB`, 1),
		"digest short":   strings.Replace(leafWithDigest, `"sha256:ab`, `"sha256:a`, 1),
		"digest algo":    strings.Replace(leafWithDigest, `"sha256:`, `"sha512:`, 1),
		"digest order":   strings.Replace(leafWithDigest, digestMember+`"format":"`+EntryFormat+`",`, `"format":"`+EntryFormat+`",`+digestMember, 1),
	} {
		if bad == leaf {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if _, err := ParseLeaf([]byte(bad)); err == nil {
			t.Errorf("%s: ParseLeaf accepted %s", name, bad)
		}
	}
}

func TestAppendAndHead(t *testing.T) {
	l, b := buildLog(t, 10)
	cp, err := l.Head(b)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tlog.TreeHash(10, b)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Origin != testOrigin || cp.Size != 10 || cp.Root != root || cp.Signer != "iryna" {
		t.Errorf("Head = %+v", cp)
	}
	// The note verifies with the verifier key note itself derives.
	vkey, err := note.NewEd25519VerifierKey("iryna", iryna.Key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp.Text, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	if want := testOrigin + "\n10\n" + root.String() + "\n"; n.Text != want {
		t.Errorf("checkpoint text %q, want %q", n.Text, want)
	}

	a, e := testEntry(10)
	e.Time = time.Time{}
	before := time.Now()
	got, err := l.Append(b, a, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != 10 || got.Actor != a.Name || got.ActorKey != keyOf(a) || got.Time.Location() != time.UTC ||
		got.Time.Before(before.Add(-time.Second)) || got.Sig == "" {
		t.Errorf("Append returned %+v", got)
	}
	leaf, err := b.ReadEntry(10)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(leaf, got.Leaf()) {
		t.Errorf("stored leaf %s, want %s", leaf, got.Leaf())
	}

	// A non-member is never recorded: an actor must have a name.
	if _, err := l.Append(b, testActor(""), Entry{Action: "open", Record: "r1", Outcome: OutcomeDenied}); !errors.Is(err, ErrInvalidEntry) {
		t.Errorf("Append by a nameless actor: %v", err)
	}
}

func TestHeadDetectsMismatch(t *testing.T) {
	l, b := buildLog(t, 5)
	old, _ := b.Checkpoint()
	appendN(t, l, b, 5, 6)
	if err := b.SetCheckpoint(old); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Head(b); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "checkpoint:") {
		t.Errorf("stale checkpoint: Head error %v", err)
	}

	// A checkpoint signed by someone other than the last entry's actor.
	_, b = buildLog(t, 5)
	root, _ := tlog.TreeHash(5, b)
	s, _ := newSigner(mykola)
	msg, _ := signCheckpoint(testOrigin, 5, root, s)
	b.SetCheckpoint(msg)
	if _, err := l.Head(b); !errors.Is(err, ErrTampered) {
		t.Errorf("checkpoint by another actor: Head error %v", err)
	}

	if _, err := New("tvault/other").Head(b); err == nil {
		t.Error("Head accepted a checkpoint of another origin")
	}
	if _, err := l.Head(NewMemBackend()); !errors.Is(err, ErrEmptyLog) {
		t.Errorf("empty log: Head error %v", err)
	}
	if _, err := l.Export(new(bytes.Buffer), NewMemBackend(), testKeys(), ExportOptions{}); !errors.Is(err, ErrEmptyLog) {
		t.Errorf("empty log: Export error %v", err)
	}
}

func TestAppendValidation(t *testing.T) {
	ok := Entry{Action: "open", Outcome: OutcomeOK, Time: testStart}
	for name, tc := range map[string]struct {
		actor Actor
		edit  func(*Entry)
	}{
		"no action":        {iryna, func(e *Entry) { e.Action = "" }},
		"action spaces":    {iryna, func(e *Entry) { e.Action = "policy apply" }},
		"action upper":     {iryna, func(e *Entry) { e.Action = "Open" }},
		"action dashes":    {iryna, func(e *Entry) { e.Action = "policy--apply" }},
		"outcome":          {iryna, func(e *Entry) { e.Outcome = "success" }},
		"no outcome":       {iryna, func(e *Entry) { e.Outcome = "" }},
		"record newline":   {iryna, func(e *Entry) { e.Record = "r1\nr2" }},
		"class control":    {iryna, func(e *Entry) { e.Class = "a\x00" }},
		"record bidi":      {iryna, func(e *Entry) { e.Record = "r\u202e1" }},
		"record long":      {iryna, func(e *Entry) { e.Record = strings.Repeat("r", 257) }},
		"detail long":      {iryna, func(e *Entry) { e.Detail = strings.Repeat("x", 1025) }},
		"detail CR":        {iryna, func(e *Entry) { e.Detail = "a\r\nb" }},
		"detail utf8":      {iryna, func(e *Entry) { e.Detail = "\xff" }},
		"time":             {iryna, func(e *Entry) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		"actor mismatch":   {iryna, func(e *Entry) { e.Actor = "olena" }},
		"key mismatch":     {iryna, func(e *Entry) { e.ActorKey = keyOf(olena) }},
		"actor name space": {Actor{Name: "iryna k", Key: iryna.Key}, func(*Entry) {}},
		"actor name plus":  {Actor{Name: "iryna+k", Key: iryna.Key}, func(*Entry) {}},
		"actor no key":     {Actor{Name: "iryna"}, func(*Entry) {}},
	} {
		l, b := New(testOrigin), NewMemBackend()
		e := ok
		tc.edit(&e)
		if _, err := l.Append(b, tc.actor, e); !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("%s: Append error %v, want ErrInvalidEntry", name, err)
		}
		if n, _ := b.Size(); n != 0 {
			t.Errorf("%s: invalid entry was stored", name)
		}
	}
	// The limits themselves are fine.
	e := ok
	e.Detail, e.Record = strings.Repeat("я", 512), strings.Repeat("r", 256)
	if _, err := New(testOrigin).Append(NewMemBackend(), iryna, e); err != nil {
		t.Errorf("entry at the limits: %v", err)
	}
	for _, origin := range []string{"", "{tvault", "tvault/a\nb"} {
		if _, err := New(origin).Append(NewMemBackend(), iryna, ok); err == nil {
			t.Errorf("origin %q accepted", origin)
		}
	}
}

// failingBackend fails the named method, as restic's errorBackend does.
type failingBackend struct {
	*MemBackend
	fail string
}

var errInjected = errors.New("injected failure")

func (f failingBackend) Size() (int64, error) {
	if f.fail == "Size" {
		return 0, errInjected
	}
	return f.MemBackend.Size()
}

func (f failingBackend) ReadHashes(x []int64) ([]tlog.Hash, error) {
	if f.fail == "ReadHashes" && len(x) > 0 {
		return nil, errInjected
	}
	return f.MemBackend.ReadHashes(x)
}

func (f failingBackend) Append(seq int64, leaf []byte, h []tlog.Hash) error {
	if f.fail == "Append" {
		return errInjected
	}
	return f.MemBackend.Append(seq, leaf, h)
}

func (f failingBackend) SetCheckpoint(n []byte) error {
	if f.fail == "SetCheckpoint" {
		return errInjected
	}
	return f.MemBackend.SetCheckpoint(n)
}

func TestAppendFailingBackend(t *testing.T) {
	for _, method := range []string{"Size", "ReadHashes", "Append", "SetCheckpoint"} {
		l, mem := buildLog(t, 3) // 3 entries: appending the 4th reads hashes
		before := mem.Clone()
		a, e := testEntry(3)
		_, err := l.Append(failingBackend{mem, method}, a, e)
		if !errors.Is(err, errInjected) {
			t.Errorf("%s failing: Append error %v", method, err)
			continue
		}
		// The error must not carry key material.
		if secret := b64(a.Key); strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), b64(a.Key.Seed())) {
			t.Errorf("%s failing: error contains the private key", method)
		}
		if method != "SetCheckpoint" {
			if n, _ := mem.Size(); n != 3 {
				t.Errorf("%s failing: log grew to %d", method, n)
			}
		}
		cp, _ := mem.Checkpoint()
		old, _ := before.Checkpoint()
		if !bytes.Equal(cp, old) {
			t.Errorf("%s failing: checkpoint changed", method)
		}
	}
}
