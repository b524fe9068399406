package crypto_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
)

func TestCardMessage(t *testing.T) {
	got := tcrypto.CardMessage("age1abc", "ed25519:xyz")
	want := "tvault card v1\nage1abc\ned25519:xyz\n"
	if string(got) != want {
		t.Errorf("CardMessage = %q, want %q", got, want)
	}
}

func TestCardKnownAnswer(t *testing.T) {
	// Ed25519 signatures are deterministic, so the card of a fixed identity
	// is fixed too. The signature was also computed with OpenSSL.
	c := mustParseIdentity(t, katX25519Secret).Card()
	if c.Recipient != katX25519Recipient || c.SigningKey != katX25519SigningKey {
		t.Errorf("card = %+v", c)
	}
	const wantSig = "Sjl5kr4s0aq1kHNiA0CrKV9JtjVCVldQfOGjA9mSa9gmk1Uh+6KHgylJmnCM5TIViwnDRDYPJ7a/oswA0RVyCg=="
	if c.Signature != wantSig {
		t.Errorf("signature = %s, want %s", c.Signature, wantSig)
	}
	if err := c.Verify(); err != nil {
		t.Error(err)
	}
}

func TestCardVerify(t *testing.T) {
	for _, classic := range []bool{false, true} {
		id := mustGenerate(t, classic)
		other := mustGenerate(t, classic)
		c := id.Card()
		if err := c.Verify(); err != nil {
			t.Fatalf("valid card: %v", err)
		}
		if c.Recipient != id.Recipient() || c.SigningKey != tcrypto.FormatSigningKey(id.SigningPublicKey()) {
			t.Errorf("card does not describe the identity: %+v", c)
		}

		sig, _ := base64.StdEncoding.DecodeString(c.Signature)
		sig[0] ^= 1
		flipped := base64.StdEncoding.EncodeToString(sig)

		tampered := map[string]tcrypto.Card{
			"other recipient":   {Recipient: other.Recipient(), SigningKey: c.SigningKey, Signature: c.Signature},
			"other signing key": {Recipient: c.Recipient, SigningKey: other.Card().SigningKey, Signature: c.Signature},
			"other signature":   {Recipient: c.Recipient, SigningKey: c.SigningKey, Signature: other.Card().Signature},
			"flipped signature": {Recipient: c.Recipient, SigningKey: c.SigningKey, Signature: flipped},
			"short signature":   {Recipient: c.Recipient, SigningKey: c.SigningKey, Signature: c.Signature[:40]},
			"signature newline": {Recipient: c.Recipient, SigningKey: c.SigningKey, Signature: c.Signature[:40] + "\n" + c.Signature[40:]},
			"empty signature":   {Recipient: c.Recipient, SigningKey: c.SigningKey},
			"bad recipient":     {Recipient: c.Recipient + "q", SigningKey: c.SigningKey, Signature: c.Signature},
			"bad signing key":   {Recipient: c.Recipient, SigningKey: "ed25519:" + c.SigningKey, Signature: c.Signature},
			"secret recipient":  {Recipient: id.Secret(), SigningKey: c.SigningKey, Signature: c.Signature},
			"zero card":         {},
		}
		for name, tc := range tampered {
			err := tc.Verify()
			if err == nil {
				t.Errorf("%s: Verify accepted a tampered card", name)
				continue
			}
			assertNoSecret(t, err.Error(), id.Secret())
		}
	}
}

func TestParseSigningKey(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := tcrypto.FormatSigningKey(pub)
	got, err := tcrypto.ParseSigningKey(s)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(pub) {
		t.Fatal("round trip changed the key")
	}

	b64 := strings.TrimPrefix(s, "ed25519:")
	// A key whose last base64 character carries non-zero padding bits.
	zero := tcrypto.FormatSigningKey(make([]byte, 32)) // "…AAAAAAA="
	nonCanonical := strings.TrimSuffix(zero, "A=") + "B="
	for name, bad := range map[string]string{
		"empty":              "",
		"no prefix":          b64,
		"wrong prefix":       "ed448:" + b64,
		"upper-case prefix":  "ED25519:" + b64,
		"ssh prefix":         "ssh-ed25519 " + b64,
		"space":              "ed25519: " + b64,
		"trailing space":     s + " ",
		"trailing newline":   s + "\n",
		"inner newline":      s[:20] + "\n" + s[20:],
		"inner CR":           s[:20] + "\r" + s[20:],
		"url base64":         "ed25519:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)),
		"raw base64":         "ed25519:" + base64.RawStdEncoding.EncodeToString(pub),
		"not base64":         "ed25519:!!!!",
		"non-canonical bits": nonCanonical,
		"31 bytes":           "ed25519:" + base64.StdEncoding.EncodeToString(pub[:31]),
		"33 bytes":           "ed25519:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(pub), 0)),
		"64 bytes":           "ed25519:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(pub), pub...)),
		"hex":                "ed25519:" + strings.Repeat("ab", 32),
	} {
		if _, err := tcrypto.ParseSigningKey(bad); err == nil {
			t.Errorf("%s: ParseSigningKey(%q) succeeded", name, bad)
		}
	}
	// All zeros is canonical base64 but a point of small order, which
	// "signs" anything under a batch equation (internal/edkey).
	if _, err := tcrypto.ParseSigningKey(zero); err == nil {
		t.Errorf("the all-zero key, of small order, was accepted")
	}
}

func TestParseRecipient(t *testing.T) {
	pq := mustGenerate(t, false)
	x := mustGenerate(t, true)
	r, err := tcrypto.ParseRecipient(pq.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*age.HybridRecipient); !ok {
		t.Errorf("post-quantum recipient parsed as %T", r)
	}
	r, err = tcrypto.ParseRecipient(x.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*age.X25519Recipient); !ok {
		t.Errorf("X25519 recipient parsed as %T", r)
	}

	for name, tc := range map[string]struct{ s, wantErr string }{
		"empty":           {"", "unknown recipient type"},
		"secret":          {x.Secret(), "secret key"},
		"pq secret":       {pq.Secret(), "secret key"},
		"ssh":             {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN", "SSH"},
		"bad plugin":      {"age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3q", "malformed age plugin"},
		"upper plugin":    {"AGE1YUBIKEY1QWT50D05NH5VUTPDZMLG5WN80XQ5NEGM4UJ9GHV0SNVDD3YYSF5YW3RHL3T", "unknown"},
		"tag":             {"age1tag1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t", "tag"},
		"bad checksum":    {flipLast(x.Recipient()), "malformed X25519"},
		"bad pq":          {pq.Recipient()[:100], "malformed post-quantum"},
		"upper-case":      {strings.ToUpper(x.Recipient()), "unknown"},
		"leading space":   {" " + x.Recipient(), "unknown"},
		"trailing space":  {x.Recipient() + " ", "malformed"},
		"github":          {"github:someone", "unknown"},
		"signing key":     {pq.Card().SigningKey, "unknown"},
		"x25519 too long": {x.Recipient() + "qq", "malformed"},
	} {
		_, err := tcrypto.ParseRecipient(tc.s)
		if err == nil {
			t.Errorf("%s: ParseRecipient succeeded", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %q does not mention %q", name, err, tc.wantErr)
		}
		assertNoSecret(t, err.Error(), x.Secret())
		assertNoSecret(t, err.Error(), pq.Secret())
	}

	if tcrypto.IsPostQuantumRecipient(x.Recipient()) || tcrypto.IsPostQuantumRecipient("age1pq1garbage") ||
		tcrypto.IsPostQuantumRecipient("") || !tcrypto.IsPostQuantumRecipient(pq.Recipient()) {
		t.Error("IsPostQuantumRecipient is wrong")
	}
}

// flipLast replaces the last character of a Bech32 string with another valid
// one, breaking the checksum.
func flipLast(s string) string {
	if strings.HasSuffix(s, "q") {
		return s[:len(s)-1] + "p"
	}
	return s[:len(s)-1] + "q"
}
