package specverify

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// kat is vault/audit's known-answer entry (log_test.go), which "an
// independent verifier must reproduce": the signer's seed, the entry, its
// signature and leaf hash.
var (
	katSeed   = sha256.Sum256([]byte("tvault audit test key iryna"))
	katKey    = ed25519.NewKeyFromSeed(katSeed[:])
	katPub    = "ed25519:" + base64.StdEncoding.EncodeToString(katKey.Public().(ed25519.PublicKey))
	katDetail = "purpose: \"court\"\nсвідчення\t\\ </> \u2028"
)

const (
	katSig  = "iUBYickyEwJqZULTHUmGcpxgRUAjclxjvLPBM67Vl+l54SDJNc8k9JHejpWsH/Zxox/fe9rmcfrqbcEPgSz8BQ=="
	katHash = "YUQEb/x7GOl/DXbqvP50WVLiow4QEVWzrkFd6QA48dA="
)

func katEntry(seq int64) *entry {
	return &entry{seq: seq, time: "2024-05-01T12:00:00.5Z", actor: "iryna", actorKey: katPub, action: "open",
		record: "r1", class: "testimony", outcome: "ok", detail: katDetail}
}

func TestKnownAnswer(t *testing.T) {
	e := katEntry(17)
	want := `{"action":"open","actor":"iryna","actor_key":"` + katPub + `","class":"testimony",` +
		`"detail":"purpose: \"court\"\nсвідчення\t\\ </> ` + "\u2028" + `","format":"tvault-audit-entry v1",` +
		`"outcome":"ok","record":"r1","seq":17,"time":"2024-05-01T12:00:00.5Z"}`
	if got := string(e.signedBytes()); got != want {
		t.Fatalf("signed bytes\n got %s\nwant %s", got, want)
	}
	e.sig = base64.StdEncoding.EncodeToString(ed25519.Sign(katKey, e.signedBytes()))
	if e.sig != katSig {
		t.Errorf("sig %s, want %s", e.sig, katSig)
	}
	if h := leafHash(e.leaf()); base64.StdEncoding.EncodeToString(h[:]) != katHash {
		t.Errorf("leaf hash %x, want %s", h, katHash)
	}
	if err := checkEntry(e); err != nil {
		t.Error(err)
	}
}

// signer returns a note signer built as doc.go describes the key hash:
// "the first four bytes, big-endian, of SHA-256(actor name || "\n" || 0x01
// || public key)".
func signer(t testing.TB, name string, key ed25519.PrivateKey) note.Signer {
	h := sha256.Sum256(append([]byte(name+"\n\x01"), key.Public().(ed25519.PublicKey)...))
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, binary.BigEndian.Uint32(h[:4]),
		base64.StdEncoding.EncodeToString(append([]byte{1}, key.Seed()...)))
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// katExport writes, from doc.go, the unfiltered export of a log whose
// only entry is the known-answer entry at seq 0.
func katExport(t testing.TB) string {
	e := katEntry(0)
	e.sig = base64.StdEncoding.EncodeToString(ed25519.Sign(katKey, e.signedBytes()))
	h := leafHash(e.leaf())
	hash := base64.StdEncoding.EncodeToString(h[:])
	const origin = "tvault/0123456789abcdef"
	msg, err := note.Sign(&note.Note{Text: origin + "\n1\n" + hash + "\n"}, signer(t, "iryna", katKey))
	if err != nil {
		t.Fatal(err)
	}
	return `{"tvault_audit_export":1,"origin":"` + origin + `","tree_size":1}` + "\n" +
		`{"keys":[{"name":"iryna","key":"` + katPub + `","member":true,"policy_versions":[1]}]}` + "\n" +
		string(e.exportLine(hash, nil, false)) + "\n" +
		string(appendString([]byte(`{"checkpoint":`), string(msg))) + "}\n"
}

func TestVerifyKnownAnswerExport(t *testing.T) {
	export := katExport(t)
	res, err := Verify(strings.NewReader(export), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, export)
	}
	e := katEntry(0)
	e.sig = base64.StdEncoding.EncodeToString(ed25519.Sign(katKey, e.signedBytes()))
	if res.Entries != 1 || res.TreeSize != 1 || res.Signer != "iryna" || res.SignerKey != katPub ||
		res.Root != leafHash(e.leaf()) {
		t.Errorf("result %+v", res)
	}
	// "a verifier accepts "\r\n" line ends and a last line without its end"
	for _, ok := range []string{export[:len(export)-1], strings.ReplaceAll(export, "\n", "\r\n")} {
		if _, err := Verify(strings.NewReader(ok), Options{}); err != nil {
			t.Errorf("%v\n%q", err, ok)
		}
	}
	for name, bad := range map[string]string{
		"outcome":   strings.Replace(export, `"outcome":"ok"`, `"outcome":"denied"`, 1),
		"slash":     strings.Replace(export, `</>`, `<\/>`, 1),
		"tree size": strings.Replace(export, `"tree_size":1`, `"tree_size":01`, 1),
		"key":       strings.Replace(export, `"name":"iryna"`, `"name":"olena"`, 1),
		"trailing":  export + "\n",
		"lone CR":   strings.Replace(export, "\n", "\r", 1),
		"CR CR LF":  strings.Replace(export, "\n", "\r\r\n", 1),
		"no keys":   strings.Replace(export, `"keys":[`, `"keys":[],"x":[`, 1),
	} {
		if bad == export {
			t.Fatalf("%s: changed nothing", name)
		}
		_, err := Verify(strings.NewReader(bad), Options{})
		var re *RejectError
		if !errors.As(err, &re) {
			t.Errorf("%s: Verify = %v, want a *RejectError", name, err)
		}
	}
}

// FuzzVerify: Verify never panics, rejects with a *RejectError, and what
// it accepts is consistent.
func FuzzVerify(f *testing.F) {
	export := katExport(f)
	f.Add([]byte(export))
	f.Add([]byte(strings.Replace(export, `"seq":0`, `"seq":1`, 1)))
	f.Add([]byte(strings.Replace(export, "}\n", "}\n{}\n", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Verify(bytes.NewReader(data), Options{})
		var re *RejectError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("error %v is not a *RejectError", err)
		}
		if err == nil && (res.Entries > res.TreeSize || !res.Filtered && res.Entries != res.TreeSize) {
			t.Fatalf("accepted an inconsistent export: %+v", res)
		}
	})
}

// The eight points of small order, in every encoding, and points that are
// not on the curve or not canonical, are refused; real keys are not.
func TestCheckPoint(t *testing.T) {
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
		"0100000000000000000000000000000000000000000000000000000000000080", // identity, x = 0 with sign 1
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
		"0200000000000000000000000000000000000000000000000000000000000000", // y = 2: not on the curve
	} {
		b, _ := hex.DecodeString(h)
		if checkPoint(b) == nil {
			t.Errorf("%s accepted", h)
		}
	}
	for i := range 50 {
		seed := sha256.Sum256([]byte{byte(i)})
		if err := checkPoint(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)); err != nil {
			t.Errorf("key %d: %v", i, err)
		}
	}
}

func TestOptionsRefuseBadKeys(t *testing.T) {
	small := base64.StdEncoding.EncodeToString(append([]byte{4, 1}, make([]byte, 31)...))
	h := sha256.Sum256(append([]byte("w\n"), append([]byte{4, 1}, make([]byte, 31)...)...))
	for name, o := range map[string]Options{
		"trusted small order": {Trusted: []Key{{Name: "z", Key: "ed25519:AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}},
		"witness small order": {Witnesses: []string{fmt.Sprintf("w+%08x+%s", binary.BigEndian.Uint32(h[:4]), small)}},
		"witness bad hash":    {Witnesses: []string{"w+00000000+" + small}},
	} {
		var re *RejectError
		if _, err := Verify(strings.NewReader(katExport(t)), o); err == nil || errors.As(err, &re) {
			t.Errorf("%s: Verify = %v, want an invalid-option error", name, err)
		}
	}
}
