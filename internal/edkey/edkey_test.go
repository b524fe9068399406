package edkey

import (
	"crypto/ed25519"
	"encoding/hex"
	"testing"
)

// Known answers: the eight points of small order (RFC 8032's identity and
// the torsion points as listed in "Taming the many EdDSAs"), a
// non-canonical encoding, a non-point, and real keys.
func TestCheck(t *testing.T) {
	weak := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4 (x=0 negative: non-canonical too)
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p: non-canonical identity
		"0200000000000000000000000000000000000000000000000000000000000000", // not on the curve
	}
	for _, h := range weak {
		b, _ := hex.DecodeString(h)
		if Check(b) == nil {
			t.Errorf("Check(%s) accepted a weak key", h)
		}
	}
	if Check(make([]byte, 31)) == nil {
		t.Error("Check accepted 31 bytes")
	}
	for range 100 {
		pub, _, _ := ed25519.GenerateKey(nil)
		if err := Check(pub); err != nil {
			t.Fatalf("Check(%x) = %v for a real key", pub, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(make([]byte, 32))
	pub, _, _ := ed25519.GenerateKey(nil)
	f.Add([]byte(pub))
	f.Fuzz(func(t *testing.T, b []byte) {
		if Check(b) == nil && len(b) != 32 {
			t.Fatal("accepted a key that is not 32 bytes")
		}
	})
}
