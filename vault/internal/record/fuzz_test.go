package record

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// Every decoder of a stored format must never panic, must accept only
// bytes whose signature verifies (for signed formats), and must report
// every refusal as an integrity failure: that is how a damaged or forged
// value reaches the user as exit 4 and never as a crash.

// fuzzIdentity is a fixed identity (crypto/testdata/x25519.txt): the seeds
// must be the same bytes in every fuzzing process, and Ed25519 signatures
// are deterministic.
func fuzzIdentity(f *testing.F) *tcrypto.Identity {
	id, err := tcrypto.ParseIdentity("AGE-SECRET-KEY-1HWV2LNR8YU0RA7Z9EN85NAUJDD0REDK80CVJW8XDQ0NTUM95F9FQAY7WTK")
	if err != nil {
		f.Fatal(err)
	}
	return id
}

// fuzzSlotRecipient is a fixed post-quantum recipient (crypto/testdata/pq.txt).
func fuzzSlotRecipient(f *testing.F) string {
	b, err := os.ReadFile("../../../crypto/testdata/pq.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "AGE-SECRET-KEY-PQ-1") {
			sk, err := age.ParseHybridIdentity(line)
			if err != nil {
				f.Fatal(err)
			}
			return sk.Recipient().String()
		}
	}
	f.Fatal("no identity in pq.txt")
	return ""
}

func wantIntegrity(t *testing.T, err error) {
	if err != nil && !errors.Is(err, fault.ErrIntegrity) {
		t.Fatalf("refusal is not an integrity failure: %v", err)
	}
}

// sameBody fails unless raw carries good's body: a fuzzer cannot forge
// Ed25519, so anything accepted must be the seed's body.
func sameBody(t *testing.T, raw, good []byte) {
	_, body, err := Split(raw)
	_, want, _ := Split(good)
	if err != nil || !bytes.Equal(body, want) {
		t.Fatalf("accepted a body that was never signed: %q", body)
	}
}

func FuzzDecodeHeader(f *testing.F) {
	id := fuzzIdentity(f)
	h := &Header{Format: 2, ID: "aaaaaaaaaaaaaaaaaaaa", Vault: "bbbbbbbbbbbbbbbbbbbb", SealedAt: time.Unix(1700000000, 0).UTC(),
		SealedBy: "olena", SealerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), PolicyVersion: 1,
		Public: map[string]any{"category": "pow", "topics": []any{"a", "b"}},
		Parts:  []Part{{Class: "testimony", Epoch: 1, Threshold: 1, Manifest: BlobRef{ID: "x-m", Size: 100, BLAKE3: "00"}}}}
	good, err := SignHeader(id, h)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("aaaaaaaaaaaaaaaaaaaa", good)
	f.Add("aaaaaaaaaaaaaaaaaaaa", good[:len(good)-1])
	f.Add("x", []byte("tvs1"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, rid string, raw []byte) {
		h, err := DecodeHeader(rid, raw)
		wantIntegrity(t, err)
		if err == nil {
			if h.ID != rid {
				t.Fatalf("accepted a header for %q as %q", h.ID, rid)
			}
			sameBody(t, raw, good)
		}
		_, err = ParseListing(rid, raw)
		wantIntegrity(t, err)
	})
}

func FuzzDecodePolicyVersion(f *testing.F) {
	id := fuzzIdentity(f)
	toml := []byte("name = \"p\"\n[classes.testimony]\n[roles.admin]\ncan = [\"policy\"]\ndecrypt = [\"testimony\"]\n" +
		"[[members]]\nname = \"a\"\nroles = [\"admin\"]\nrecipient = \"" + id.Recipient() + "\"\nsigning_key = \"" +
		tcrypto.FormatSigningKey(id.SigningPublicKey()) + "\"\n")
	// SignPolicy draws a random nonce for version 1: the seed is built
	// with a fixed one, to be the same bytes in every fuzzing process.
	good, err := signJSON(id, PolicyVersion{Version: 1, Policy: toml, SignedBy: "a",
		SignerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), SignedAt: time.Unix(1700000000, 0).UTC(), Nonce: "n"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodePolicyVersion(good); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	next, err := SignPolicy(id, "a", 2, toml, good, time.Unix(1700000001, 0).UTC())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(next)
	f.Add(good[:70])
	f.Add([]byte("tvs1{}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		pv, err := DecodePolicyVersion(raw)
		wantIntegrity(t, err)
		if err == nil && pv.Parsed == nil {
			t.Fatal("accepted a policy version without a parsed policy")
		}
		if err == nil && !bytes.Equal(raw, good) && !bytes.Equal(raw, next) {
			_, body, _ := Split(raw)
			_, b1, _ := Split(good)
			_, b2, _ := Split(next)
			if !bytes.Equal(body, b1) && !bytes.Equal(body, b2) {
				t.Fatalf("accepted a body that was never signed")
			}
		}
	})
}

func FuzzDecodeEpoch(f *testing.F) {
	id := fuzzIdentity(f)
	e := &Epoch{Class: "testimony", Number: 1, Threshold: 1, PolicyVersion: 1,
		Slots: []Slot{{Recipient: fuzzSlotRecipient(f), Wraps: []HolderWrap{{Member: "a", Recipient: id.Recipient(), Secret: []byte("x")}}}}}
	good, err := SignEpoch(id, "a", e)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := DecodeEpoch(good, "testimony", 1); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good, "testimony", 1)
	f.Add(good, "identity", 1)
	f.Add(good, "testimony", 2)
	f.Add([]byte("tvs1"), "", 0)
	f.Fuzz(func(t *testing.T, raw []byte, class string, number int) {
		e, err := DecodeEpoch(raw, class, number)
		wantIntegrity(t, err)
		if err == nil {
			if e.Class != class || e.Number != number || len(e.Slots) == 0 {
				t.Fatalf("accepted an inconsistent epoch: %+v", e)
			}
			sameBody(t, raw, good)
		}
	})
}

func FuzzDecodeDEKWrap(f *testing.F) {
	w := &DEKWrap{Epoch: 1, Threshold: 2, Shares: [][]byte{[]byte("a"), []byte("b")}}
	good, err := w.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"epoch":0,"threshold":1,"shares":["YQ=="]}`))
	f.Add([]byte(`{"epoch":1,"threshold":1,"shares":[]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"epoch":2,"threshold":2,"shares":null,"from":"AQI=","parts":[["YQ==","Yg=="],["Yw==","ZA=="]]}`))
	f.Add([]byte(`{"epoch":2,"threshold":2,"shares":["YQ=="],"from":"AQI=","parts":[["YQ==","Yg=="]]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		w, err := DecodeDEKWrap(raw, "aaaaaaaaaaaaaaaaaaaa", "testimony")
		wantIntegrity(t, err)
		if err == nil && (w.Slots() == 0 || w.Epoch < 1 || w.Threshold < 1 || w.Reshared() == (len(w.Shares) > 0)) {
			t.Fatalf("accepted an empty or impossible wrap: %+v", w)
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	p := Part{Class: "testimony", Blobs: []BlobRef{{ID: "aaaaaaaaaaaaaaaaaaaa-testimony-1"}}}
	good := []byte(`{"record":"aaaaaaaaaaaaaaaaaaaa","class":"testimony","fields":{"summary":"s"},` +
		`"attachments":[{"name":"a.txt","media_type":"text/plain","size":3,"sha256":"00","blob":"aaaaaaaaaaaaaaaaaaaa-testimony-1"}]}`)
	if _, err := DecodeManifest(good, "aaaaaaaaaaaaaaaaaaaa", p); err != nil {
		f.Fatalf("the seed does not decode: %v", err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte("a.txt"), []byte("../a.txt"), 1))
	f.Add(bytes.Replace(good, []byte("a.txt"), []byte(".hidden"), 1))
	f.Add(bytes.Replace(good, []byte("a.txt"), []byte("fields.json"), 1))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := DecodeManifest(raw, "aaaaaaaaaaaaaaaaaaaa", p)
		wantIntegrity(t, err)
		if err != nil {
			return
		}
		if m.Record != "aaaaaaaaaaaaaaaaaaaa" || m.Class != "testimony" || len(m.Attachments) != 1 {
			t.Fatalf("accepted a manifest of another part: %+v", m)
		}
		if !SafeName(m.Attachments[0].Name) || m.Attachments[0].Blob != p.Blobs[0].ID {
			t.Fatalf("accepted an unsafe or mismatched attachment: %+v", m.Attachments[0])
		}
	})
}
