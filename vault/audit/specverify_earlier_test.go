package audit_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/tvault/tvault/vault/audit"
)

// Exports with earlier checkpoints and witness cosignatures, and the ways
// to alter them.

// svCheckpoint returns the checkpoint of the test log at size n.
func svCheckpoint(tb testing.TB, n int) []byte {
	_, b := svBuild(tb, n)
	cp, err := b.Checkpoint()
	if err != nil {
		tb.Fatal(err)
	}
	return cp
}

var svWitness = svActor("witness.example/w1", "witness")

// svCosign adds a C2SP tlog-cosignature by w to a checkpoint note: key
// hash SHA-256(name || "\n" || 0x04 || key)[:4], signed message
// "cosignature/v1\ntime <t>\n" || note text, line "— <name>
// base64(key hash || t as 8 bytes big-endian || signature)".
func svCosign(note []byte, w audit.Actor, t uint64) []byte {
	text, _, _ := strings.Cut(string(note), "\n\n")
	text += "\n"
	kh := sha256.Sum256(append([]byte(w.Name+"\n\x04"), w.Key.Public().(ed25519.PublicKey)...))
	sig := ed25519.Sign(w.Key, []byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"+text))
	b := append(append(kh[:4:4], binary.BigEndian.AppendUint64(nil, t)...), sig...)
	return append(append([]byte(nil), note...), "— "+w.Name+" "+base64.StdEncoding.EncodeToString(b)+"\n"...)
}

// svEarlierExports adds to exports ones with earlier-checkpoint lines.
func svEarlierExports(tb testing.TB, exports map[string]string) {
	l, b := svBuild(tb, svN)
	cp5, cp10 := svCheckpoint(tb, 5), svCosign(svCheckpoint(tb, 10), svWitness, 1741564800)
	cp15, _ := b.Checkpoint()
	exports["full, earlier 5 and 10"] = svExport(tb, l, b, audit.ExportOptions{Earlier: [][]byte{cp10, cp5}})
	exports["record, earlier 10"] = svExport(tb, l, b, audit.ExportOptions{Record: "r2", Earlier: [][]byte{cp10}})
	exports["full, earlier 15"] = svExport(tb, l, b, audit.ExportOptions{Earlier: [][]byte{svCosign(cp15, svWitness, 1)}})
	c := b.Clone()
	if err := c.SetCheckpoint(svCosign(cp15, svWitness, 2)); err != nil {
		tb.Fatal(err)
	}
	exports["full, cosigned"] = svExport(tb, l, c, audit.ExportOptions{})
}

// svFork is the checkpoint at size 5 of a log of the same origin whose
// entry 3 differs: it verifies, and no consistency proof leads from it.
func svFork(tb testing.TB) string {
	l, b := audit.New(svOrigin), audit.NewMemBackend()
	for i := range 5 {
		a, e := svEntry(i)
		if i == 3 {
			e.Detail = "another history"
		}
		if _, err := l.Append(b, a, e); err != nil {
			tb.Fatal(err)
		}
	}
	cp, _ := b.Checkpoint()
	return string(cp)
}

// svEarlierEdit edits the first earlier-checkpoint line (its index in g).
func svEarlierEdit(edit func(g []string, i int) string) func(testing.TB, string, []string) string {
	return func(_ testing.TB, _ string, g []string) string {
		if len(g) < 4 || !strings.HasPrefix(g[2], `{"earlier_checkpoint":`) {
			return ""
		}
		return edit(g, 2)
	}
}

// svEarlierNote replaces the note of the first earlier-checkpoint line
// holding sub.
func svEarlierNote(sub string, note []byte, proof string) func(testing.TB, string, []string) string {
	q, _ := json.Marshal(string(note))
	return svEarlierEdit(func(g []string, i int) string {
		if !strings.Contains(g[i], sub) {
			return ""
		}
		g[i] = `{"earlier_checkpoint":` + string(q) + `,"consistency":` + proof + "}\n"
		return svJoin(g)
	})
}

func svEarlierTampers(tb testing.TB, fork string) []svTamper {
	q, _ := json.Marshal(fork)
	empty, err := audit.SignNote(svIryna, svOrigin+"\n0\n"+base64.StdEncoding.EncodeToString(sha256.New().Sum(nil))+"\n")
	if err != nil {
		tb.Fatal(err)
	}
	emptyOther, err := audit.SignNote(svIryna, svOrigin+"\n0\n"+base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n")
	if err != nil {
		tb.Fatal(err)
	}
	return []svTamper{
		{"earlier from a longer log", svRejected, svEarlierNote(`\n15\n`, svCheckpoint(tb, svN+1), "[]")},
		{"earlier of size 0", svAgreed, svEarlierNote(`\n5\n`, empty, "[]")},
		{"earlier of size 0, another root", svRejected, svEarlierNote(`\n5\n`, emptyOther, "[]")},
		{"earlier of size 0, a proof", svRejected, svEarlierNote(`\n5\n`, empty, `["`+base64.StdEncoding.EncodeToString(make([]byte, 32))+`"]`)},
		{"earlier of size 15, proof not empty", svRejected, svEarlierEdit(func(g []string, i int) string {
			if !strings.Contains(g[i], `\n15\n`) {
				return ""
			}
			g[i] = strings.Replace(g[i], `"consistency":[]`, `"consistency":["`+base64.StdEncoding.EncodeToString(make([]byte, 32))+`"]`, 1)
			return svJoin(g)
		})},
		{"earlier signed by the witness only", svRejected, svEarlierNote(`\n15\n`, svWitnessOnly(tb), "[]")},
		{"earlier after an entry", svRejected, svEarlierEdit(func(g []string, i int) string {
			j := len(g) - 2
			g[i], g[j] = g[j], g[i]
			return svJoin(g)
		})},
		{"earlier consistency hash changed", svRejected, svEarlierEdit(func(g []string, i int) string {
			k := strings.Index(g[i], `"consistency":["`) + 16
			if k < 16 {
				return ""
			}
			g[i] = g[i][:k] + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" + g[i][k+44:]
			return svJoin(g)
		})},
		{"earlier consistency not canonical", svRejected, svEarlierEdit(func(g []string, i int) string {
			k := strings.Index(g[i], `"consistency":["`) + 16
			if k < 16 {
				return ""
			}
			g[i] = g[i][:k] + svNonCanonical(g[i][k:k+44]) + g[i][k+44:]
			return svJoin(g)
		})},
		{"earlier of another history", svRejected, svEarlierEdit(func(g []string, i int) string {
			if !strings.Contains(g[i], `\n5\n`) {
				return ""
			}
			k := strings.Index(g[i], `,"consistency"`)
			g[i] = `{"earlier_checkpoint":` + string(q) + g[i][k:]
			return svJoin(g)
		})},
		{"earlier lines swapped", svRejected, svEarlierEdit(func(g []string, i int) string {
			if !strings.HasPrefix(g[i+1], `{"earlier_checkpoint":`) {
				return ""
			}
			g[i], g[i+1] = g[i+1], g[i]
			return svJoin(g)
		})},
		{"earlier duplicated", svRejected, svEarlierEdit(func(g []string, i int) string { return svJoin(g[:i+1], g[i:]) })},
		{"earlier removed", svAgreed, svEarlierEdit(func(g []string, i int) string { return svJoin(g[:i], g[i+1:]) })},
		{"earlier cosignature garbled", svAgreed, svEarlierEdit(func(g []string, i int) string {
			k := strings.Index(g[i], "— witness.example/w1 ") + len("— witness.example/w1 ") + 20
			if k < 40 {
				return ""
			}
			g[i] = g[i][:k] + string("AB"[(g[i][k]-'A'+1)%2]) + g[i][k+1:]
			return svJoin(g)
		})},
	}
}

// svWitnessOnly is the checkpoint at svN with the witness's cosignature
// and not the member's signature.
func svWitnessOnly(tb testing.TB) []byte {
	n := svCosign(svCheckpoint(tb, svN), svWitness, 3)
	text, sigs, _ := strings.Cut(string(n), "\n\n")
	_, cosig, _ := strings.Cut(sigs, "\n")
	return []byte(text + "\n\n" + cosig)
}
