package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/audit"
)

// The ways TestSpecVerifyTampered and FuzzSpecVerify alter an export, and
// the forger they use: an insider holding every member's key.

// svLines splits an export after each '\n'.
func svLines(s string) []string {
	g := strings.SplitAfter(s, "\n")
	if g[len(g)-1] == "" {
		g = g[:len(g)-1]
	}
	return g
}

func svJoin(parts ...[]string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strings.Join(p, ""))
	}
	return b.String()
}

// svLineWith returns the index of the first entry line containing sub, or
// -1.
func svLineWith(g []string, sub string) int {
	for i := 2; i < len(g)-1; i++ {
		if strings.Contains(g[i], sub) {
			return i
		}
	}
	return -1
}

// svSigner returns the test actor whose key is key.
func svSigner(key string) audit.Actor {
	for _, a := range svActors {
		if svKey(a) == key {
			return a
		}
	}
	panic("no test actor has key " + key)
}

// svForge edits entry lines as an insider holding every member's key
// would: each edited line is re-signed by its actor_key and re-hashed, and
// (unfiltered) the checkpoint is re-signed over the new root by its
// signer. What is left to find is only what the edit broke.
func svForge(tb testing.TB, export string, edits map[int]func(string) string) string {
	tb.Helper()
	g := svLines(export)
	hashes := make([]tlog.Hash, 0, len(g))
	for i := 2; i < len(g)-1; i++ {
		line := strings.TrimSuffix(g[i], "\n")
		if edit := edits[i]; edit != nil {
			var orig, e audit.Entry
			_ = json.Unmarshal([]byte(line), &orig)
			line = edit(line)
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				tb.Fatalf("forge line %d: %v", i, err)
			}
			if e.Sig == orig.Sig { // unless the edit was to the signature
				sig := base64.StdEncoding.EncodeToString(ed25519.Sign(svSigner(e.ActorKey).Key, e.SignedBytes()))
				line, e.Sig = strings.Replace(line, `"sig":"`+e.Sig, `"sig":"`+sig, 1), sig
			}
			line = strings.Replace(line, `"hash":"`+tlog.RecordHash(orig.Leaf()).String(), `"hash":"`+tlog.RecordHash(e.Leaf()).String(), 1)
		}
		var h struct{ Hash tlog.Hash }
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			tb.Fatal(err)
		}
		hashes, g[i] = append(hashes, h.Hash), line+"\n"
	}
	if strings.Contains(g[0], `"filter"`) {
		return svJoin(g)
	}
	return svSeal(tb, g, hashes, nil)
}

// svSeal replaces the checkpoint of an unfiltered export (lines g, leaf
// hashes) with one over the recomputed root, its text passed through edit
// (if not nil), signed by signers (by default the last entry's actor).
func svSeal(tb testing.TB, g []string, hashes []tlog.Hash, edit func(string) string, signers ...audit.Actor) string {
	var cp struct{ Checkpoint string }
	_ = json.Unmarshal([]byte(g[len(g)-1]), &cp)
	lines := strings.SplitN(cp.Checkpoint, "\n", 3)
	if len(signers) == 0 {
		var last audit.Entry
		_ = json.Unmarshal([]byte(g[len(g)-2]), &last)
		signers = []audit.Actor{svSigner(last.ActorKey)}
	}
	text := lines[0] + "\n" + lines[1] + "\n" + svRoot(hashes).String() + "\n"
	if edit != nil {
		text = edit(text)
	}
	var msg []byte
	for i, a := range signers {
		m, err := audit.SignNote(a, text)
		if err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			msg = m
		} else {
			msg = append(msg, m[len(text)+1:]...) // its signature line
		}
	}
	g[len(g)-1] = svCheckpointLine(msg)
	return svJoin(g)
}

// svRoot is the RFC 6962 tree hash of leaf hashes.
func svRoot(h []tlog.Hash) tlog.Hash {
	switch len(h) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return h[0]
	}
	k := 1
	for 2*k < len(h) {
		k *= 2
	}
	return tlog.NodeHash(svRoot(h[:k]), svRoot(h[k:]))
}

func svCheckpointLine(note []byte) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"checkpoint": string(note)})
	return b.String()
}

// What the verifiers must say of a tampered export: reject it, reject it
// when it is unfiltered (a filtered export cannot show what it left out),
// or only agree.
const (
	svRejected = iota
	svRejectedFull
	svAgreed
)

// svTamper is one way to alter an export.
type svTamper struct {
	name string
	want int
	edit func(tb testing.TB, export string, g []string) string
}

// svReplace replaces old once, or returns "" (not applicable) without it.
func svReplace(s, old, new string) string {
	if !strings.Contains(s, old) {
		return ""
	}
	return strings.Replace(s, old, new, 1)
}

// svIf applies edit to exports of at least n entries, with the index of
// the first entry line.
func svIf(n int, edit func(g []string, first int) string) func(testing.TB, string, []string) string {
	return func(_ testing.TB, _ string, g []string) string {
		first := svLineWith(g, `{"seq":`)
		if first < 0 || len(g)-1-first < n {
			return ""
		}
		return edit(g, first)
	}
}

// svEntryEdit edits the first entry line containing sub.
func svEntryEdit(sub string, edit func(string) string) func(testing.TB, string, []string) string {
	return func(tb testing.TB, _ string, g []string) string {
		i := svLineWith(g, sub)
		if i < 0 {
			return ""
		}
		g[i] = edit(g[i])
		return svJoin(g)
	}
}

// svForgeEdit re-signs and re-hashes the first entry line containing sub
// after editing it, and re-signs the checkpoint.
func svForgeEdit(sub string, edit func(string) string) func(testing.TB, string, []string) string {
	return func(tb testing.TB, export string, g []string) string {
		i := svLineWith(g, sub)
		if i < 0 {
			return ""
		}
		return svForge(tb, export, map[int]func(string) string{i: edit})
	}
}

func svTampers(earlierCheckpoint string) []svTamper {
	rep := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	return []svTamper{
		{"flipped outcome", svRejected, svEntryEdit(`"outcome":"ok"`, rep(`"outcome":"ok"`, `"outcome":"denied"`))},
		{"flipped detail", svRejected, svEntryEdit(`табуляція`, rep(`табуляція`, `табуляциія`))},
		{"dropped entry", svRejectedFull, svIf(2, func(g []string, e int) string { return svJoin(g[:e+1], g[e+2:]) })},
		{"dropped last entry", svRejectedFull, svIf(1, func(g []string, _ int) string { return svJoin(g[:len(g)-2], g[len(g)-1:]) })},
		{"reordered", svRejected, svIf(2, func(g []string, e int) string { g[e], g[e+1] = g[e+1], g[e]; return svJoin(g) })},
		{"duplicated", svRejected, svIf(1, func(g []string, e int) string { return svJoin(g[:e+1], g[e:]) })},
		{"escaped slash", svRejected, svEntryEdit(`slash /`, rep(`slash /`, `slash \/`))},
		{"escaped U+2028", svRejected, svEntryEdit("\u2028", rep("\u2028", `\u2028`))},
		{"escaped letter", svRejected, svEntryEdit(`"record":"r`, rep(`"record":"r`, `"record":"\u0072`))},
		{"newline as \\u000a", svRejected, svEntryEdit(`line one\n`, rep(`line one\n`, `line one\u000a`))},
		{"space", svRejected, svEntryEdit(`"seq":`, rep(`"seq":`, `"seq": `))},
		{"member order", svRejected, svEntryEdit(`,"class":`, func(s string) string {
			var m map[string]any
			_ = json.Unmarshal([]byte(s), &m)
			b, _ := json.Marshal(m) // sorted keys, < and > escaped
			return string(b) + "\n"
		})},
		{"bad signature", svRejected, svForgeEdit(`"outcome":"denied"`, func(s string) string {
			i := strings.Index(s, `"sig":"`) + 7
			return s[:i] + string("AB"[(s[i]-'A'+1)%2]) + s[i+1:] // the signature's first character changed
		})},
		{"entry re-signed, tree not", svRejected, func(tb testing.TB, _ string, g []string) string {
			f := svForgeEdit(`"outcome":"error"`, rep(`"outcome":"error"`, `"outcome":"ok"`))
			i := svLineWith(g, `"outcome":"error"`)
			if i < 0 {
				return ""
			}
			g[i] = svLines(f(tb, svJoin(g), append([]string(nil), g...)))[i]
			return svJoin(g)
		}},
		{"bad proof", svRejected, svEntryEdit(`"proof":["`, func(s string) string {
			i := strings.Index(s, `"proof":["`) + 10
			return s[:i] + tlog.RecordHash(nil).String() + s[i+44:]
		})},
		{"proof hash dropped", svRejected, svEntryEdit(`"proof":["`, func(s string) string {
			i := strings.Index(s, `"proof":["`) + 9
			return s[:i] + strings.TrimPrefix(s[i+46:], ",")
		})},
		{"checkpoint of another size", svRejected, func(_ testing.TB, _ string, g []string) string {
			g[len(g)-1] = earlierCheckpoint
			return svJoin(g)
		}},
		{"tree_size", svRejected, func(tb testing.TB, s string, _ []string) string {
			return svReplace(s, fmt.Sprintf(`"tree_size":%d`, svN), fmt.Sprintf(`"tree_size":%d`, svN+1))
		}},
		{"checkpoint missing", svRejected, func(_ testing.TB, _ string, g []string) string { return svJoin(g[:len(g)-1]) }},
		{"line after checkpoint", svRejected, func(_ testing.TB, s string, g []string) string { return s + g[2] }},
		{"signer's key removed", svRejected, func(tb testing.TB, s string, g []string) string {
			return svReplace(s, `{"name":"iryna","key":"`+svKey(svIryna)+`","member":true,"policy_versions":[1,2]},`, "")
		}},
		{"key listed twice", svRejected, func(tb testing.TB, s string, g []string) string {
			k := `{"name":"mykola","key":"` + svKey(svMykola) + `","member":true,"policy_versions":[2]}`
			return svReplace(s, k, k+","+k)
		}},
		{"member flag", svAgreed, func(tb testing.TB, s string, g []string) string {
			return svReplace(s, `"member":true,"policy_versions":[2]}`, `"member":false,"policy_versions":[2]}`)
		}},
		{"policy versions", svAgreed, func(tb testing.TB, s string, g []string) string {
			return svReplace(s, `"policy_versions":[2]}`, `"policy_versions":[0,-3]}`)
		}},
		{"time decreased, re-signed", svRejected, svForgeEdit(`"time":"2025-03-10T00:03:58Z"`,
			rep(`"time":"2025-03-10T00:03:58Z"`, `"time":"2025-03-09T00:03:58Z"`))},
		{"bad action, re-signed", svRejected, svForgeEdit(`"action":"cat"`, rep(`"action":"cat"`, `"action":"Cat"`))},
		{"bidi in record, re-signed", svRejected, svForgeEdit(`"record":"r2"`, rep(`"record":"r2"`, "\"record\":\"r2\u202e\""))},
		{"control in class, re-signed", svRejected, svForgeEdit(`"class":"identity"`, rep(`"class":"identity"`, `"class":"id\u0001"`))},
		{"detail too long, re-signed", svRejected, svForgeEdit(`"detail":"жж`, rep(`"detail":"жж`, `"detail":"жx`+"ж"))},
		{"digest upper-case, re-signed", svRejected, svForgeEdit(`"digest":"sha256:`, func(s string) string {
			i := strings.Index(s, `"digest":"sha256:`) + 17
			return s[:i] + strings.ToUpper(s[i:i+64]) + s[i+64:]
		})},
		{"empty digest, re-signed", svRejected, svForgeEdit(`"detail":"","sig"`, rep(`"detail":"","sig"`, `"detail":"","digest":"","sig"`))},
		{"time zone, re-signed", svRejected, svForgeEdit(`"seq":1,`, rep(`Z"`, `+00:00"`))},
		{"actor renamed, re-signed", svRejected, svForgeEdit(`"actor":"mykola"`, rep(`"actor":"mykola"`, `"actor":"mykola2"`))},
	}
}
