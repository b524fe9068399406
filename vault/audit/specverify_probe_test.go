package audit_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/audit/internal/specverify"
)

// Probes: exports that are honest but for one point where doc.go is
// silent, loose or strict, each re-signed as needed so that only that
// point is in question. Both verifiers must give the verdict the probe
// names; a probe marked svDiffers records a known disagreement between
// doc.go and the code (see svProbes), and fails once it is resolved.

const svDiffers = svAgreed + 1

type svProbe struct {
	name   string
	base   string // the export it starts from
	accept bool   // what doc.go says (specverify's verdict)
	want   int    // svAgreed, or svDiffers when VerifyExport says otherwise
	edit   func(tb testing.TB, g []string) string
}

func svHashes(g []string) []tlog.Hash {
	var hs []tlog.Hash
	for _, line := range g[2 : len(g)-1] {
		var h struct{ Hash tlog.Hash }
		_ = json.Unmarshal([]byte(line), &h)
		hs = append(hs, h.Hash)
	}
	return hs
}

// svLineEdit replaces old with new in line i.
func svLineEdit(i int, old, new string) func(testing.TB, []string) string {
	return func(tb testing.TB, g []string) string {
		if !strings.Contains(g[i], old) {
			tb.Fatalf("line %d lacks %q", i, old)
		}
		g[i] = strings.Replace(g[i], old, new, 1)
		return svJoin(g)
	}
}

// svSealEdit re-seals the export with the checkpoint text edited and
// signed by signers.
func svSealEdit(edit func(string) string, signers ...audit.Actor) func(testing.TB, []string) string {
	return func(tb testing.TB, g []string) string { return svSeal(tb, g, svHashes(g), edit, signers...) }
}

// svRelabel changes the origin in the header and the checkpoint.
func svRelabel(origin string) func(testing.TB, []string) string {
	return func(tb testing.TB, g []string) string {
		g[0] = strings.Replace(g[0], svOrigin, origin, 1)
		return svSeal(tb, g, svHashes(g), func(s string) string { return strings.Replace(s, svOrigin, origin, 1) })
	}
}

func svForgeProbe(sub string, old, new string) func(testing.TB, []string) string {
	return func(tb testing.TB, g []string) string {
		return svForgeEdit(sub, func(s string) string { return strings.Replace(s, old, new, 1) })(tb, svJoin(g), g)
	}
}

var svStranger = svActor("witness", "witness")

// svLast is the time of the test log's last entry.
const svLast = `"time":"2025-03-10T00:13:58.246913578Z"`

// svNothing sets the filter of the export that selects nothing.
func svNothing(f string) func(testing.TB, []string) string {
	return svLineEdit(0, `{"actor":"nobody"}`, f)
}

// svAddKey adds a key to the keys line.
func svAddKey(k string) func(testing.TB, []string) string {
	return svLineEdit(1, "}]}\n", `},{"name":`+k+"}]}\n")
}

func svProbes() []svProbe { return append(svNoteProbes(), svFieldProbes()...) }

// svNoteProbes are about checkpoint notes and origins.
func svNoteProbes() []svProbe {
	return []svProbe{
		{"checkpoint signed by two members", "full", true, svAgreed, svSealEdit(nil, svIryna, svOlena)},
		{"checkpoint signature repeated", "full", true, svAgreed, svSealEdit(nil, svIryna, svIryna)},
		{"checkpoint cosigned by an unlisted key", "full", true, svAgreed, svSealEdit(nil, svIryna, svStranger)},
		{"checkpoint cosigned by an unlisted key of a member's name", "full", true, svAgreed, svSealEdit(nil, svIryna, svActor("olena", "not olena"))},
		{"checkpoint signed by a member, badly by another", "full", false, svAgreed, svSigEdit(func(sig string) string {
			other, _ := audit.SignNote(svOlena, "another text\n") // olena's signature line, over other text
			_, line, _ := strings.Cut(string(other), "\n\n")
			return sig + line
		})},
		{"checkpoint signed by an unlisted key only", "full", false, svAgreed, svSealEdit(nil, svStranger)},
		{"checkpoint extension line", "full", true, svAgreed, svSealEdit(func(s string) string { return s + "ext\n" })},
		{"checkpoint 16 extension lines", "full", true, svAgreed, svSealEdit(func(s string) string { return s + strings.Repeat("x\n", 16) })},
		{"checkpoint 17 extension lines", "full", false, svAgreed, svSealEdit(func(s string) string { return s + strings.Repeat("x\n", 17) })},
		{"checkpoint size 015", "full", false, svAgreed, svSealEdit(func(s string) string { return strings.Replace(s, "\n15\n", "\n015\n", 1) })},
		{"checkpoint signature repeated, garbled", "full", false, svAgreed, svSigEdit(func(sig string) string {
			l := strings.TrimSuffix(sig, "\n")
			i := len(l) - 10
			return sig + l[:i] + string("AB"[(l[i]-'A'+1)%2]) + l[i+1:] + "\n"
		})},
		{"checkpoint signature base64 not canonical", "full", false, svAgreed, svSigEdit(func(sig string) string {
			return svNonCanonical(strings.TrimSuffix(sig, "\n")) + "\n"
		})},
		{"checkpoint root base64 not canonical", "full", false, svAgreed, svSealEdit(func(s string) string {
			l := strings.Split(s, "\n")
			return l[0] + "\n" + l[1] + "\n" + svNonCanonical(l[2]) + "\n"
		})},
		{"checkpoint size +15", "full", false, svAgreed, svSealEdit(func(s string) string { return strings.Replace(s, "\n15\n", "\n+15\n", 1) })},
		{"hash base64 not canonical", "full", false, svAgreed, svB64Edit(`"hash":"`)},
		{"proof base64 not canonical", "record", false, svAgreed, svB64Edit(`"proof":["`)},
		{"origin not tvault/", "full", true, svAgreed, svRelabel("audit/5f3c")},
		{"origin tvault/", "full", true, svAgreed, svRelabel("tvault/")},
		{"origin 256 bytes", "full", true, svAgreed, svRelabel(strings.Repeat("o", 256))},
		{"origin 257 bytes", "full", false, svAgreed, svRelabel(strings.Repeat("o", 257))},
		{"origin with U+202E", "full", false, svAgreed, svRelabel("tvault/a\u202eb")},
		{"origin with space", "full", true, svAgreed, svRelabel("tvault/5f3c 0a1e")},
		{"empty log", "one entry", true, svAgreed, func(tb testing.TB, g []string) string {
			g[0] = strings.Replace(g[0], `"tree_size":1`, `"tree_size":0`, 1)
			h := []string{g[0], g[1], g[3]}
			return svSeal(tb, h, nil, func(s string) string { return strings.Replace(s, "\n1\n", "\n0\n", 1) }, svIryna)
		}},
	}
}

// svFieldProbes are about the filter, the keys line and entry fields.
func svFieldProbes() []svProbe {
	return []svProbe{
		{"filter record empty", "nothing", false, svAgreed, svNothing(`{"record":""}`)},
		{"filter {}", "nothing", false, svAgreed, svNothing(`{}`)},
		{"filter also alone", "nothing", false, svAgreed, svNothing(`{"also":[3]}`)},
		{"filter also empty", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","also":[]}`)},
		{"filter also repeated", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","also":[3,3]}`)},
		{"filter also decreasing", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","also":[5,3]}`)},
		{"filter also negative", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","also":[-1]}`)},
		{"filter also beyond tree", "nothing", true, svAgreed, svNothing(`{"actor":"nobody","also":[99]}`)},
		{"filter also 1025", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","also":[` + svSeq(1025) + `]}`)},
		{"filter also 1024", "nothing", true, svAgreed, svNothing(`{"actor":"nobody","also":[` + svSeq(1024) + `]}`)},
		{"filter since .000", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","since":"2025-03-10T00:00:00.000Z"}`)},
		{"filter since after until", "nothing", true, svAgreed, svNothing(`{"actor":"nobody","since":"2026-01-01T00:00:00Z","until":"2025-01-01T00:00:00Z"}`)},
		{"filter actor with space", "nothing", true, svAgreed, svNothing(`{"actor":"no body"}`)},
		{"filter record with control", "nothing", false, svAgreed, svNothing(`{"record":"r\u0001"}`)},
		{"filter year 0000", "nothing", false, svAgreed, svNothing(`{"actor":"nobody","since":"0000-01-01T00:00:00Z"}`)},
		{"filter member order", "nothing", false, svAgreed, svNothing(`{"until":"2025-01-01T00:00:00Z","actor":"nobody"}`)},
		{"policy_versions []", "full", false, svAgreed, svLineEdit(1, `"policy_versions":[2]}`, `"policy_versions":[]}`)},
		{"policy_versions unsorted", "full", true, svAgreed, svLineEdit(1, `"policy_versions":[1,2]}`, `"policy_versions":[2,1]}`)},
		{"policy_versions repeated", "full", true, svAgreed, svLineEdit(1, `"policy_versions":[1,2]}`, `"policy_versions":[2,2]}`)},
		{"policy_versions 0", "full", true, svAgreed, svLineEdit(1, `"policy_versions":[1,2]}`, `"policy_versions":[0]}`)},
		{"checkpoint signer's key member false", "full", true, svAgreed, svLineEdit(1, `"name":"iryna","key":"`+svKey(svIryna)+`","member":true`, `"name":"iryna","key":"`+svKey(svIryna)+`","member":false`)},
		{"entry by actor unknown, key listed as non-member", "full", true, svAgreed, func(tb testing.TB, g []string) string {
			g = svLines(svAddKey(`"unknown","key":"`+svKey(svIryna)+`","member":false`)(tb, g))
			return svForgeProbe(`"seq":0,`, `"actor":"iryna"`, `"actor":"unknown"`)(tb, g)
		}},
		{"member named unknown", "full", true, svAgreed, svAddKey(`"unknown","key":"` + svKey(svStranger) + `","member":true`)},
		{"key name NBSP", "full", false, svAgreed, svAddKey(`"a` + "\u00a0" + `b","key":"` + svKey(svStranger) + `","member":false`)},
		{"key name plus", "full", false, svAgreed, svAddKey(`"a+b","key":"` + svKey(svStranger) + `","member":false`)},
		{"key name 257 bytes", "full", false, svAgreed, svAddKey(`"` + strings.Repeat("a", 257) + `","key":"` + svKey(svStranger) + `","member":false`)},
		{"key name 256 bytes", "full", true, svAgreed, svAddKey(`"` + strings.Repeat("a", 256) + `","key":"` + svKey(svStranger) + `","member":false`)},
		{"entry signed by a key of small order", "full", false, svAgreed, svSmallOrder},
		{"two keys, one name, one key hash", "full", false, svAgreed, func(tb testing.TB, g []string) string {
			// found by trying seeds: their key hashes under "iryna" collide
			a, b := svActor("iryna", "collide 23487"), svActor("iryna", "collide 25326")
			g = svLines(svAddKey(`"iryna","key":"`+svKey(a)+`","member":true`)(tb, g))
			return svAddKey(`"iryna","key":"`+svKey(b)+`","member":true`)(tb, g)
		}},
		{"two keys, one name, one key hash, but one", "full", true, svAgreed,
			svAddKey(`"iryna","key":"` + svKey(svActor("iryna", "collide 23487")) + `","member":true`)},
		{"key not a curve point", "full", false, svAgreed, svAddKey(`"w","key":"ed25519:AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","member":false`)},
		{"key of small order", "full", false, svAgreed, svAddKey(`"w","key":"ed25519:AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","member":false`)},
		{"key not canonical", "full", false, svAgreed, svAddKey(`"w","key":"` + svKey(svStranger)[:50] + `B=","member":false`)},
		{"record 256 bytes", "full", true, svAgreed, svForgeProbe(`"seq":0,`, `"record":"r1"`, `"record":"`+strings.Repeat("r", 256)+`"`)},
		{"record 257 bytes", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"record":"r1"`, `"record":"`+strings.Repeat("r", 257)+`"`)},
		{"action 257 bytes", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"action":"init"`, `"action":"`+strings.Repeat("a", 257)+`"`)},
		{"action a--b", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"action":"init"`, `"action":"in--it"`)},
		{"record U+0085", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"record":"r1"`, "\"record\":\"r\u00851\"")},
		{"record U+00A0", "full", true, svAgreed, svForgeProbe(`"seq":0,`, `"record":"r1"`, "\"record\":\"r\u00a01\"")},
		{"record U+FEFF", "full", true, svAgreed, svForgeProbe(`"seq":0,`, `"record":"r1"`, "\"record\":\"r\ufeff1\"")},
		{"detail CR", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"detail":""`, `"detail":"a\rb"`)},
		{"detail U+200F", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"detail":""`, "\"detail\":\"a\u200fb\"")},
		{"class U+2066", "full", false, svAgreed, svForgeProbe(`"seq":0,`, `"class":"testimony"`, "\"class\":\"t\u2066\"")},
		{"time equal to the previous", "full", true, svAgreed, svForgeProbe(svLast, svLast, `"time":"2025-03-10T00:12:58.123456789Z"`)},
		{"time 1ns before the previous", "full", false, svAgreed, svForgeProbe(svLast, svLast, `"time":"2025-03-10T00:12:58.123456788Z"`)},
		{"time year 9999", "full", true, svAgreed, svForgeProbe(svLast, svLast, `"time":"9999-12-31T23:59:59.999999999Z"`)},
	}
}

// svSmallOrder lists a key of order 8 under a new name and makes entry 0
// that name's, with the signature (R = identity, S = 0): the cofactored
// equation holds for every message, RFC 8032's (crypto/ed25519) for one
// in eight. The rest is re-hashed and the checkpoint re-signed.
func svSmallOrder(tb testing.TB, g []string) string {
	a, _ := hex.DecodeString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
	sig := append([]byte{1}, make([]byte, 63)...)
	key := "ed25519:" + base64.StdEncoding.EncodeToString(a)
	g[1] = strings.Replace(g[1], "}]}\n", `},{"name":"z","key":"`+key+`","member":false}]}`+"\n", 1)
	var e audit.Entry
	_ = json.Unmarshal([]byte(g[2]), &e)
	oldHash := tlog.RecordHash(e.Leaf()).String()
	for i := 0; ; i++ {
		e.Actor, e.ActorKey, e.Sig, e.Detail = "z", key, base64.StdEncoding.EncodeToString(sig), fmt.Sprint(i)
		if !ed25519.Verify(a, e.SignedBytes(), sig) {
			break
		}
	}
	line := strings.Replace(g[2], `"actor":"iryna","actor_key":"`+svKey(svIryna), `"actor":"z","actor_key":"`+key, 1)
	line = strings.Replace(line, `"detail":""`, `"detail":"`+e.Detail+`"`, 1)
	line = strings.Replace(line, oldHash, tlog.RecordHash(e.Leaf()).String(), 1)
	var old struct{ Sig string }
	_ = json.Unmarshal([]byte(g[2]), &old)
	g[2] = strings.Replace(line, old.Sig, e.Sig, 1)
	return svSeal(tb, g, svHashes(g), nil)
}

// svSigEdit edits the checkpoint's signature lines.
func svSigEdit(edit func(string) string) func(testing.TB, []string) string {
	return func(tb testing.TB, g []string) string {
		var cp struct{ Checkpoint string }
		_ = json.Unmarshal([]byte(g[len(g)-1]), &cp)
		text, sig, _ := strings.Cut(cp.Checkpoint, "\n\n")
		g[len(g)-1] = svCheckpointLine([]byte(text + "\n\n" + edit(sig)))
		return svJoin(g)
	}
}

// svNonCanonical sets the unused low bits of base64 s: the same bytes,
// spelled otherwise.
func svNonCanonical(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := len(strings.TrimRight(s, "=")) - 1
	return s[:i] + string(alphabet[strings.IndexByte(alphabet, s[i])|1]) + s[i+1:]
}

// svB64Edit spells the base64 after member (in each entry line) otherwise.
func svB64Edit(member string) func(testing.TB, []string) string {
	return func(tb testing.TB, g []string) string {
		for i := 2; i < len(g)-1; i++ {
			j := strings.Index(g[i], member) + len(member)
			g[i] = g[i][:j] + svNonCanonical(g[i][j:j+44]) + g[i][j+44:]
		}
		return svJoin(g)
	}
}

func svSeq(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i)
	}
	return strings.Join(s, ",")
}

func TestSpecVerifyProbes(t *testing.T) {
	exports := svExports(t)
	for _, p := range svProbes() {
		export := p.edit(t, svLines(exports[p.base]))
		_, err := audit.VerifyExport(strings.NewReader(export))
		_, serr := specverify.Verify(strings.NewReader(export), specverify.Options{})
		t.Logf("%-40s VerifyExport: %v | specverify: %v", p.name, err, serr)
		if (serr == nil) != p.accept {
			t.Errorf("%s: specverify says %v, doc.go says accept=%t", p.name, serr, p.accept)
		}
		if differs := (err == nil) != (serr == nil); differs != (p.want == svDiffers) {
			t.Errorf("%s: VerifyExport says %v, specverify %v", p.name, err, serr)
		}
	}
}
