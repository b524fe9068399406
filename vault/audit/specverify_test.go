package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/audit/internal/specverify"
)

// These tests hold vault/audit to its own documentation: specverify is a
// verifier written from doc.go alone, and every export the package writes
// must pass it, and every export the two are shown must get the same
// verdict from both.

const svOrigin = "tvault/5f3c0a1e9b7d2468"

var svStart = time.Date(2025, 3, 9, 23, 59, 58, 0, time.UTC)

func svActor(name, seed string) audit.Actor {
	s := sha256.Sum256([]byte("specverify test key " + seed))
	return audit.Actor{Name: name, Key: ed25519.NewKeyFromSeed(s[:])}
}

var (
	svIryna  = svActor("iryna", "iryna")
	svOlena  = svActor("olena", "olena")
	svMykola = svActor("mykola", "mykola")
	svTaras1 = svActor("taras", "taras 1") // taras's key in policy version 1
	svTaras2 = svActor("taras", "taras 2") // and after rotating it
	svAlias  = svActor("o.k", "olena")     // olena's key under a second name
	svActors = []audit.Actor{svIryna, svOlena, svMykola, svTaras1, svIryna, svAlias, svTaras2}
)

func svKey(a audit.Actor) string {
	return "ed25519:" + base64.StdEncoding.EncodeToString(a.Key.Public().(ed25519.PublicKey))
}

func svKeys() []audit.KeyInfo {
	return []audit.KeyInfo{
		{Name: "iryna", Key: svKey(svIryna), Member: true, PolicyVersions: []int64{1, 2}},
		{Name: "olena", Key: svKey(svOlena), Member: true, PolicyVersions: []int64{1, 2}},
		{Name: "mykola", Key: svKey(svMykola), Member: true, PolicyVersions: []int64{2}},
		{Name: "taras", Key: svKey(svTaras1), Member: true, PolicyVersions: []int64{1}},
		{Name: "taras", Key: svKey(svTaras2), Member: true, PolicyVersions: []int64{2}},
		{Name: "o.k", Key: svKey(svAlias), Member: true},
	}
}

// svEntry is entry i of the test log: seven signers in turn, escapes,
// unicode, the longest detail, digests, fractional seconds, empty fields.
func svEntry(i int) (audit.Actor, audit.Entry) {
	details := []string{"", "line one\nline two\tтабуляція", `quote " backslash \ slash / <b>&amp;` + " \u2028 \u2029",
		"👩‍⚖️ свідчення", strings.Repeat("ж", 512), "tab\tonly", "ends in newline\n"}
	e := audit.Entry{
		Time:    svStart.Add(time.Duration(i)*time.Minute + time.Duration(i%4)*123456789),
		Action:  []string{"init", "seal", "open", "policy-apply", "audit-export", "seal", "cat"}[i%7],
		Record:  []string{"r1", "r2", "запис-3", ""}[i%4],
		Class:   []string{"testimony", "identity", ""}[i%3],
		Outcome: []string{audit.OutcomeOK, audit.OutcomeDenied, audit.OutcomeOK, audit.OutcomeError}[i%4],
		Detail:  details[i%len(details)],
	}
	if e.Action == "seal" || i%5 == 4 {
		e.Digest = audit.Digest([]byte(fmt.Sprintf("header %d", i)))
	}
	return svActors[i%len(svActors)], e
}

func svBuild(tb testing.TB, n int) (*audit.Log, *audit.MemBackend) {
	tb.Helper()
	l, b := audit.New(svOrigin), audit.NewMemBackend()
	for i := range n {
		a, e := svEntry(i)
		if _, err := l.Append(b, a, e); err != nil {
			tb.Fatalf("Append %d: %v", i, err)
		}
	}
	return l, b
}

func svExport(tb testing.TB, l *audit.Log, b audit.Backend, opts audit.ExportOptions) string {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := l.Export(&buf, b, svKeys(), opts); err != nil {
		tb.Fatalf("Export %+v: %v", opts, err)
	}
	return buf.String()
}

const svN = 15

// svExports returns honest exports: unfiltered, filtered every way, and of
// a one-entry log.
func svExports(tb testing.TB) map[string]string {
	l, b := svBuild(tb, svN)
	l1, b1 := svBuild(tb, 1)
	at := func(i int) time.Time { return svStart.Add(time.Duration(i) * time.Minute) }
	out := map[string]string{
		"full":           svExport(tb, l, b, audit.ExportOptions{}),
		"one entry":      svExport(tb, l1, b1, audit.ExportOptions{}),
		"one, filtered":  svExport(tb, l1, b1, audit.ExportOptions{Record: "r1"}),
		"record":         svExport(tb, l, b, audit.ExportOptions{Record: "запис-3"}),
		"actor":          svExport(tb, l, b, audit.ExportOptions{Actor: "taras"}),
		"since":          svExport(tb, l, b, audit.ExportOptions{Since: at(9)}),
		"until":          svExport(tb, l, b, audit.ExportOptions{Until: at(4).Add(time.Nanosecond)}),
		"window, record": svExport(tb, l, b, audit.ExportOptions{Record: "r2", Since: at(2), Until: at(12)}),
		"nothing":        svExport(tb, l, b, audit.ExportOptions{Actor: "nobody"}),
		"record, also":   svExport(tb, l, b, audit.ExportOptions{Record: "r1", Also: []int64{3, 7, svN - 1}}),
	}
	svEarlierExports(tb, out)
	return out
}

// svVerdicts runs both verifiers and fails unless they agree; it returns
// whether they accepted.
func svVerdicts(t testing.TB, name, export string) bool {
	t.Helper()
	sum, err := audit.VerifyExport(strings.NewReader(export))
	res, serr := specverify.Verify(strings.NewReader(export), specverify.Options{})
	if (err == nil) != (serr == nil) {
		t.Fatalf("%s: audit.VerifyExport says %v, specverify says %v\n%s", name, err, serr, export)
	}
	if err != nil {
		return false
	}
	got := []any{res.Origin, res.TreeSize, res.Filtered, res.Entries, tlog.Hash(res.Root), res.Signer, res.SignerKey}
	want := []any{sum.Origin, sum.TreeSize, sum.Filtered, sum.Entries, sum.Root, sum.Signer, sum.SignerKey}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: specverify found %v, audit.VerifyExport %v", name, got, want)
	}
	return true
}

// "As files cross Windows and mail, a verifier accepts "\r\n" line ends
// and a last line without its end; no line is longer than 1 MiB."
func TestSpecVerifyLineEnds(t *testing.T) {
	full := svExports(t)["full"]
	g := svLines(full)
	for _, tc := range []struct {
		name, export string
		accept       bool
	}{
		{"no last line end", strings.TrimSuffix(full, "\n"), true},
		{"CRLF", strings.ReplaceAll(full, "\n", "\r\n"), true},
		{"CRLF, no last line end", strings.TrimSuffix(strings.ReplaceAll(full, "\n", "\r\n"), "\r\n"), true},
		{"last line ends in CR alone", strings.TrimSuffix(full, "\n") + "\r", false},
		{"CR CR LF", strings.Replace(full, "\n", "\r\r\n", 1), false},
		{"CR inside a line", strings.Replace(full, ",", "\r,", 1), false},
		// "no line is longer than 1 MiB": with its end, as VerifyExport counts
		{"keys line of 1 MiB", svJoin(g[:1], []string{svLongKeys(t, g[1], 1<<20-1) + "\n"}, g[2:]), true},
		{"keys line of 1 MiB, CRLF", svJoin(g[:1], []string{svLongKeys(t, g[1], 1<<20-2) + "\r\n"}, g[2:]), true},
		{"keys line of 1 MiB + 1", svJoin(g[:1], []string{svLongKeys(t, g[1], 1<<20) + "\n"}, g[2:]), false},
		{"keys line of 1 MiB + 1, CRLF", svJoin(g[:1], []string{svLongKeys(t, g[1], 1<<20-1) + "\r\n"}, g[2:]), false},
	} {
		if got := svVerdicts(t, tc.name, tc.export); got != tc.accept {
			t.Errorf("%s: both verifiers say accept=%t", tc.name, got)
		}
	}
}

// svLongKeys pads a keys line (with its '\n') with keys under new names to
// exactly n bytes.
func svLongKeys(tb testing.TB, line string, n int) string {
	line = strings.TrimSuffix(line, "]}\n")
	item := func(i, nameLen int) string {
		name := fmt.Sprintf("n%05d", i) + strings.Repeat("x", nameLen-6)
		return `,{"name":"` + name + `","key":"` + svKey(svWitness) + `","member":false}`
	}
	const fixed = 88 // an item's bytes besides its name
	var b strings.Builder
	b.WriteString(line)
	for i, rem := 0, n-len(line)-2; rem > 0; i++ {
		nameLen := min(256, rem-fixed)
		if rem-fixed-nameLen > 0 && rem-fixed-nameLen < fixed+6 {
			nameLen = (rem - 2*fixed) / 2 // leave room for one more item
		}
		it := item(i, nameLen)
		if len(it) != fixed+nameLen {
			tb.Fatalf("item of %d bytes, want %d", len(it), fixed+nameLen)
		}
		b.WriteString(it)
		rem -= len(it)
	}
	if b.WriteString("]}"); b.Len() != n {
		tb.Fatalf("keys line of %d bytes, want %d", b.Len(), n)
	}
	return b.String()
}

func TestSpecVerifyHonest(t *testing.T) {
	for name, export := range svExports(t) {
		if !svVerdicts(t, name, export) {
			t.Errorf("%s: both verifiers rejected an honest export", name)
		}
	}
}

func TestSpecVerifyTampered(t *testing.T) {
	exports := svExports(t)
	l, b := svBuild(t, svN-1)
	earlier := svLines(svExport(t, l, b, audit.ExportOptions{}))
	for _, tc := range append(svTampers(earlier[len(earlier)-1]), svEarlierTampers(t, svFork(t))...) {
		applied := 0
		for name, export := range exports {
			bad := tc.edit(t, export, svLines(export))
			if bad == "" {
				continue
			}
			if bad == export {
				t.Fatalf("%s of %s changed nothing", tc.name, name)
			}
			applied++
			full := !strings.Contains(svLines(export)[0], `"filter"`)
			if svVerdicts(t, tc.name+" of "+name, bad) && (tc.want == svRejected || tc.want == svRejectedFull && full) {
				t.Errorf("%s of %s: both verifiers accepted it\n%s", tc.name, name, bad)
			}
		}
		if applied == 0 {
			t.Errorf("%s applies to no export", tc.name)
		}
	}
}

// svMutate makes one random change to an export.
func svMutate(r *rand.Rand, s string, other []string) string {
	g := svLines(s)
	switch i, j := r.IntN(len(s)), r.IntN(len(g)); r.IntN(6) {
	case 0:
		return s[:i] + string(s[i]^byte(1<<r.IntN(8))) + s[i+1:]
	case 1:
		return s[:i] + s[i+1:]
	case 2:
		const alphabet = "{}[],:\"0123456789aAzZ+/= \\\n\tu"
		return s[:i] + string(alphabet[r.IntN(len(alphabet))]) + s[i:]
	case 3:
		k := r.IntN(len(g))
		g[j], g[k] = g[k], g[j]
		return svJoin(g)
	case 4:
		return svJoin(g[:j], g[j+1:])
	default:
		o := svLines(other[r.IntN(len(other))])
		return svJoin(g[:j], o[r.IntN(len(o)):][:1], g[j:])
	}
}

// TestSpecVerifyMutations is the differential test run every time: random
// changes to honest exports get the same verdict from both verifiers.
func TestSpecVerifyMutations(t *testing.T) {
	exports := svExports(t)
	var all []string
	for _, e := range exports {
		all = append(all, e)
	}
	r := rand.New(rand.NewPCG(14, 6))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for k := range n {
		s := all[k%len(all)]
		for range 1 + r.IntN(3) {
			s = svMutate(r, s, all)
		}
		svVerdicts(t, fmt.Sprintf("mutation %d", k), s)
	}
}

// FuzzSpecVerify: whatever the input, audit.VerifyExport and specverify
// agree on accepting it, and on what an accepted export shows; and with a
// kept checkpoint and a witness, VerifyExportWith and specverify agree. Seeds: the
// honest exports and every tampered one.
func FuzzSpecVerify(f *testing.F) {
	exports := svExports(f)
	l, b := svBuild(f, svN-1)
	earlier := svLines(svExport(f, l, b, audit.ExportOptions{}))
	for _, export := range exports {
		f.Add([]byte(export))
		for _, tc := range append(svTampers(earlier[len(earlier)-1]), svEarlierTampers(f, svFork(f))...) {
			if bad := tc.edit(f, export, svLines(export)); bad != "" {
				f.Add([]byte(bad))
			}
		}
	}
	cp5 := svCheckpoint(f, 5)
	f.Fuzz(func(t *testing.T, data []byte) {
		svVerdicts(t, "input", string(data))
		svVerdictsWith(t, "input against 5, witnessed", string(data), svOpts{against: cp5, witnesses: []audit.Actor{svWitness}})
	})
}
