package record

import (
	"bytes"
	"errors"
	"testing"
	"time"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// TestSignedEnvelope pins the envelope: magic, 64-byte signature, then the
// exact body, checked over the stored bytes.
func TestSignedEnvelope(t *testing.T) {
	id, err := tcrypto.GenerateIdentity(false)
	if err != nil {
		t.Fatal(err)
	}
	raw := Sign(id.SigningKey(), []byte(`{"x":1}`))
	if !bytes.HasPrefix(raw, []byte("tvs1")) || len(raw) != 4+64+7 {
		t.Fatalf("envelope of %d bytes: %q", len(raw), raw[:4])
	}
	sig, body, err := Split(raw)
	if err != nil || len(sig) != 64 || string(body) != `{"x":1}` {
		t.Fatalf("Split = %d, %q, %v", len(sig), body, err)
	}
	if _, _, err := Split(raw[:67]); err == nil {
		t.Fatal("Split accepted a value shorter than a signature")
	}
}

// TestDecodeHeaderRefuses covers each refusal of a header: a re-encoded
// body, another record's header, a signature by another key.
func TestDecodeHeaderRefuses(t *testing.T) {
	id, _ := tcrypto.GenerateIdentity(false)
	other, _ := tcrypto.GenerateIdentity(false)
	h := &Header{Format: 2, ID: NewID(), Vault: NewID(), SealedAt: time.Now().UTC(), SealedBy: "olena",
		SealerKey: tcrypto.FormatSigningKey(id.SigningPublicKey()), PolicyVersion: 1}
	good, err := SignHeader(id, h)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeHeader(h.ID, good); err != nil || got.ID != h.ID {
		t.Fatalf("DecodeHeader of a good header: %v", err)
	}
	spaced := append(bytes.Clone(good[:len(good)-1]), ' ', '}') // same JSON, other bytes
	forged, _ := SignHeader(other, h)                           // names id's key, signed by other
	for name, c := range map[string]struct {
		id  string
		raw []byte
	}{
		"re-encoded":   {h.ID, spaced},
		"other record": {NewID(), good},
		"other signer": {h.ID, forged},
		"no envelope":  {h.ID, good[4:]},
	} {
		if _, err := DecodeHeader(c.id, c.raw); !errors.Is(err, fault.ErrIntegrity) {
			t.Errorf("%s: err = %v, want an integrity failure", name, err)
		}
	}
}

func TestIDs(t *testing.T) {
	a, b := NewID(), NewID()
	if a == b || !ValidID(a) || !ValidID(b) {
		t.Fatalf("NewID gave %q and %q", a, b)
	}
	for _, s := range []string{"", "AAAAAAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaaaaaa1", "../aaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaa"} {
		if ValidID(s) {
			t.Errorf("ValidID(%q) = true", s)
		}
	}
	if BlobRecord(a+"-testimony-1") != a || BlobRecord("short") != "" {
		t.Error("BlobRecord does not find the record id")
	}
}
