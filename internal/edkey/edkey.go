package edkey

import (
	"crypto/ed25519"
	"errors"

	"filippo.io/edwards25519"
)

// ErrWeak is returned for a key that is not a canonical point of large
// order.
var ErrWeak = errors.New("not a usable Ed25519 public key (not a canonical point of the curve, or of small order)")

// Check returns ErrWeak unless pub is an Ed25519 public key tvault accepts:
// 32 bytes that canonically encode a point not of small order.
func Check(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return ErrWeak
	}
	p, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return ErrWeak
	}
	// SetBytes accepts non-canonical encodings (y >= p): refuse them, so
	// that a key has one form.
	if string(p.Bytes()) != string(pub) {
		return ErrWeak
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return ErrWeak
	}
	return nil
}
