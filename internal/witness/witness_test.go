package witness

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testSigner is a witness key from a fixed seed.
func testSigner(t testing.TB, name string, seed byte) *torchwood.CosignatureSigner {
	t.Helper()
	s, err := torchwood.NewCosignatureSigner(name, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testCheckpoint is a checkpoint of a 2-entry log signed by a member key.
func testCheckpoint(t testing.TB) []byte {
	t.Helper()
	skey, _, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), "iryna")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	var root tlog.Hash
	root[0] = 1
	msg, err := note.Sign(&note.Note{Text: "tvault/test\n2\n" + root.String() + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// cosign returns a witness's answer for checkpoint: its signature lines.
func cosign(t testing.TB, checkpoint []byte, s note.Signer) []byte {
	t.Helper()
	text, _, _ := bytes.Cut(checkpoint, []byte("\n\n"))
	signed, err := note.Sign(&note.Note{Text: string(text) + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	return signed[len(text)+2:]
}

func TestParseVerifierKeyRoundTrip(t *testing.T) {
	s := testSigner(t, "witness.example/w1", 1)
	vkey := s.Verifier().String()
	v, err := ParseVerifierKey(vkey)
	if err != nil {
		t.Fatalf("ParseVerifierKey(%q): %v", vkey, err)
	}
	if v.String() != vkey || v.Name() != "witness.example/w1" || v.KeyHash() != s.KeyHash() {
		t.Errorf("parsed %q (hash %08x), want %q (hash %08x)", v.String(), v.KeyHash(), vkey, s.KeyHash())
	}
	// The parsed verifier checks the witness's real cosignatures, and only those.
	cp := testCheckpoint(t)
	if _, err := Cosign(cp, cosign(t, cp, s), v); err != nil {
		t.Errorf("Cosign with the witness's own signature: %v", err)
	}
	other := testSigner(t, "witness.example/w1", 2)
	if _, err := Cosign(cp, cosign(t, cp, other), v); err == nil {
		t.Error("a cosignature by another key of the same name verified")
	}
}

// TestParseVerifierKeyKnownAnswer pins the vkey of a fixed key, computed
// outside Go (Python's hashlib and cryptography) from c2sp.org/signed-note:
// the hash is the first 4 bytes of SHA-256(name || "\n" || 0x04 || key).
func TestParseVerifierKeyKnownAnswer(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)).Public().(ed25519.PublicKey)
	v, err := NewVerifier("w", pub)
	if err != nil {
		t.Fatal(err)
	}
	const want = "w+10043a1a+BIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"
	if v.String() != want {
		t.Fatalf("vkey = %q, want %q", v.String(), want)
	}
	if _, err := ParseVerifierKey(want); err != nil {
		t.Fatal(err)
	}
}

func TestParseVerifierKeyErrors(t *testing.T) {
	good := testSigner(t, "w.example", 1).Verifier().String()
	name, rest, _ := strings.Cut(good, "+")
	hash, key, _ := strings.Cut(rest, "+")
	ed, _ := note.NewEd25519VerifierKey("w.example", make([]byte, 32))
	tests := map[string]string{
		"empty":            "",
		"no plus":          "w.example",
		"one plus":         "w.example+" + hash,
		"empty name":       "+" + hash + "+" + key,
		"space in name":    "w example+" + hash + "+" + key,
		"control in name":  "w\x01+" + hash + "+" + key,
		"long name":        strings.Repeat("n", 300) + "+" + hash + "+" + key,
		"upper-case hash":  name + "+" + strings.ToUpper(hash) + "+" + key,
		"short hash":       name + "+" + hash[:7] + "+" + key,
		"wrong hash":       name + "+00000000+" + key,
		"bad base64":       name + "+" + hash + "+" + key[:10] + "!" + key[11:],
		"extra padding":    name + "+" + hash + "+" + key + "=",
		"line break":       name + "+" + hash + "+" + key[:20] + "\n" + key[20:],
		"plain ed25519":    ed,
		"unknown type":     name + "+" + hash + "+" + "BQ==",
		"short key":        name + "+" + hash + "+" + key[:20] + "==",
		"other name":       "x.example+" + hash + "+" + key,
		"trailing garbage": good + "+x",
		"too long":         good + strings.Repeat("A", MaxKeyLen),
	}
	for what, vkey := range tests {
		if _, err := ParseVerifierKey(vkey); err == nil {
			t.Errorf("%s: ParseVerifierKey(%q) succeeded", what, vkey)
		} else if len(vkey) > 8 && strings.Contains(err.Error(), vkey) {
			t.Errorf("%s: error repeats the input: %v", what, err)
		}
	}
	// The identity point, a key of small order, with a correct hash.
	weak := make([]byte, 32)
	weak[0] = 1
	wk := "w.example+" + weakHash(t, "w.example", weak) + "+" + base64.StdEncoding.EncodeToString(append([]byte{4}, weak...))
	if _, err := ParseVerifierKey(wk); err == nil || !strings.Contains(err.Error(), "small order") {
		t.Errorf("a key of small order: err = %v", err)
	}
	if _, err := ParseVerifierKey(ed); err == nil || !strings.Contains(err.Error(), "0x01") {
		t.Errorf("a plain Ed25519 key: err = %v, want it to say type 0x01", err)
	}
}

func FuzzParseVerifierKey(f *testing.F) {
	f.Add(testSigner(f, "w.example", 1).Verifier().String())
	f.Add("w+10043a1a+BIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c")
	f.Add("w+00000000+AQ==")
	f.Add("+++")
	f.Fuzz(func(t *testing.T, vkey string) {
		v, err := ParseVerifierKey(vkey)
		if err != nil {
			return
		}
		// Only canonical encodings are accepted: the key prints as given.
		if v.String() != vkey {
			t.Fatalf("ParseVerifierKey(%q) accepted a key that prints as %q", vkey, v.String())
		}
	})
}

func FuzzCosign(f *testing.F) {
	s := testSigner(f, "w.example", 1)
	cp := testCheckpoint(f)
	f.Add(cosign(f, cp, s))
	f.Add([]byte("— w.example AAAA\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		out, err := Cosign(cp, answer, s.Verifier())
		if err != nil {
			return
		}
		// What is kept opens with the witness's key and begins with the checkpoint.
		if !bytes.HasPrefix(out, cp) {
			t.Fatal("kept note does not begin with the checkpoint sent")
		}
		back, err := Open(out, s.Verifier())
		if err != nil || !bytes.Equal(back, cp) {
			t.Fatalf("Open of a kept note: %q, %v", back, err)
		}
	})
}

func TestCosign(t *testing.T) {
	s := testSigner(t, "w.example", 1)
	v := s.Verifier()
	cp := testCheckpoint(t)
	answer := cosign(t, cp, s)
	other := cosign(t, cp, testSigner(t, "other.example", 3))

	kept, err := Cosign(cp, append(append([]byte(nil), other...), answer...), v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept, append(append([]byte(nil), cp...), answer...)) {
		t.Errorf("kept %q, want the checkpoint and the witness's line only", kept)
	}
	if n, err := CheckpointSize(kept); err != nil || n != 2 {
		t.Errorf("CheckpointSize = %d, %v; want 2", n, err)
	}

	// A cosignature over another checkpoint does not verify.
	cp2 := bytes.Replace(cp, []byte("\n2\n"), []byte("\n3\n"), 1)
	if _, err := Cosign(cp2, answer, v); !errors.Is(err, ErrBadCosignature) {
		t.Errorf("cosignature of another checkpoint: err = %v, want ErrBadCosignature", err)
	}
	// No line by the witness.
	if _, err := Cosign(cp, other, v); !errors.Is(err, ErrBadCosignature) {
		t.Errorf("answer by another witness: err = %v, want ErrBadCosignature", err)
	}
	for _, bad := range []string{"", "ok\n", "— w.example AAAA", "— w.example AAAA\n\n", "— w.example AAAA\nx\n", "<html>\n"} {
		if _, err := Cosign(cp, []byte(bad), v); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadCosignature) {
			t.Errorf("answer %q: err = %v, want ErrMalformed or ErrBadCosignature", bad, err)
		}
	}
	if _, err := Cosign(cp, []byte("<html>\n"), v); !errors.Is(err, ErrMalformed) {
		t.Errorf("HTML answer: err = %v, want ErrMalformed", err)
	}
	if _, err := Open(cp, v); !errors.Is(err, ErrBadCosignature) {
		t.Errorf("Open of an uncosigned checkpoint: err = %v, want ErrBadCosignature", err)
	}
}

// fakeWitness answers add-checkpoint requests with fn.
func fakeWitness(t *testing.T, fn http.HandlerFunc) *url.URL {
	t.Helper()
	srv := httptest.NewServer(fn)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u
}

func TestAddCheckpointRequest(t *testing.T) {
	cp := testCheckpoint(t)
	var h1, h2 tlog.Hash
	h1[0], h2[0] = 1, 2
	var got []byte
	var path string
	u := fakeWitness(t, func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		got, _ = io.ReadAll(r.Body)
		io.WriteString(w, "— w.example AAAA\n")
	})
	u = u.JoinPath("base")
	answer, err := AddCheckpoint(context.Background(), nil, u, Request{Checkpoint: cp, OldSize: 1, Proof: tlog.TreeProof{h1, h2}})
	if err != nil {
		t.Fatal(err)
	}
	want := "old 1\n" + h1.String() + "\n" + h2.String() + "\n\n" + string(cp)
	if string(got) != want {
		t.Errorf("request body\n%q\nwant\n%q", got, want)
	}
	if path != "/base/add-checkpoint" {
		t.Errorf("path %q, want /base/add-checkpoint", path)
	}
	if string(answer) != "— w.example AAAA\n" {
		t.Errorf("answer %q", answer)
	}
}

func TestAddCheckpointAnswers(t *testing.T) {
	cp := testCheckpoint(t)
	tests := []struct {
		name   string
		status int
		body   string
		check  func(error) bool
	}{
		{"conflict", 409, "17\n", func(err error) bool {
			var c *ConflictError
			return errors.As(err, &c) && c.Size == 17
		}},
		{"conflict without size", 409, "seventeen\n", func(err error) bool { return err != nil && strings.Contains(err.Error(), "without a tree size") }},
		{"conflict negative", 409, "-1\n", func(err error) bool { return err != nil && strings.Contains(err.Error(), "without a tree size") }},
		{"unknown log", 403, "unknown log\n", func(err error) bool { return errors.Is(err, ErrUnknownLog) }},
		{"bad proof", 422, "bad consistency proof\n", func(err error) bool { return errors.Is(err, ErrInconsistent) }},
		{"server error", 500, "\x1b[31mboom\n", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "HTTP 500") && !strings.Contains(err.Error(), "\x1b")
		}},
		{"redirect", 302, "", func(err error) bool { return err != nil && strings.Contains(err.Error(), "HTTP 302") }},
		{"huge", 200, strings.Repeat("x", MaxResponse+1), func(err error) bool { return err != nil && strings.Contains(err.Error(), "more than 64 KiB") }},
	}
	for _, tt := range tests {
		u := fakeWitness(t, func(w http.ResponseWriter, r *http.Request) {
			if tt.status == 302 {
				w.Header().Set("Location", "/elsewhere")
			}
			w.WriteHeader(tt.status)
			io.WriteString(w, tt.body)
		})
		_, err := AddCheckpoint(context.Background(), nil, u, Request{Checkpoint: cp})
		if !tt.check(err) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestAddCheckpointFailuresHidePassword(t *testing.T) {
	cp := testCheckpoint(t)
	slow := fakeWitness(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	slow.User = url.UserPassword("user", "s3cret-pass")
	start := time.Now()
	_, err := AddCheckpoint(context.Background(), &http.Client{Timeout: 200 * time.Millisecond}, slow, Request{Checkpoint: cp})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("slow witness: err = %v, want a timeout", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("the timeout took %v", time.Since(start))
	}
	// A closed port: refused at once.
	srv := httptest.NewServer(http.NotFoundHandler())
	closed, _ := url.Parse(srv.URL)
	srv.Close()
	closed.User = url.UserPassword("user", "s3cret-pass")
	_, err2 := AddCheckpoint(context.Background(), nil, closed, Request{Checkpoint: cp})
	for _, err := range []error{err, err2} {
		if err == nil || strings.Contains(err.Error(), "s3cret-pass") {
			t.Errorf("err = %v: want an error without the password", err)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, good := range []string{"http://127.0.0.1:7380", "https://witness.example/path/"} {
		if _, err := ParseURL(good); err != nil {
			t.Errorf("ParseURL(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "witness.example", "ftp://w.example", "http://", "https://w.example/?x=1", "https://w.example/#f",
		"mailto:a@b", "http://u:p@[::1"} {
		u, err := ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q) = %v, want an error", bad, u)
		} else if strings.Contains(err.Error(), "p@") {
			t.Errorf("ParseURL(%q): error repeats the URL: %v", bad, err)
		}
	}
}

// TestAddCheckpointInterrupted: a cancelled context (Ctrl-C) comes back as
// context.Canceled, which the CLI reports as an interruption.
func TestAddCheckpointInterrupted(t *testing.T) {
	cp := testCheckpoint(t)
	cctx, cancel := context.WithCancel(context.Background())
	u := fakeWitness(t, func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // then the server notices the client leaving
		cancel()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	_, err := AddCheckpoint(cctx, nil, u, Request{Checkpoint: cp})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// weakHash is the signed-note key hash of a cosignature/v1 key, computed
// here because NewVerifier refuses the key.
func weakHash(t *testing.T, name string, pub []byte) string {
	h := sha256.Sum256(append([]byte(name+"\n\x04"), pub...))
	return hex.EncodeToString(h[:4])
}
