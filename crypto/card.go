package crypto

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
	"github.com/tvault/tvault/internal/edkey"
)

// Card is the public half of a member: their age recipient and their signing
// public key, bound together by a signature made with that signing key.
//
// The self-signature proves that whoever made the card holds the signing key
// and binds the recipient to it; it does not prove who the member is. That is
// the job of the admin who signs the policy naming the card.
type Card struct {
	// Recipient is the member's age recipient, "age1pq1…", "age1…" or a
	// plugin recipient such as "age1yubikey1…".
	Recipient string
	// SigningKey is the member's Ed25519 public key, as [FormatSigningKey]
	// encodes it.
	SigningKey string
	// Signature is the standard base64 encoding of the Ed25519 signature by
	// SigningKey over CardMessage(Recipient, SigningKey).
	Signature string
}

// CardMessage returns the bytes a card's self-signature covers:
//
//	"tvault card v1\n" + recipient + "\n" + signingKey + "\n"
//
// The encoding is unambiguous for the values [Card.Verify] accepts, since
// neither a valid recipient nor a valid signing key contains a newline.
func CardMessage(recipient, signingKey string) []byte {
	return []byte("tvault card v1\n" + recipient + "\n" + signingKey + "\n")
}

// Verify parses the card's recipient and signing key and checks its
// self-signature. It returns nil only if all three are valid.
func (c Card) Verify() error {
	if _, err := ParseRecipient(c.Recipient); err != nil {
		return fmt.Errorf("invalid card recipient: %w", err)
	}
	pub, err := ParseSigningKey(c.SigningKey)
	if err != nil {
		return fmt.Errorf("invalid card signing key: %w", err)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(c.Signature)
	// DecodeString silently skips '\r' and '\n'; a canonical encoding has none.
	if err != nil || len(sig) != ed25519.SignatureSize || strings.ContainsAny(c.Signature, "\r\n") {
		return errors.New("invalid card signature: malformed encoding")
	}
	if !ed25519.Verify(pub, CardMessage(c.Recipient, c.SigningKey), sig) {
		return errors.New("invalid card signature: verification failed")
	}
	return nil
}

const signingKeyPrefix = "ed25519:"

// FormatSigningKey returns the text form of an Ed25519 public key,
// "ed25519:" followed by the standard base64 encoding of its 32 bytes.
func FormatSigningKey(pub ed25519.PublicKey) string {
	return signingKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParseSigningKey parses the output of [FormatSigningKey]. It is strict: the
// prefix must be exactly "ed25519:", the base64 must be canonical standard
// encoding with padding, and the key must be exactly 32 bytes, so that each
// key has a single text form.
func ParseSigningKey(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(s, signingKeyPrefix)
	if !ok {
		return nil, errors.New(`signing key does not start with "ed25519:"`)
	}
	// DecodeString silently skips '\r' and '\n': reject them so that the
	// encoding is canonical.
	if strings.ContainsAny(b64, "\r\n") {
		return nil, errors.New("signing key is not valid base64")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, errors.New("signing key is not valid base64")
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("signing key is %d bytes long, want %d", len(key), ed25519.PublicKeySize)
	}
	if err := edkey.Check(key); err != nil {
		return nil, fmt.Errorf("signing key is %v", err)
	}
	return ed25519.PublicKey(key), nil
}

// ParseRecipient parses an age recipient that can hold a member or a slot:
// a post-quantum hybrid recipient ("age1pq1…"), an X25519 recipient
// ("age1…") or, for a member, an age plugin recipient ("age1yubikey1…",
// in canonical lower-case form), which wraps by running age-plugin-NAME
// from PATH and fails with a *[PluginError] if it is missing. SSH and tag
// recipients are refused.
func ParseRecipient(s string) (age.Recipient, error) {
	// age's own errors quote the whole recipient, which for a post-quantum
	// key is 2 KB of noise: report only the kind of failure.
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return nil, errors.New("malformed post-quantum age recipient")
		}
		return r, nil
	case strings.HasPrefix(s, "age1tag1") || strings.HasPrefix(s, "age1tagpq1"):
		return nil, errors.New("age tag recipients are not supported")
	case IsPluginRecipient(s):
		// A hardware key, wrapped to through its plugin (see plugin.go).
		return parsePluginRecipient(s)
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, errors.New("malformed X25519 age recipient")
		}
		return r, nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-"), strings.HasPrefix(s, "AGE-PLUGIN-"):
		// Never include s here: it is a secret key given by mistake.
		return nil, errors.New("an age secret key was given where a recipient was expected")
	case strings.HasPrefix(s, "ssh-"):
		return nil, errors.New("SSH recipients are not supported")
	default:
		return nil, errors.New("unknown recipient type")
	}
}

// IsPostQuantumRecipient reports whether s is a valid post-quantum hybrid age
// recipient ("age1pq1…").
func IsPostQuantumRecipient(s string) bool {
	if !strings.HasPrefix(s, "age1pq1") {
		return false
	}
	_, err := age.ParseHybridRecipient(s)
	return err == nil
}
