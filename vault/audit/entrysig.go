package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// DigestPrefix begins every digest: the SHA-256 of the bytes an entry
// commits to, in lower-case hex.
const DigestPrefix = "sha256:"

// Digest returns the digest an entry gives of b.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return DigestPrefix + hex.EncodeToString(sum[:])
}

func validDigest(s string) bool {
	h, ok := strings.CutPrefix(s, DigestPrefix)
	if !ok || len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// VerifySignature checks e's signature against its actor_key. It says
// nothing about whether that key belongs to the actor: that is the
// caller's question.
func (e *Entry) VerifySignature() error {
	pub, err := parseKey(e.ActorKey)
	if err != nil {
		return fmt.Errorf("actor_key: %v", err)
	}
	sig, err := decodeSig(e.Sig)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, e.SignedBytes(), sig) {
		return errors.New("signature does not verify")
	}
	return nil
}

// SigBytes returns e's signature, decoded.
func (e *Entry) SigBytes() ([]byte, error) { return decodeSig(e.Sig) }
