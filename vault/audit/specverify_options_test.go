package audit_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/vault/audit"
	"github.com/tvault/tvault/vault/audit/internal/specverify"
)

// svCosigner is a C2SP tlog-cosignature verifier, written from that spec
// for audit.VerifyOptions.Witnesses (specverify takes its key string).
type svCosigner struct{ w audit.Actor }

func (c svCosigner) Name() string { return c.w.Name }

func (c svCosigner) KeyHash() uint32 {
	kh := sha256.Sum256(append([]byte(c.w.Name+"\n\x04"), c.w.Key.Public().(ed25519.PublicKey)...))
	return binary.BigEndian.Uint32(kh[:4])
}

func (c svCosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+64 {
		return false
	}
	m := "cosignature/v1\ntime " + strconv.FormatUint(binary.BigEndian.Uint64(sig), 10) + "\n" + string(msg)
	return ed25519.Verify(c.w.Key.Public().(ed25519.PublicKey), []byte(m), sig[8:])
}

func (c svCosigner) vkey() string {
	return fmt.Sprintf("%s+%08x+%s", c.w.Name, c.KeyHash(),
		base64.StdEncoding.EncodeToString(append([]byte{4}, c.w.Key.Public().(ed25519.PublicKey)...)))
}

// svOpts is one set of options, given to both verifiers.
type svOpts struct {
	trusted   []audit.KeyInfo
	against   []byte
	witnesses []audit.Actor
	quorum    int
	origin    string
}

func svVerdictsWith(t testing.TB, name, export string, o svOpts) bool {
	t.Helper()
	ao := audit.VerifyOptions{Trusted: o.trusted, Against: o.against, Quorum: o.quorum, Origin: o.origin}
	so := specverify.Options{Against: o.against, Quorum: o.quorum, Origin: o.origin}
	if o.trusted != nil {
		so.Trusted = []specverify.Key{}
	}
	for _, k := range o.trusted {
		so.Trusted = append(so.Trusted, specverify.Key{Name: k.Name, Key: k.Key})
	}
	for _, w := range o.witnesses {
		ao.Witnesses = append(ao.Witnesses, note.Verifier(svCosigner{w}))
		so.Witnesses = append(so.Witnesses, svCosigner{w}.vkey())
	}
	_, err := audit.VerifyExportWith(strings.NewReader(export), ao)
	_, serr := specverify.Verify(strings.NewReader(export), so)
	if (err == nil) != (serr == nil) {
		t.Errorf("%s: audit.VerifyExportWith says %v, specverify says %v", name, err, serr)
	}
	return serr == nil
}

func TestSpecVerifyOptions(t *testing.T) {
	exports := svExports(t)
	l15, b15 := svBuild(t, svN)
	w2 := svActor("witness.example/w2", "witness 2")
	exports["keys replaced"] = svReplaceKeys(t, exports["full"], svActor("", "mallory").Key)
	exports["cosigned, one garbled"] = svGarbledCosig(t, l15, b15, w2)
	exports["cosigned, not canonical"] = svNonCanonicalCosig(t, l15, b15)
	l, b := svBuild(t, 10)
	truncated := svExport(t, l, b, audit.ExportOptions{}) // an honest export of the first 10 entries
	cp5, cp15, cp16 := svCheckpoint(t, 5), svCheckpoint(t, svN), svCheckpoint(t, svN+1)
	fork := []byte(svFork(t))
	other := svActor("mallory", "mallory")
	noTaras := append(svKeys()[:3:3], svKeys()[5]) // taras's two keys missing
	for _, tc := range []struct {
		name, export string
		o            svOpts
		accept       bool
	}{
		{"trusted, all", "full", svOpts{trusted: svKeys()}, true},
		{"trusted, more", "full", svOpts{trusted: append(svKeys(), audit.KeyInfo{Name: "mallory", Key: svKey(other)})}, true},
		{"trusted, taras's keys missing", "full", svOpts{trusted: noTaras}, false},
		{"trusted, taras's keys missing, filtered by iryna", "window, record", svOpts{trusted: noTaras}, true},
		{"trusted, none", "full", svOpts{trusted: []audit.KeyInfo{}}, false},
		{"origin", "full", svOpts{origin: svOrigin}, true},
		{"origin of another vault", "full", svOpts{origin: "tvault/0000"}, false},
		{"trusted key of small order", "full", svOpts{trusted: append(svKeys(), audit.KeyInfo{Name: "z",
			Key: "ed25519:AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", Member: true})}, false},
		{"keys replaced, re-signed", "keys replaced", svOpts{}, true},
		{"keys replaced, re-signed, trusted", "keys replaced", svOpts{trusted: svKeys()}, false},
		{"truncated", "", svOpts{}, true},
		{"against 5", "full", svOpts{against: cp5}, true},
		{"against 15", "full", svOpts{against: cp15}, true},
		{"against a longer log", "full", svOpts{against: cp16}, false},
		{"against another history", "full", svOpts{against: fork}, false},
		{"truncated, against 15", "", svOpts{against: cp15}, false},
		{"filtered, against 5 without earlier", "record", svOpts{against: cp5}, false},
		{"filtered, against 15 (its checkpoint)", "record", svOpts{against: cp15}, true},
		{"filtered, against 10 with earlier 10", "record, earlier 10", svOpts{against: svCheckpoint(t, 10)}, true},
		{"against 5, trusted without its signer", "full", svOpts{against: cp5, trusted: svKeys()[1:]}, false},
		{"witness on earlier 10", "full, earlier 5 and 10", svOpts{witnesses: []audit.Actor{svWitness}}, true},
		{"witness on the checkpoint", "full, cosigned", svOpts{witnesses: []audit.Actor{svWitness}}, true},
		{"witness, none cosigned", "full", svOpts{witnesses: []audit.Actor{svWitness}}, false},
		{"two witnesses, quorum 1", "full, cosigned", svOpts{witnesses: []audit.Actor{svWitness, w2}, quorum: 1}, true},
		{"two witnesses, all", "full, cosigned", svOpts{witnesses: []audit.Actor{svWitness, w2}}, false},
		{"two witnesses, quorum 1, the other's garbled", "cosigned, one garbled", svOpts{witnesses: []audit.Actor{svWitness, w2}, quorum: 1}, false},
		{"witness cosignature not canonical", "cosigned, not canonical", svOpts{witnesses: []audit.Actor{svWitness}}, false},
		{"witness cosignature not canonical, not asked for", "cosigned, not canonical", svOpts{}, true},
		{"witness given twice", "full, cosigned", svOpts{witnesses: []audit.Actor{svWitness, svWitness}}, false},
		{"witness garbled, not asked for", "cosigned, one garbled", svOpts{}, true},
	} {
		export := exports[tc.export]
		if tc.export == "" {
			export = truncated
		}
		if export == "" {
			t.Fatalf("%s: no export %q", tc.name, tc.export)
		}
		if got := svVerdictsWith(t, tc.name, export, tc.o); got != tc.accept {
			t.Errorf("%s: specverify accepted=%t, doc.go says %t", tc.name, got, tc.accept)
		}
	}
}

// svReplaceKeys forges an export as whoever holds it can: every key in
// the keys line replaced by key, every entry and the checkpoint re-signed
// with it under the same names.
func svReplaceKeys(tb testing.TB, export string, key ed25519.PrivateKey) string {
	g := svLines(export)
	mk := svKey(audit.Actor{Key: key})
	names := map[string]bool{}
	var keys []string
	var hashes []tlog.Hash
	var last audit.Entry
	for i := 2; i < len(g)-1; i++ {
		var e audit.Entry
		if err := json.Unmarshal([]byte(g[i]), &e); err != nil {
			tb.Fatal(err)
		}
		old := e
		e.ActorKey = mk
		e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, e.SignedBytes()))
		h := tlog.RecordHash(e.Leaf())
		r := strings.NewReplacer(old.ActorKey, mk, old.Sig, e.Sig, tlog.RecordHash(old.Leaf()).String(), h.String())
		g[i], hashes, last = r.Replace(g[i]), append(hashes, h), e
		if !names[e.Actor] {
			names[e.Actor] = true
			keys = append(keys, `{"name":"`+e.Actor+`","key":"`+mk+`","member":true}`)
		}
	}
	g[1] = `{"keys":[` + strings.Join(keys, ",") + "]}\n"
	return svSeal(tb, g, hashes, nil, audit.Actor{Name: last.Actor, Key: key})
}

// svGarbledCosig exports the log with its checkpoint cosigned by svWitness
// and, with a signature that does not verify, by w.
func svGarbledCosig(tb testing.TB, l *audit.Log, b *audit.MemBackend, w audit.Actor) string {
	cp, _ := b.Checkpoint()
	n := svCosign(svCosign(cp, svWitness, 5), w, 6)
	i := len(n) - 10
	n[i] = "AB"[(n[i]-'A'+1)%2]
	c := b.Clone()
	if err := c.SetCheckpoint(n); err != nil {
		tb.Fatal(err)
	}
	return svExport(tb, l, c, audit.ExportOptions{})
}

// svNonCanonicalCosig exports the log with its checkpoint cosigned by
// svWitness, the cosignature's base64 spelled otherwise.
func svNonCanonicalCosig(tb testing.TB, l *audit.Log, b *audit.MemBackend) string {
	cp, _ := b.Checkpoint()
	n := string(svCosign(cp, svWitness, 7))
	i := strings.LastIndex(n, " ") + 1
	n = n[:i] + svNonCanonical(strings.TrimSuffix(n[i:], "\n")) + "\n"
	c := b.Clone()
	if err := c.SetCheckpoint([]byte(n)); err != nil {
		tb.Fatal(err)
	}
	return svExport(tb, l, c, audit.ExportOptions{})
}
