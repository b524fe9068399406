package record

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/vault/internal/fault"
)

// signedMagic starts every signed value: the envelope's format version.
const signedMagic = "tvs1"

// Sign returns the signed value of body: the magic, key's signature of
// body, then body itself.
func Sign(key ed25519.PrivateKey, body []byte) []byte {
	sig := ed25519.Sign(key, body)
	out := make([]byte, 0, len(signedMagic)+len(sig)+len(body))
	out = append(out, signedMagic...)
	out = append(out, sig...)
	return append(out, body...)
}

// signJSON marshals v and signs it with the identity's signing key.
func signJSON(id *tcrypto.Identity, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Sign(id.SigningKey(), body), nil
}

// Split returns the signature and the body of a signed value without
// checking either.
func Split(raw []byte) (sig, body []byte, err error) {
	if len(raw) < len(signedMagic)+ed25519.SignatureSize || string(raw[:len(signedMagic)]) != signedMagic {
		return nil, nil, errNotSigned
	}
	return raw[len(signedMagic) : len(signedMagic)+ed25519.SignatureSize], raw[len(signedMagic)+ed25519.SignatureSize:], nil
}

// The reasons Decode gives; callers put them after their own subject
// ("record X: header is damaged").
var (
	errNotSigned  = errors.New("is damaged (not a signed value)")
	errUnreadable = errors.New("is unreadable")
	errBadSig     = errors.New("signature does not verify")
)

// signed is a body that names the key that signed it.
type signed interface{ signerKey() string }

// decode opens the envelope, parses the body as T and verifies the
// signature with the key the body names. Any failure wraps
// fault.ErrIntegrity and is described as "<subject> <reason>".
func decode[T any, P interface {
	*T
	signed
}](raw []byte, subject string) (P, error) {
	sig, body, err := Split(raw)
	if err != nil {
		return nil, fault.Integrityf("%s %v", subject, err)
	}
	v := P(new(T))
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fault.Integrityf("%s %v", subject, errUnreadable)
	}
	key, err := tcrypto.ParseSigningKey(v.signerKey())
	if err != nil || !ed25519.Verify(key, body, sig) {
		return nil, fault.Integrityf("%s: %v", subject, errBadSig)
	}
	return v, nil
}

// SignerKey parses a signing key a verified body names; the body's
// signature has checked with it, so it parses.
func SignerKey(s string) ed25519.PublicKey {
	k, _ := tcrypto.ParseSigningKey(s)
	return k
}
