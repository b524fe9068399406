package crypto

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

var fixedTime = time.Date(2025, 11, 25, 12, 0, 0, 0, time.UTC)

const fuzzPassphrase = "correct horse battery staple"

// fuzzMaxWorkFactor keeps each scrypt run to microseconds however the fuzzer
// mutates the work factor in a header: the fuzzer runs (and, to minimize an
// input, reruns) each input thousands of times.
const fuzzMaxWorkFactor = 4

// FuzzParseIdentityFile checks that ParseIdentityFile never panics, that an
// identity it accepts round-trips, and that no error quotes a secret-looking
// line of the input or the passphrase.
func FuzzParseIdentityFile(f *testing.F) {
	for _, name := range []string{"x25519.txt", "pq.txt", "x25519.txt.age", "x25519.txt.age.armor",
		"pq.txt.age.armor", "openssh_ed25519", "pgp_secret.asc", "pgp_secret.gpg"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Freshly made files at a tiny work factor, armored and binary, so that
	// mutations reach past scrypt cheaply. (The fixtures above, at work
	// factor 10, exercise the refusal of a work factor above the maximum.)
	for _, classic := range []bool{true, false} {
		id, err := GenerateIdentity(classic)
		if err != nil {
			f.Fatal(err)
		}
		plain := identityFileContent(id, fixedTime)
		armored, err := encryptIdentityFile(plain, fuzzPassphrase, 2)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(armored)
		r, err := age.NewScryptRecipient(fuzzPassphrase)
		if err != nil {
			f.Fatal(err)
		}
		r.SetWorkFactor(2)
		binary := &bytes.Buffer{}
		w, err := age.Encrypt(binary, r)
		if err != nil {
			f.Fatal(err)
		}
		if _, err := w.Write(plain); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		f.Add(binary.Bytes())
	}
	f.Add([]byte(""))
	f.Add([]byte("AGE-PLUGIN-YUBIKEY-1QQQQQQ\n"))
	f.Add([]byte(armor.Header + "\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		calls := 0
		pass := func() (string, error) { calls++; return fuzzPassphrase, nil }
		id, err := parseIdentityFile(data, pass, fuzzMaxWorkFactor)
		if calls > 1 {
			t.Errorf("passphrase requested %d times", calls)
		}
		if err != nil {
			if id != nil {
				t.Error("both an identity and an error")
			}
			msg := err.Error()
			if strings.Contains(msg, fuzzPassphrase) {
				t.Errorf("error contains the passphrase: %q", msg)
			}
			// No line of the input long enough to be key material may
			// appear in the error.
			for _, line := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '\n' || r == '\r' }) {
				if len(line) >= 24 && strings.Contains(msg, line) {
					t.Errorf("error %q quotes an input line", msg)
				}
			}
			if errors.Is(err, ErrWrongPassphrase) && errors.Is(err, ErrNotIdentityFile) {
				t.Errorf("error is both wrong passphrase and not an identity file")
			}
			return
		}
		again, err := ParseIdentity(id.Secret())
		if err != nil || again.Secret() != id.Secret() || again.Recipient() != id.Recipient() {
			t.Errorf("accepted identity does not round-trip: %v", err)
		}
	})
}

// FuzzParseSigningKey checks that ParseSigningKey never panics and accepts
// exactly the canonical encodings of 32-byte keys.
func FuzzParseSigningKey(f *testing.F) {
	f.Add("ed25519:ZNeHbxRsv4p8opiQhj4yKh0/gibmw4g5EMsAU9OUhwE=")
	f.Add("ed25519:nUWbJ5/X7JANrHFWbX+Qtiqdufio6z4xHO7uXDz+G6E=")
	f.Add("ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=")
	f.Add("ed25519:")
	f.Add("ed25519:ZNeHbxRsv4p8opiQhj4yKh0/gibmw4g5EMsAU9OUhw\nE=")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := ParseSigningKey(s)
		if err != nil {
			return
		}
		if len(pub) != 32 {
			t.Fatalf("accepted a %d-byte key", len(pub))
		}
		if FormatSigningKey(pub) != s {
			t.Fatalf("accepted a non-canonical encoding %q", s)
		}
	})
}

// BenchmarkSigningKeyDerivation measures the derivation alone: HKDF-SHA256
// and Ed25519 key expansion from the seed.
func BenchmarkSigningKeyDerivation(b *testing.B) {
	const secret = "AGE-SECRET-KEY-PQ-10NK29J8UN5LZ2T4WQU2CV68L2MJC92GHQLH9A76A984C5DKVURWSU9WTL5"
	for b.Loop() {
		if _, err := deriveSigningKey(secret); err != nil {
			b.Fatal(err)
		}
	}
}
