package crypto_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"filippo.io/age"
	tcrypto "github.com/tvault/tvault/crypto"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

func mustDEK(t testing.TB) []byte {
	t.Helper()
	dek, err := tcrypto.GenerateDEK()
	if err != nil {
		t.Fatal(err)
	}
	if len(dek) != tcrypto.DEKSize {
		t.Fatalf("DEK is %d bytes", len(dek))
	}
	return dek
}

func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// sealDEK encrypts plaintext as an attachment of blob blobID.
func sealDEK(t testing.TB, dek []byte, blobID string, plaintext []byte) []byte {
	t.Helper()
	r, err := tcrypto.NewDEKRecipient(dek, blobID)
	if err != nil {
		t.Fatal(err)
	}
	buf := &bytes.Buffer{}
	w, err := age.Encrypt(buf, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plaintext); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustDEKIdentity(t testing.TB, dek []byte, blobID string) age.Identity {
	t.Helper()
	id, err := tcrypto.NewDEKIdentity(dek, blobID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDEKRoundTrip(t *testing.T) {
	dek := mustDEK(t)
	const blobID = "rec-01HZX_audio-0"
	// 200 KiB and a bit: four 64 KiB STREAM chunks, the last one partial.
	plaintext := randomBytes(200<<10+17, 1)
	ct := sealDEK(t, dek, blobID, plaintext)

	r, err := age.Decrypt(bytes.NewReader(ct), mustDEKIdentity(t, dek, blobID))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Fatal("decrypted plaintext differs")
	}

	// Random access.
	ra, size, err := age.DecryptReaderAt(bytes.NewReader(ct), int64(len(ct)), mustDEKIdentity(t, dek, blobID))
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(plaintext)) {
		t.Fatalf("DecryptReaderAt size = %d, want %d", size, len(plaintext))
	}
	for _, rng := range [][2]int{{0, 10}, {65530, 20}, {131072, 65536}, {len(plaintext) - 5, 5}, {100, 150000}} {
		buf := make([]byte, rng[1])
		if _, err := ra.ReadAt(buf, int64(rng[0])); err != nil && err != io.EOF {
			t.Fatalf("ReadAt(%d, %d): %v", rng[0], rng[1], err)
		}
		if !bytes.Equal(buf, plaintext[rng[0]:rng[0]+rng[1]]) {
			t.Errorf("ReadAt(%d, %d) returned other bytes", rng[0], rng[1])
		}
	}

	// Other identities are tried and skipped.
	x := mustGenerate(t, true)
	if _, err := age.Decrypt(bytes.NewReader(ct), x.AgeIdentity(), mustDEKIdentity(t, dek, blobID)); err != nil {
		t.Errorf("decrypt with an X25519 identity first: %v", err)
	}
}

func TestDEKWrongKey(t *testing.T) {
	dek := mustDEK(t)
	ct := sealDEK(t, dek, "blob-a", []byte("testimony"))
	otherDEK := mustDEK(t)
	flipped := bytes.Clone(dek)
	flipped[31] ^= 1
	for name, id := range map[string]age.Identity{
		"other DEK":     mustDEKIdentity(t, otherDEK, "blob-a"),
		"flipped DEK":   mustDEKIdentity(t, flipped, "blob-a"),
		"other blob id": mustDEKIdentity(t, dek, "blob-b"),
		"blob id case":  mustDEKIdentity(t, dek, "Blob-a"),
		"x25519":        mustGenerate(t, true).AgeIdentity(),
		"hybrid":        mustGenerate(t, false).AgeIdentity(),
	} {
		_, err := age.Decrypt(bytes.NewReader(ct), id)
		var nm *age.NoIdentityMatchError
		if !errors.As(err, &nm) {
			t.Errorf("%s: got %v, want *age.NoIdentityMatchError", name, err)
			continue
		}
		if !errors.Is(err, age.ErrIncorrectIdentity) {
			t.Errorf("%s: error does not wrap age.ErrIncorrectIdentity", name)
		}
	}

	// A DEK identity is not a match for files of other recipients either.
	x := mustGenerate(t, true)
	ct, err := tcrypto.Wrap([]byte("secret"), x.AgeRecipient())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tcrypto.Unwrap(ct, mustDEKIdentity(t, dek, "blob-a"))
	var nm *age.NoIdentityMatchError
	if !errors.As(err, &nm) {
		t.Errorf("DEK identity on an X25519 file: got %v", err)
	}
}

// recordingIdentity records the stanzas it is given and matches none.
type recordingIdentity struct{ stanzas []*age.Stanza }

func (r *recordingIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	r.stanzas = stanzas
	return nil, age.ErrIncorrectIdentity
}

func TestDEKStanza(t *testing.T) {
	dek := mustDEK(t)
	const blobID = "b_0-Z"
	ct := sealDEK(t, dek, blobID, []byte("x"))

	rec := &recordingIdentity{}
	_, err := age.Decrypt(bytes.NewReader(ct), rec)
	var nm *age.NoIdentityMatchError
	if !errors.As(err, &nm) {
		t.Fatalf("got %v, want *age.NoIdentityMatchError", err)
	}
	if len(rec.stanzas) != 1 || len(nm.StanzaTypes) != 1 {
		t.Fatalf("header has %d stanzas, want 1", len(rec.stanzas))
	}
	s := rec.stanzas[0]
	if tcrypto.DEKStanzaType != "tvault-dek" || s.Type != tcrypto.DEKStanzaType || len(s.Args) != 1 || s.Args[0] != blobID {
		t.Errorf("stanza is %q %q, want tvault-dek %q", s.Type, s.Args, blobID)
	}
	if len(s.Body) != 16+16 {
		t.Errorf("stanza body is %d bytes, want 32", len(s.Body))
	}

	hdr, err := age.ExtractHeader(bytes.NewReader(ct))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(hdr), "\n")
	if lines[0] != "age-encryption.org/v1" || lines[1] != "-> tvault-dek "+blobID || !strings.HasPrefix(lines[3], "--- ") {
		t.Errorf("unexpected header:\n%s", hdr)
	}
}

// TestDEKKnownAnswer pins the wrapping key derivation and the stanza body.
// The expected key and body were computed independently in Python (hmac,
// and the cryptography package for ChaCha20-Poly1305).
func TestDEKKnownAnswer(t *testing.T) {
	dek := make([]byte, 32)
	for i := range dek {
		dek[i] = byte(i)
	}
	const blobID = "blob-01"
	const wantKey = "b340dd70d9c4ae312f634a37965fbf96f571d7c2a3707d69d97f6cef6d22b72f"
	const wantBody = "e881541a5434caf8b0dc5d7ee590ae2c6662483c2174f50b3a06b802ccebb086"
	fileKey := []byte("YELLOW SUBMARINE")

	key := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, dek, nil, []byte("tvault-dek v1\x00"+blobID)), key); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(key) != wantKey {
		t.Fatalf("HKDF key = %x, want %s", key, wantKey)
	}
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		t.Fatal(err)
	}
	independent := aead.Seal(nil, make([]byte, 12), fileKey, nil)

	r, err := tcrypto.NewDEKRecipient(dek, blobID)
	if err != nil {
		t.Fatal(err)
	}
	stanzas, err := r.Wrap(fileKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(stanzas) != 1 {
		t.Fatalf("%d stanzas", len(stanzas))
	}
	if !bytes.Equal(stanzas[0].Body, independent) {
		t.Errorf("stanza body = %x, want %x", stanzas[0].Body, independent)
	}
	if hex.EncodeToString(stanzas[0].Body) != wantBody {
		t.Errorf("stanza body = %x, want %s", stanzas[0].Body, wantBody)
	}

	got, err := mustDEKIdentity(t, dek, blobID).Unwrap(stanzas)
	if err != nil || !bytes.Equal(got, fileKey) {
		t.Errorf("Unwrap = %q, %v", got, err)
	}
}

func TestDEKInvalidArguments(t *testing.T) {
	dek := mustDEK(t)
	for _, id := range []string{"", strings.Repeat("a", 65), "a b", "a/b", "a.b", "é", "a\n", "-> x", "a+b"} {
		if _, err := tcrypto.NewDEKRecipient(dek, id); err == nil {
			t.Errorf("NewDEKRecipient accepted blob id %q", id)
		}
		if _, err := tcrypto.NewDEKIdentity(dek, id); err == nil {
			t.Errorf("NewDEKIdentity accepted blob id %q", id)
		}
	}
	for _, id := range []string{"a", "-", "_", strings.Repeat("Z9_-", 16)} {
		if _, err := tcrypto.NewDEKRecipient(dek, id); err != nil {
			t.Errorf("NewDEKRecipient refused blob id %q: %v", id, err)
		}
	}
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := tcrypto.NewDEKRecipient(make([]byte, n), "a"); err == nil {
			t.Errorf("NewDEKRecipient accepted a %d-byte DEK", n)
		}
		if _, err := tcrypto.NewDEKIdentity(make([]byte, n), "a"); err == nil {
			t.Errorf("NewDEKIdentity accepted a %d-byte DEK", n)
		}
	}
	if a, b := mustDEK(t), mustDEK(t); bytes.Equal(a, b) {
		t.Error("two generated DEKs are equal")
	}
}

func TestDEKRecipientMisuse(t *testing.T) {
	dek := mustDEK(t)
	r, err := tcrypto.NewDEKRecipient(dek, "once")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := age.Encrypt(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	// A second file with the same recipient would reuse the zero nonce.
	if _, err := age.Encrypt(io.Discard, r); err == nil {
		t.Error("a tvault-dek recipient wrapped two file keys")
	}

	// It can't be mixed with other recipients.
	r1, _ := tcrypto.NewDEKRecipient(dek, "one")
	r2, _ := tcrypto.NewDEKRecipient(dek, "two")
	x := mustGenerate(t, true)
	if _, err := age.Encrypt(io.Discard, r1, x.AgeRecipient()); err == nil {
		t.Error("tvault-dek recipient mixed with an X25519 recipient")
	}
	r1, _ = tcrypto.NewDEKRecipient(dek, "one")
	if _, err := age.Encrypt(io.Discard, r1, r2); err == nil {
		t.Error("two tvault-dek recipients in one file")
	}
}

func TestDEKIdentityStanzas(t *testing.T) {
	dek := mustDEK(t)
	id := mustDEKIdentity(t, dek, "blob")
	r, _ := tcrypto.NewDEKRecipient(dek, "blob")
	good, err := r.Wrap(make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	g := good[0]
	other := &age.Stanza{Type: "X25519", Args: []string{"AAAA"}, Body: make([]byte, 32)}

	for name, tc := range map[string]struct {
		stanzas   []*age.Stanza
		incorrect bool // the error wraps age.ErrIncorrectIdentity
	}{
		"no stanzas":     {nil, true},
		"other type":     {[]*age.Stanza{other}, true},
		"two args":       {[]*age.Stanza{{Type: g.Type, Args: []string{"blob", "x"}, Body: g.Body}}, true},
		"no args":        {[]*age.Stanza{{Type: g.Type, Body: g.Body}}, true},
		"short body":     {[]*age.Stanza{{Type: g.Type, Args: g.Args, Body: g.Body[:31]}}, true},
		"long body":      {[]*age.Stanza{{Type: g.Type, Args: g.Args, Body: append(bytes.Clone(g.Body), 0)}}, true},
		"48-byte body":   {[]*age.Stanza{{Type: g.Type, Args: g.Args, Body: make([]byte, 48)}}, true},
		"flipped body":   {[]*age.Stanza{{Type: g.Type, Args: g.Args, Body: append([]byte{g.Body[0] ^ 1}, g.Body[1:]...)}}, true},
		"beside another": {[]*age.Stanza{other, g}, false},
		"two dek":        {[]*age.Stanza{g, g}, false},
	} {
		_, err := id.Unwrap(tc.stanzas)
		if err == nil {
			t.Errorf("%s: Unwrap succeeded", name)
			continue
		}
		if errors.Is(err, age.ErrIncorrectIdentity) != tc.incorrect {
			t.Errorf("%s: errors.Is(err, ErrIncorrectIdentity) = %v, want %v (%v)", name, !tc.incorrect, tc.incorrect, err)
		}
	}
	if fk, err := id.Unwrap(good); err != nil || len(fk) != 16 {
		t.Errorf("Unwrap of a good stanza: %x, %v", fk, err)
	}
}
