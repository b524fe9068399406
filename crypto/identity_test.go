package crypto_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"golang.org/x/crypto/hkdf"
)

// Known-answer identities. They are also in testdata/x25519.txt and
// testdata/pq.txt. The expected signing keys were computed independently
// with Python's hmac module (HKDF) and OpenSSL (Ed25519 public key from seed).
const (
	katX25519Secret     = "AGE-SECRET-KEY-1HWV2LNR8YU0RA7Z9EN85NAUJDD0REDK80CVJW8XDQ0NTUM95F9FQAY7WTK"
	katX25519Recipient  = "age1jh4e2ffp5kjay8fs3dvc8h3s9kljsv3rywn3qp7j5s7sstpnavfslny4l9"
	katX25519Seed       = "3e6b69c7bc01c105610a9911e0cbfe2765eec0ffe4d31372acfa10f18f02c411"
	katX25519SigningKey = "ed25519:ZNeHbxRsv4p8opiQhj4yKh0/gibmw4g5EMsAU9OUhwE="

	katPQSecret     = "AGE-SECRET-KEY-PQ-10NK29J8UN5LZ2T4WQU2CV68L2MJC92GHQLH9A76A984C5DKVURWSU9WTL5"
	katPQSeed       = "55537ae254d025b971db9fe83db39eba6cc63be60a8cd28a78b7934946554c66"
	katPQSigningKey = "ed25519:nUWbJ5/X7JANrHFWbX+Qtiqdufio6z4xHO7uXDz+G6E="
)

func mustParseIdentity(t testing.TB, s string) *tcrypto.Identity {
	t.Helper()
	id, err := tcrypto.ParseIdentity(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustGenerate(t testing.TB, classic bool) *tcrypto.Identity {
	t.Helper()
	id, err := tcrypto.GenerateIdentity(classic)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestGenerateIdentity(t *testing.T) {
	for _, tt := range []struct {
		name          string
		classic       bool
		secretPrefix  string
		recipientPref string
	}{
		{"pq", false, "AGE-SECRET-KEY-PQ-1", "age1pq1"},
		{"classic", true, "AGE-SECRET-KEY-1", "age1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := mustGenerate(t, tt.classic)
			if !strings.HasPrefix(id.Secret(), tt.secretPrefix) {
				t.Errorf("secret has the wrong prefix, want %s", tt.secretPrefix)
			}
			if !strings.HasPrefix(id.Recipient(), tt.recipientPref) {
				t.Errorf("recipient %s has the wrong prefix, want %s", id.Recipient(), tt.recipientPref)
			}
			if id.PostQuantum() == tt.classic {
				t.Errorf("PostQuantum() = %v, want %v", id.PostQuantum(), !tt.classic)
			}
			if got := tcrypto.IsPostQuantumRecipient(id.Recipient()); got != !tt.classic {
				t.Errorf("IsPostQuantumRecipient = %v, want %v", got, !tt.classic)
			}
			if tt.classic && strings.HasPrefix(id.Recipient(), "age1pq1") {
				t.Errorf("classic identity has a post-quantum recipient")
			}

			// Parse(Secret()) is the same identity.
			parsed := mustParseIdentity(t, id.Secret())
			if parsed.Secret() != id.Secret() || parsed.Recipient() != id.Recipient() {
				t.Errorf("parsed identity differs from the generated one")
			}
			if !parsed.SigningPublicKey().Equal(id.SigningPublicKey()) {
				t.Errorf("parsed identity has another signing key")
			}
			if id.AgeRecipient().(fmt.Stringer).String() != id.Recipient() {
				t.Errorf("AgeRecipient and Recipient disagree")
			}

			// Two generated identities differ.
			if other := mustGenerate(t, tt.classic); other.Secret() == id.Secret() {
				t.Errorf("two generated identities are equal")
			}
		})
	}
}

func TestAgeRoundTrip(t *testing.T) {
	for _, classic := range []bool{false, true} {
		t.Run(fmt.Sprintf("classic=%v", classic), func(t *testing.T) {
			id := mustGenerate(t, classic)
			r, err := tcrypto.ParseRecipient(id.Recipient())
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("the names of the witnesses")
			buf := &bytes.Buffer{}
			w, err := age.Encrypt(buf, r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(msg); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			// Decrypt with an identity parsed back from the secret, as after
			// reading an identity file.
			out, err := age.Decrypt(bytes.NewReader(buf.Bytes()), mustParseIdentity(t, id.Secret()).AgeIdentity())
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, msg) {
				t.Errorf("decrypted %q, want %q", got, msg)
			}
			// And through AgeRecipient, and not with another identity.
			ct, err := tcrypto.Wrap(msg, id.AgeRecipient())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tcrypto.Unwrap(ct, mustGenerate(t, classic).AgeIdentity()); err == nil {
				t.Errorf("another identity decrypted the file")
			}
		})
	}
}

func TestSigningKeyKnownAnswer(t *testing.T) {
	for _, tt := range []struct {
		name, secret, seed, signingKey string
		pq                             bool
	}{
		{"x25519", katX25519Secret, katX25519Seed, katX25519SigningKey, false},
		{"pq", katPQSecret, katPQSeed, katPQSigningKey, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := mustParseIdentity(t, tt.secret)
			if id.Secret() != tt.secret {
				t.Errorf("Secret() is not the canonical input")
			}
			if id.PostQuantum() != tt.pq {
				t.Errorf("PostQuantum() = %v, want %v", id.PostQuantum(), tt.pq)
			}
			if got := tcrypto.FormatSigningKey(id.SigningPublicKey()); got != tt.signingKey {
				t.Errorf("signing key = %s, want %s", got, tt.signingKey)
			}
			if got := hex.EncodeToString(id.SigningKey().Seed()); got != tt.seed {
				t.Errorf("signing seed = %s, want %s", got, tt.seed)
			}

			// Recompute the derivation with golang.org/x/crypto/hkdf, an
			// implementation independent of the crypto/hkdf the package uses.
			seed := make([]byte, ed25519.SeedSize)
			if _, err := io.ReadFull(hkdf.New(sha256.New, []byte(tt.secret), nil, []byte("tvault signing key v1")), seed); err != nil {
				t.Fatal(err)
			}
			want := ed25519.NewKeyFromSeed(seed)
			if !bytes.Equal(id.SigningKey(), want) {
				t.Errorf("signing key does not match an independent HKDF computation")
			}
			if !id.SigningPublicKey().Equal(want.Public()) {
				t.Errorf("signing public key does not match an independent HKDF computation")
			}
		})
	}
	id := mustParseIdentity(t, katX25519Secret)
	if id.Recipient() != katX25519Recipient {
		t.Errorf("recipient = %s, want %s", id.Recipient(), katX25519Recipient)
	}
}

func TestSigningKeyIsACopy(t *testing.T) {
	id := mustParseIdentity(t, katX25519Secret)
	sk := id.SigningKey()
	for i := range sk {
		sk[i] = 0
	}
	pk := id.SigningPublicKey()
	pk[0] ^= 1
	if tcrypto.FormatSigningKey(id.SigningPublicKey()) != katX25519SigningKey {
		t.Fatal("modifying the returned keys changed the identity")
	}
	if !bytes.Equal(id.SigningKey()[32:], id.SigningPublicKey()) {
		t.Fatal("SigningKey and SigningPublicKey disagree")
	}
}

func TestSign(t *testing.T) {
	id := mustGenerate(t, false)
	msg := []byte("record header bytes")
	sig := ed25519.Sign(id.SigningKey(), msg)
	if !ed25519.Verify(id.SigningPublicKey(), msg, sig) {
		t.Fatal("signature does not verify")
	}
}

func TestParseIdentityErrors(t *testing.T) {
	pq := mustGenerate(t, false).Secret()
	x := mustGenerate(t, true).Secret()
	for _, s := range []string{
		"",
		" " + x,
		x + " ",
		x + "\n",
		strings.ToLower(x),
		x[:len(x)-1] + flip(x[len(x)-1]), // bad checksum
		pq[:len(pq)-1] + flip(pq[len(pq)-1]),
		x[:20],
		"AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
		"age1jh4e2ffp5kjay8fs3dvc8h3s9kljsv3rywn3qp7j5s7sstpnavfslny4l9",
		"not a key",
	} {
		_, err := tcrypto.ParseIdentity(s)
		if err == nil {
			t.Errorf("ParseIdentity accepted an invalid key")
			continue
		}
		assertNoSecret(t, err.Error(), s)
	}
}

// flip returns another valid Bech32 character.
func flip(c byte) string {
	if c == 'Q' {
		return "P"
	}
	return "Q"
}

// TestStringDoesNotRevealSecret checks every fmt path to an Identity.
func TestStringDoesNotRevealSecret(t *testing.T) {
	for _, classic := range []bool{false, true} {
		id := mustGenerate(t, classic)
		seedHex := hex.EncodeToString(id.SigningKey().Seed())
		type holder struct {
			ID   tcrypto.Identity
			Ptr  *tcrypto.Identity
			priv tcrypto.Identity
		}
		h := holder{ID: *id, Ptr: id, priv: *id}
		for _, s := range []string{
			id.String(),
			fmt.Sprint(id), fmt.Sprint(*id),
			fmt.Sprintf("%v %+v %#v %s %q %x", id, id, id, id, id, id),
			fmt.Sprintf("%v %+v %#v", *id, *id, *id),
			fmt.Sprintf("%v %+v %#v", h, h, h),
			fmt.Sprintf("%v %+v %#v", &h, &h, &h),
		} {
			assertNoSecret(t, s, id.Secret())
			if strings.Contains(s, seedHex) || strings.Contains(s, fmt.Sprint([]byte(id.SigningKey()))) {
				t.Errorf("formatted identity contains the signing key: %s", s)
			}
		}
		if want := "identity age1"; !strings.HasPrefix(id.String(), want) {
			t.Errorf("String() = %q, want prefix %q", id.String(), want)
		}
		if len(id.String()) > 80 {
			t.Errorf("String() is %d bytes long", len(id.String()))
		}
	}
}

// assertNoSecret fails if s contains secret or any 12-character window of
// it, so that a key with one character changed is caught too. The well-known
// prefixes of age keys are not secret and are skipped.
func assertNoSecret(t *testing.T, s, secret string) {
	t.Helper()
	for _, p := range []string{"AGE-SECRET-KEY-PQ-1", "AGE-SECRET-KEY-1", "AGE-PLUGIN-"} {
		if rest, ok := strings.CutPrefix(secret, p); ok {
			secret = rest
			break
		}
	}
	const window = 12
	if len(secret) < window {
		if len(secret) >= 8 && strings.Contains(s, secret) {
			t.Errorf("%q contains the secret", s)
		}
		return
	}
	for i := 0; i+window <= len(secret); i++ {
		if w := secret[i : i+window]; strings.Contains(s, w) {
			t.Errorf("%q contains part of the secret (%q)", s, w)
			return
		}
	}
}
