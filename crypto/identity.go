package crypto

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
)

// signingKeyInfo is the HKDF info string of the signing key derivation.
// Changing it changes every member's signing key.
const signingKeyInfo = "tvault signing key v1"

// Identity is a member's secret key: an age identity, post-quantum hybrid
// (AGE-SECRET-KEY-PQ-1…) or X25519 (AGE-SECRET-KEY-1…), and the Ed25519
// signing key derived from it; or a hardware key reached through an age
// plugin (AGE-PLUGIN-YUBIKEY-1…), whose signing key is a random one kept in
// a signing key file age-encrypted to that key (see [ReadIdentity]).
//
// An Identity is created by [GenerateIdentity], [ParseIdentity] or by reading
// an identity file; the zero value is not usable. It is immutable and safe for
// concurrent use. Its String method, and any other formatting with the fmt
// package, never reveals the secret key.
type Identity struct {
	// The key material sits behind a pointer so that even reflection-based
	// printing of an Identity value (fmt's %v on a struct that embeds one)
	// shows an address, never key bytes.
	k *identityKeys
}

type identityKeys struct {
	age       age.Identity // *age.HybridIdentity, *age.X25519Identity or *pluginIdentity
	recipient age.Recipient
	// plugin is the age plugin's name for a plugin identity, else "".
	plugin string
	// secret is the canonical secret key string, as age encodes it.
	secret       string
	recipientStr string
	pq           bool
	signing      [ed25519.PrivateKeySize]byte
}

// GenerateIdentity randomly generates a new Identity: an age post-quantum
// hybrid identity, or an X25519 identity if classic is true.
//
// Classic identities are only as strong as X25519 against a future quantum
// computer, and so is every slot secret wrapped to them.
func GenerateIdentity(classic bool) (*Identity, error) {
	if classic {
		k, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, fmt.Errorf("failed to generate X25519 identity: %w", err)
		}
		return newIdentity(k, k.Recipient(), k.String(), k.Recipient().String(), false)
	}
	k, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("failed to generate post-quantum identity: %w", err)
	}
	return newIdentity(k, k.Recipient(), k.String(), k.Recipient().String(), true)
}

// ParseIdentity parses an age secret key string, either post-quantum hybrid
// ("AGE-SECRET-KEY-PQ-1…") or X25519 ("AGE-SECRET-KEY-1…"). Surrounding
// whitespace is not allowed. The returned error never contains s.
func ParseIdentity(s string) (*Identity, error) {
	switch {
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		// age's parse errors don't contain the key either, but bech32 errors
		// may quote a character of it: report only the kind of failure.
		k, err := age.ParseHybridIdentity(s)
		if err != nil {
			return nil, errors.New("malformed post-quantum age secret key")
		}
		return newIdentity(k, k.Recipient(), k.String(), k.Recipient().String(), true)
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		k, err := age.ParseX25519Identity(s)
		if err != nil {
			return nil, errors.New("malformed X25519 age secret key")
		}
		return newIdentity(k, k.Recipient(), k.String(), k.Recipient().String(), false)
	case strings.HasPrefix(s, "AGE-PLUGIN-"):
		// Its signing key is in a file of its own: ReadIdentity reads both.
		return nil, errPluginIdentity
	default:
		// Don't include s: it may be key material in an unexpected format.
		return nil, errors.New("not an age secret key")
	}
}

var errPluginIdentity = errors.New("a plugin identity (AGE-PLUGIN-…) is used from a plain identity file, next to its signing key file")

func newIdentity(id age.Identity, r age.Recipient, secret, recipient string, pq bool) (*Identity, error) {
	k := &identityKeys{
		age:          id,
		recipient:    r,
		secret:       secret,
		recipientStr: recipient,
		pq:           pq,
	}
	sk, err := deriveSigningKey(secret)
	if err != nil {
		return nil, err
	}
	copy(k.signing[:], sk)
	return &Identity{k: k}, nil
}

// deriveSigningKey returns the Ed25519 key whose seed is
// HKDF-SHA256(ikm = secret, salt = nil, info = "tvault signing key v1").
//
// The ikm is the canonical secret key string rather than the raw key bytes so
// that the derivation is defined by what the user can see and back up, the
// same way for both kinds of age identity.
func deriveSigningKey(secret string) (ed25519.PrivateKey, error) {
	seed, err := hkdf.Key(sha256.New, []byte(secret), nil, signingKeyInfo, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("failed to derive signing key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Secret returns the canonical age secret key string of i (for a plugin
// identity, its AGE-PLUGIN-… string, which names a key on a token). It is
// meant only for writing an identity file: never log it or put it in an
// error.
func (i *Identity) Secret() string {
	return i.k.secret
}

// String returns a description of i that names its (abbreviated) recipient
// and never reveals the secret key, such as "identity age1pq1…".
func (i *Identity) String() string {
	if i == nil || i.k == nil {
		return "identity <nil>"
	}
	return "identity " + abbreviate(i.k.recipientStr)
}

// GoString implements fmt.GoStringer, so that %#v is as safe as %v.
func (i *Identity) GoString() string {
	return i.String()
}

// abbreviate shortens the ≈2 KB post-quantum recipients for display.
func abbreviate(s string) string {
	const head, tail = 20, 8
	if len(s) <= 64 {
		return s
	}
	return s[:head] + "…" + s[len(s)-tail:]
}

// AgeIdentity returns the age identity of i, to pass to [age.Decrypt]: an
// *age.HybridIdentity, an *age.X25519Identity, or for a plugin identity one
// that runs the plugin, failing with a *[PluginError] if it cannot.
func (i *Identity) AgeIdentity() age.Identity {
	return i.k.age
}

// Recipient returns the age recipient string of i: "age1pq1…" for a
// post-quantum identity, "age1…" for an X25519 one, "age1NAME1…" for a
// plugin one.
func (i *Identity) Recipient() string {
	return i.k.recipientStr
}

// AgeRecipient returns the age recipient of i, to pass to [age.Encrypt].
func (i *Identity) AgeRecipient() age.Recipient {
	return i.k.recipient
}

// PostQuantum reports whether i is a post-quantum hybrid identity. Plugin
// identities are not (no hardware-key plugin is post-quantum yet).
func (i *Identity) PostQuantum() bool {
	return i.k.pq
}

// Plugin returns the name of the age plugin of a plugin identity, such as
// "yubikey", and "" for a native one.
func (i *Identity) Plugin() string {
	return i.k.plugin
}

// SigningKey returns a copy of the Ed25519 signing key derived from i.
func (i *Identity) SigningKey() ed25519.PrivateKey {
	sk := make(ed25519.PrivateKey, ed25519.PrivateKeySize)
	copy(sk, i.k.signing[:])
	return sk
}

// SigningPublicKey returns the public half of [Identity.SigningKey].
func (i *Identity) SigningPublicKey() ed25519.PublicKey {
	pk := make(ed25519.PublicKey, ed25519.PublicKeySize)
	copy(pk, i.k.signing[ed25519.SeedSize:])
	return pk
}

// Card returns the self-signed public card of i.
func (i *Identity) Card() Card {
	signingKey := FormatSigningKey(i.SigningPublicKey())
	sig := ed25519.Sign(i.k.signing[:], CardMessage(i.k.recipientStr, signingKey))
	return Card{
		Recipient:  i.k.recipientStr,
		SigningKey: signingKey,
		Signature:  base64.StdEncoding.EncodeToString(sig),
	}
}
