package crypto_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tvault/tvault/internal/private"

	"filippo.io/age"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/testkit/ageplugin"
)

// The plugin tests run age-plugin-tvtest (internal/testkit/ageplugin), a
// software stand-in for a hardware key, compiled once per test process.
var pluginBuild struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pluginBuild.dir != "" {
		os.RemoveAll(pluginBuild.dir)
	}
	os.Exit(code)
}

// withPlugin puts age-plugin-tvtest first on PATH for the test.
func withPlugin(t *testing.T) {
	t.Helper()
	pluginBuild.once.Do(func() {
		pluginBuild.dir, pluginBuild.err = os.MkdirTemp("", "tvault-ageplugin-")
		if pluginBuild.err == nil {
			_, pluginBuild.err = ageplugin.Build(pluginBuild.dir)
		}
	})
	if pluginBuild.err != nil {
		t.Fatal(pluginBuild.err)
	}
	t.Setenv("PATH", pluginBuild.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// withoutPlugin leaves age-plugin-tvtest off PATH.
func withoutPlugin(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
}

func newTestKey(t *testing.T) (identity, recipient string) {
	t.Helper()
	identity, recipient, err := ageplugin.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return identity, recipient
}

// pinUI answers every request for a value with pin, counting them.
func pinUI(pin string, asked *int) *plugin.ClientUI {
	return &plugin.ClientUI{
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			*asked++
			return pin, nil
		},
	}
}

// newPluginIdentityFiles writes a plugin identity file and its signing key
// file in a new folder and returns the identity file's path and the identity.
func newPluginIdentityFiles(t *testing.T, ui *plugin.ClientUI) (string, *tcrypto.Identity) {
	t.Helper()
	idStr, r := newTestKey(t)
	id, err := tcrypto.GeneratePluginIdentity([]byte(ageplugin.IdentityFile(idStr, r)), ui)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "identity.age")
	if err := tcrypto.WriteSigningKeyFile(path, id); err != nil {
		t.Fatal(err)
	}
	if err := tcrypto.WriteIdentityFile(path, id, "", tcrypto.FileOptions{}); err != nil {
		t.Fatal(err)
	}
	return path, id
}

func TestPluginWrapUnwrap(t *testing.T) {
	withPlugin(t)
	idStr, r := newTestKey(t)
	rcpt, err := tcrypto.ParseRecipient(r)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("a slot secret")
	ct, err := tcrypto.Wrap(secret, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := age.ExtractHeader(bytes.NewReader(ct))
	if err != nil || !bytes.Contains(hdr, []byte("\n-> "+ageplugin.StanzaType+" ")) {
		t.Fatalf("header %q (%v) has no %s stanza", hdr, err, ageplugin.StanzaType)
	}
	id, err := tcrypto.GeneratePluginIdentity([]byte(ageplugin.IdentityFile(idStr, r)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Recipient() != r || id.Plugin() != ageplugin.Name || id.PostQuantum() {
		t.Errorf("identity: recipient %q, plugin %q, post-quantum %v", id.Recipient(), id.Plugin(), id.PostQuantum())
	}
	got, err := tcrypto.Unwrap(ct, id.AgeIdentity())
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Unwrap = %q, %v", got, err)
	}
	// Another key of the same plugin does not match, and says so as age does.
	other, otherR := newTestKey(t)
	oid, err := tcrypto.GeneratePluginIdentity([]byte(ageplugin.IdentityFile(other, otherR)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tcrypto.Unwrap(ct, oid.AgeIdentity()); !errors.As(err, new(*age.NoIdentityMatchError)) {
		t.Errorf("another key: %v, want a NoIdentityMatchError", err)
	}
	// Its own recipient, as the identity gives it, wraps too.
	if ct, err = tcrypto.Wrap(secret, id.AgeRecipient()); err != nil {
		t.Fatal(err)
	}
	if got, err := tcrypto.Unwrap(ct, id.AgeIdentity()); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Unwrap = %q, %v", got, err)
	}
}

func TestPluginMissing(t *testing.T) {
	withPlugin(t)
	idStr, r := newTestKey(t)
	rcpt, err := tcrypto.ParseRecipient(r)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := tcrypto.Wrap([]byte("x"), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tcrypto.GeneratePluginIdentity([]byte(ageplugin.IdentityFile(idStr, r)), nil)
	if err != nil {
		t.Fatal(err)
	}

	withoutPlugin(t)
	// Parsing needs no plugin: only using the key does.
	if _, err := tcrypto.ParseRecipient(r); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"wrap": func() error { _, err := tcrypto.Wrap([]byte("x"), rcpt); return err }(),
		"unwrap": func() error {
			_, err := tcrypto.Unwrap(ct, id.AgeIdentity())
			return err
		}(),
	} {
		var pe *tcrypto.PluginError
		if !errors.As(err, &pe) || !pe.Missing || pe.Plugin != ageplugin.Name {
			t.Errorf("%s without the plugin: %v, want a PluginError for a missing plugin", what, err)
			continue
		}
		if pe.Error() != "age-plugin-tvtest is not on PATH" {
			t.Errorf("%s: PluginError says %q", what, pe)
		}
	}
}

func TestPluginPIN(t *testing.T) {
	withPlugin(t)
	t.Setenv("TVTEST_PIN", "123456")
	asked := 0
	path, id := newPluginIdentityFiles(t, pinUI("123456", &asked))
	if asked != 1 {
		t.Errorf("writing the signing key file asked for the PIN %d times, want once (to check it)", asked)
	}
	got, err := tcrypto.ReadIdentity(path, tcrypto.ReadOptions{PluginUI: pinUI("123456", &asked)})
	if err != nil {
		t.Fatal(err)
	}
	if !got.SigningPublicKey().Equal(id.SigningPublicKey()) {
		t.Error("the signing key read back differs")
	}
	for name, ui := range map[string]*plugin.ClientUI{"wrong PIN": pinUI("000000", &asked), "no UI": nil} {
		_, err := tcrypto.ReadIdentity(path, tcrypto.ReadOptions{PluginUI: ui})
		var pe *tcrypto.PluginError
		if !errors.As(err, &pe) || pe.Missing {
			t.Errorf("%s: %v, want a PluginError", name, err)
		}
		if err != nil {
			assertNoSecret(t, err.Error(), "123456")
		}
	}
}

func TestSigningKeyFileRoundTrip(t *testing.T) {
	withPlugin(t)
	path, id := newPluginIdentityFiles(t, nil)
	skPath := tcrypto.SigningKeyFilePath(path)
	if skPath != path+".signing" {
		t.Errorf("SigningKeyFilePath = %q", skPath)
	}
	requirePrivate(t, path)
	requirePrivate(t, skPath)
	sealed, err := os.ReadFile(skPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sealed, []byte(armor.Header)) {
		t.Errorf("signing key file is not armored: %.40q", sealed)
	}
	seed := base64.StdEncoding.EncodeToString(id.SigningKey().Seed())
	if bytes.Contains(sealed, []byte(seed)) {
		t.Error("signing key file holds the seed in the clear")
	}

	got, err := tcrypto.ReadIdentity(path, tcrypto.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Recipient() != id.Recipient() || !got.SigningPublicKey().Equal(id.SigningPublicKey()) ||
		got.Plugin() != ageplugin.Name || got.Card() != id.Card() {
		t.Errorf("read back %v with another recipient, signing key or card", got)
	}
	if err := got.Card().Verify(); err != nil {
		t.Errorf("card: %v", err)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", got, got, got), seed) {
		t.Error("formatting the identity shows its signing key")
	}
	// Never overwritten, and a native identity has none.
	if err := tcrypto.WriteSigningKeyFile(path, id); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second WriteSigningKeyFile: %v, want ErrExist", err)
	}
	if err := tcrypto.WriteSigningKeyFile(filepath.Join(t.TempDir(), "n"), mustGenerate(t, true)); err == nil {
		t.Error("WriteSigningKeyFile accepted a native identity")
	}
	if err := tcrypto.WriteIdentityFile(filepath.Join(t.TempDir(), "p"), id, "pass", testOptions); err == nil {
		t.Error("WriteIdentityFile encrypted a plugin identity file with a passphrase")
	}
	// Native identity files still read as before.
	native := filepath.Join(t.TempDir(), "native.age")
	nid := mustGenerate(t, false)
	if err := tcrypto.WriteIdentityFile(native, nid, "", testOptions); err != nil {
		t.Fatal(err)
	}
	if got, err := tcrypto.ReadIdentity(native, tcrypto.ReadOptions{}); err != nil || got.Recipient() != nid.Recipient() {
		t.Errorf("native identity: %v", err)
	}
}

// TestSigningKeyFileTamper: a damaged, swapped or missing signing key file
// is refused with an error that says which, and never quotes the file.
func TestSigningKeyFileTamper(t *testing.T) {
	withPlugin(t)
	path, id := newPluginIdentityFiles(t, nil)
	skPath := tcrypto.SigningKeyFilePath(path)
	good, err := os.ReadFile(skPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(good), "\n")
	body := []byte(lines[1])
	body[10] ^= 'A' ^ 'B'
	if body[10] == lines[1][10] {
		body[10] = 'C'
	}
	damaged := strings.Join(append([]string{lines[0], string(body)}, lines[2:]...), "\n")

	// Encrypted to another key of the same plugin.
	_, other := newTestKey(t)
	otherR, err := tcrypto.ParseRecipient(other)
	if err != nil {
		t.Fatal(err)
	}
	seed := make([]byte, ed25519.SeedSize)
	toOther := armored(t, plaintext(id.Recipient(), seed), otherR)
	// Encrypted to this key, but made for another recipient.
	forOther := armored(t, plaintext(other, seed), id.AgeRecipient())
	// Encrypted to this key, with a malformed seed.
	shortSeed := armored(t, plaintext(id.Recipient(), seed[:31]), id.AgeRecipient())

	for name, tc := range map[string]struct{ data, want string }{
		"damaged":       {damaged, "damaged"},
		"truncated":     {string(good[:len(good)/2]), "damaged"},
		"not armored":   {"tvault plugin signing key v1\n", "damaged"},
		"another key":   {toOther, "not encrypted to this identity's key"},
		"for another":   {forOther, "made for another key"},
		"short seed":    {shortSeed, "malformed signing key"},
		"another seed?": {armored(t, []byte("hello\n"), id.AgeRecipient()), "not a tvault signing key"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.Remove(skPath); err != nil {
				t.Fatal(err)
			}
			// Private as keygen writes it (under wine a file written with
			// os.WriteFile is readable by everyone, and refused as such).
			f, err := private.Create(skPath)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(tc.data); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = tcrypto.ReadIdentity(path, tcrypto.ReadOptions{})
			if !errors.Is(err, tcrypto.ErrSigningKeyFile) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrSigningKeyFile saying %q", err, tc.want)
			}
			assertNoSecret(t, err.Error(), base64.StdEncoding.EncodeToString(id.SigningKey().Seed()))
			checkErrorStyle(t, err)
		})
	}

	os.Remove(skPath)
	if _, err := tcrypto.ReadIdentity(path, tcrypto.ReadOptions{}); !errors.Is(err, tcrypto.ErrNoSigningKeyFile) {
		t.Errorf("no signing key file: %v", err)
	}
}

func plaintext(recipient string, seed []byte) []byte {
	return []byte("tvault plugin signing key v1\nrecipient: " + recipient +
		"\nseed: " + base64.StdEncoding.EncodeToString(seed) + "\n")
}

func armored(t *testing.T, pt []byte, r age.Recipient) string {
	t.Helper()
	ct, err := tcrypto.Wrap(pt, r)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	a := armor.NewWriter(&b)
	a.Write(ct)
	a.Close()
	return b.String()
}

// TestSigningKeyFileWrongRecipient: an identity file whose recipient line
// is not its key's is caught when the signing key file is written.
func TestSigningKeyFileWrongRecipient(t *testing.T) {
	withPlugin(t)
	idStr, _ := newTestKey(t)
	_, wrongR := newTestKey(t)
	id, err := tcrypto.GeneratePluginIdentity([]byte(ageplugin.IdentityFile(idStr, wrongR)), nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id")
	err = tcrypto.WriteSigningKeyFile(path, id)
	if err == nil || !strings.Contains(err.Error(), "recipient line") {
		t.Fatalf("got %v, want an error about the recipient line", err)
	}
	if _, err := os.Lstat(tcrypto.SigningKeyFilePath(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a signing key file was written")
	}
}

func TestParsePluginIdentityFile(t *testing.T) {
	idStr, r := newTestKey(t)
	_, otherR := newTestKey(t)
	yk := plugin.EncodeIdentity("yubikey", []byte("a key on a token"))
	for name, data := range map[string]string{
		"tool output":   ageplugin.IdentityFile(idStr, r),
		"public key":    "# created: 2026-01-01T00:00:00Z\n# public key: " + r + "\n" + idStr + "\n",
		"crlf":          "# public key: " + r + "\r\n" + idStr + "\r\n",
		"same comments": "# public key: " + r + "\n#    Recipient: " + r + "\n\n" + idStr + "\n",
	} {
		pf, err := tcrypto.ParsePluginIdentityFile([]byte(data))
		if err != nil || pf.Identity != idStr || pf.Recipient != r || pf.Plugin != ageplugin.Name {
			t.Errorf("%s: %+v, %v", name, pf, err)
		}
	}
	for name, tc := range map[string]struct{ data, want string }{
		"no recipient":    {idStr + "\n", "does not give its recipient"},
		"two recipients":  {"# public key: " + r + "\n# public key: " + otherR + "\n" + idStr + "\n", "two recipients"},
		"two identities":  {"# public key: " + r + "\n" + idStr + "\n" + idStr + "\n", "more than one"},
		"other plugin":    {"# public key: " + r + "\n" + yk + "\n", "not one of age-plugin-yubikey"},
		"native key line": {"# public key: " + r + "\n" + idStr + "\n" + katX25519Secret + "\n", "line 3 is not a plugin identity"},
		"bad checksum":    {"# public key: " + r + "\n" + idStr[:len(idStr)-1] + flip(idStr[len(idStr)-1]) + "\n", "line 2 is a malformed"},
		"lower-case":      {"# public key: " + r + "\nAGE-PLUGIN-" + strings.ToLower(idStr[11:]) + "\n", "malformed"},
		"no identity":     {"# public key: " + r + "\n", "no plugin identity"},
		"binary":          {"\x00" + idStr, "binary"},
	} {
		_, err := tcrypto.ParsePluginIdentityFile([]byte(tc.data))
		if !errors.Is(err, tcrypto.ErrNotIdentityFile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrNotIdentityFile saying %q", name, err, tc.want)
			continue
		}
		assertNoSecret(t, err.Error(), idStr)
		checkErrorStyle(t, err)
	}
}

func TestAgeDebugRefused(t *testing.T) {
	withPlugin(t)
	_, r := newTestKey(t)
	rcpt, err := tcrypto.ParseRecipient(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AGEDEBUG", "plugin")
	if _, err := tcrypto.Wrap([]byte("x"), rcpt); err == nil || !strings.Contains(err.Error(), "AGEDEBUG") {
		t.Errorf("wrap with AGEDEBUG=plugin: %v", err)
	}
}
