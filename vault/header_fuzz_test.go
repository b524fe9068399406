package vault

import (
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
)

// FuzzDecodeHeader feeds arbitrary bytes to the stored-header decoder: it
// must never panic, and must accept only bytes whose signature verifies.
func FuzzDecodeHeader(f *testing.F) {
	id, err := tcrypto.GenerateIdentity(true)
	if err != nil {
		f.Fatal(err)
	}
	h := &Header{Format: 1, ID: "aaaaaaaaaaaaaaaaaaaa", Vault: "bbbbbbbbbbbbbbbbbbbb", SealedAt: time.Unix(1700000000, 0).UTC(),
		SealedBy: "olena", SealerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), PolicyVersion: 1,
		Public:  map[string]any{"category": "pow", "topics": []any{"a", "b"}},
		Classes: []ClassPart{{Class: "testimony", Epoch: 1, Threshold: 1, Manifest: BlobRef{ID: "x-m", Size: 100, BLAKE3: "00"}}}}
	good, err := signHeader(id, h)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("aaaaaaaaaaaaaaaaaaaa", good)
	f.Add("aaaaaaaaaaaaaaaaaaaa", good[:len(good)-1])
	f.Add("x", []byte("tvs1"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, rid string, raw []byte) {
		if h, err := decodeHeader(rid, raw); err == nil {
			if h.ID != rid {
				t.Fatalf("accepted a header for %q as %q", h.ID, rid)
			}
		}
		_, _ = parseListing(rid, raw)
		_, _, _ = openValue(raw)
	})
}
