package witness

import (
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"filippo.io/torchwood"

	"github.com/tvault/tvault/internal/edkey"
)

// MaxKeyLen bounds a vkey: a name of up to 256 bytes, the hash and the key.
const MaxKeyLen = 512

// algCosignatureV1 is the signed-note key type of c2sp.org/tlog-cosignature;
// algEd25519 is a plain Ed25519 signed-note key (a log's, or a member's).
const (
	algEd25519        = 0x01
	algCosignatureV1  = 0x04
	maxNameLen        = 256
	keyHashHexDigits  = 8
	cosignatureKeyLen = 1 + ed25519.PublicKeySize
)

// ParseVerifierKey parses a witness's verifier key, the signed-note vkey
// "<name>+<key hash, 8 hex digits>+<base64 of 0x04 || 32-byte Ed25519
// public key>" that litewitness prints at start-up, and returns its
// verifier. It accepts only cosignature/v1 keys and only the canonical
// encoding (lower-case hash, padded standard base64), and checks the key
// hash. Errors describe the problem without repeating the input.
func ParseVerifierKey(vkey string) (*torchwood.CosignatureVerifier, error) {
	if len(vkey) > MaxKeyLen {
		return nil, fmt.Errorf("witness key is longer than %d bytes", MaxKeyLen)
	}
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return nil, errors.New("witness key is not of the form name+hash+key")
	}
	if !validName(name) {
		return nil, errors.New("witness key's name is empty, too long or has spaces, control characters or '+'")
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil || len(hash16) != keyHashHexDigits || strings.ToLower(hash16) != hash16 {
		return nil, errors.New("witness key's hash is not 8 lower-case hex digits")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || base64.StdEncoding.EncodeToString(key) != key64 {
		return nil, errors.New("witness key's key is not canonical base64")
	}
	switch {
	case len(key) > 0 && key[0] == algEd25519:
		return nil, errors.New("witness key is a plain Ed25519 key (type 0x01), a log's or a member's, not a witness's cosignature key (type 0x04)")
	case len(key) == 0 || key[0] != algCosignatureV1:
		return nil, errors.New("witness key is not a cosignature/v1 key (type 0x04)")
	case len(key) != cosignatureKeyLen:
		return nil, errors.New("witness key's Ed25519 key is not 32 bytes")
	}
	v, err := NewVerifier(name, ed25519.PublicKey(key[1:]))
	if err != nil {
		return nil, err
	}
	if v.KeyHash() != uint32(hash) {
		return nil, errors.New("witness key's hash does not match its name and key")
	}
	return v, nil
}

// NewVerifier returns the cosignature/v1 verifier of a witness's name and
// Ed25519 public key. Its String method is the witness's vkey.
func NewVerifier(name string, pub ed25519.PublicKey) (*torchwood.CosignatureVerifier, error) {
	if !validName(name) {
		return nil, errors.New("witness name is empty, too long or has spaces, control characters or '+'")
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("witness key is not 32 bytes")
	}
	// A key of small order would "verify" a share of all signatures; one
	// handed to a court as a witness's would vouch for anything.
	if edkey.Check(pub) != nil {
		return nil, errors.New("witness key is not a usable Ed25519 key (not canonical, or of small order)")
	}
	// torchwood builds verifiers only from signers; publicKey is one that
	// cannot sign, so that the verifier is torchwood's own.
	s, err := torchwood.NewCosignatureSigner(name, publicKey(append(ed25519.PublicKey(nil), pub...)))
	if err != nil {
		return nil, fmt.Errorf("witness key: %v", err)
	}
	return s.Verifier(), nil
}

// publicKey is a crypto.Signer that has a public key and never signs.
type publicKey ed25519.PublicKey

func (k publicKey) Public() crypto.PublicKey { return ed25519.PublicKey(k) }

func (publicKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("witness: a verifier key cannot sign")
}

// validName is signed-note's rule for a key name (non-empty, no Unicode
// space, no '+'), and tvault's: valid UTF-8, no control characters, at most
// maxNameLen bytes, so that a name can be printed and used as a store key.
func validName(name string) bool {
	return name != "" && len(name) <= maxNameLen && utf8.ValidString(name) &&
		!strings.ContainsRune(name, '+') &&
		strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
}
