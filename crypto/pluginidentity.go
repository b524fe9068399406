package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
)

// A plugin identity is a key on a token (a YubiKey, a Secure Enclave) that
// an age plugin reaches: its identity file holds only a stub naming the key
// ("AGE-PLUGIN-YUBIKEY-1…") and, in a comment, its recipient. Its secret
// never leaves the token, so no signing key can be derived from it: the
// member's Ed25519 signing key is random, kept in a signing key file next
// to the identity file, age-encrypted to the token's recipient. Reading it
// takes the token (and its PIN or touch), like every unwrap.

// maxSigningKeyFileSize caps what is read as a signing key file (about
// 1 KB: an armored age file holding ~150 bytes).
const maxSigningKeyFileSize = 16 << 10

// signingKeyFileHeader is the first line of a signing key file's plaintext.
const signingKeyFileHeader = "tvault plugin signing key v1"

// ErrNoSigningKeyFile is returned, wrapped, by [ReadIdentity] for a plugin
// identity file without its signing key file.
var ErrNoSigningKeyFile = errors.New("the plugin identity has no signing key file")

// ErrSigningKeyFile is returned, wrapped, by [ReadIdentity] for a signing
// key file that is damaged, not encrypted to the plugin identity's key, or
// made for another recipient.
var ErrSigningKeyFile = errors.New("bad signing key file")

// signingKeyFileError wraps ErrSigningKeyFile with a sentence of its own.
type signingKeyFileError struct{ msg string }

func (e *signingKeyFileError) Error() string { return e.msg }
func (e *signingKeyFileError) Unwrap() error { return ErrSigningKeyFile }

// SigningKeyFilePath returns the path of the signing key file that goes
// with the plugin identity file at identityPath: identityPath + ".signing".
func SigningKeyFilePath(identityPath string) string {
	return identityPath + ".signing"
}

// ReadOptions says how [ReadIdentity] gets what an identity file needs.
type ReadOptions struct {
	// Passphrase is called, at most once, for an identity file encrypted
	// with a passphrase (see [ParseIdentityFile]).
	Passphrase func() (string, error)
	// PluginUI is how a plugin identity's plugin asks for a PIN or a
	// touch, now and at every later unwrap. Its callbacks must never log
	// what they read. Nil refuses every request.
	PluginUI *plugin.ClientUI
}

// ReadIdentity reads the identity file at path, native or plugin. A native
// one is read as [ReadIdentityFile] does. A plugin one (a plain file whose
// key line is AGE-PLUGIN-…, see [ParsePluginIdentityFile]) comes with its
// signing key file at [SigningKeyFilePath](path), which is decrypted at
// once through the plugin: a missing plugin fails with a *[PluginError].
// Both files must be private to the user, as [ReadIdentityFile] requires.
func ReadIdentity(path string, opts ReadOptions) (*Identity, error) {
	data, err := readPrivateFile(path, "", maxIdentityFileSize)
	if err != nil {
		return nil, err
	}
	if !isPluginIdentityFile(data) {
		return ParseIdentityFile(data, opts.Passphrase)
	}
	pf, err := ParsePluginIdentityFile(data)
	if err != nil {
		return nil, err
	}
	skPath := SigningKeyFilePath(path)
	sealed, err := readPrivateFile(skPath, "signing key file", maxSigningKeyFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %s", ErrNoSigningKeyFile, skPath)
	}
	if err != nil {
		return nil, err
	}
	if len(sealed) > maxSigningKeyFileSize {
		return nil, &signingKeyFileError{"signing key file " + skPath + " is too large to be one"}
	}
	id, err := newPluginIdentity(pf, nil, opts.PluginUI)
	if err != nil {
		return nil, err
	}
	seed, err := openSigningKey(sealed, id.k.age, pf.Recipient)
	if err != nil {
		return nil, err
	}
	copy(id.k.signing[:], ed25519.NewKeyFromSeed(seed))
	return id, nil
}

// PluginIdentityFile is what a plugin identity file holds: the identity
// stub, and the recipient of the key it names.
type PluginIdentityFile struct {
	Identity  string // AGE-PLUGIN-NAME-1…
	Recipient string // age1name1…, canonical
	Plugin    string // name, lower-case
}

// isPluginIdentityFile reports whether data is a plain identity file with a
// plugin identity line.
func isPluginIdentityFile(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "AGE-PLUGIN-") {
			return true
		}
	}
	return false
}

// ParsePluginIdentityFile parses a plugin identity file as the plugins'
// tools print it (age-plugin-yubikey --generate, age-plugin-se keygen) and
// as tvault keygen --plugin copies it: exactly one AGE-PLUGIN-… line, empty
// lines, and comment lines, one of which gives the recipient, as
// "# public key: age1…" or "#    Recipient: age1…". Errors name line
// numbers, never line contents.
func ParsePluginIdentityFile(data []byte) (PluginIdentityFile, error) {
	var pf PluginIdentityFile
	if len(data) > maxIdentityFileSize {
		return pf, notIdentity("identity file is too large (over %d KiB)", maxIdentityFileSize>>10)
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return pf, notIdentity("identity file is binary data, not an age identity")
	}
	for n, line := range strings.Split(string(data), "\n") {
		n++
		line = strings.TrimSuffix(line, "\r")
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			r := recipientComment(line)
			if r == "" {
				continue
			}
			if pf.Recipient != "" && r != pf.Recipient {
				return pf, notIdentity("identity file names two recipients (line %d), expected one", n)
			}
			pf.Recipient = r
		case strings.HasPrefix(line, "AGE-PLUGIN-"):
			name, _, err := plugin.ParseIdentity(line)
			if err != nil || strings.ToUpper(line) != line {
				return pf, notIdentity("identity file line %d is a malformed plugin identity", n)
			}
			if pf.Identity != "" {
				return pf, notIdentity("identity file holds more than one identity (line %d), expected exactly one", n)
			}
			pf.Identity, pf.Plugin = line, name
		default:
			return pf, notIdentity("identity file line %d is not a plugin identity or a comment", n)
		}
	}
	if pf.Identity == "" {
		return pf, notIdentity("identity file holds no plugin identity")
	}
	if pf.Recipient == "" {
		return pf, notIdentity("plugin identity file does not give its recipient: add the line "+
			"\"# public key: age1%s1…\" with the recipient age-plugin-%s printed for this key", pf.Plugin, pf.Plugin)
	}
	if name, _, _ := plugin.ParseRecipient(pf.Recipient); name != pf.Plugin {
		return pf, notIdentity("plugin identity file's recipient is not one of age-plugin-%s", pf.Plugin)
	}
	return pf, nil
}

// recipientComment returns the plugin recipient a comment line gives, as
// "# public key: age1…" or "#    Recipient: age1…", or "".
func recipientComment(line string) string {
	c := strings.TrimSpace(strings.TrimPrefix(line, "#"))
	key, value, ok := strings.Cut(c, ":")
	if !ok {
		return ""
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "public key", "recipient":
	default:
		return ""
	}
	value = strings.TrimSpace(value)
	if !IsPluginRecipient(value) {
		return ""
	}
	if _, err := parsePluginRecipient(value); err != nil {
		return ""
	}
	return value
}

// GeneratePluginIdentity returns the plugin identity of a plugin identity
// file (see [ParsePluginIdentityFile]) with a new random signing key. ui is
// kept for its unwraps. Write its signing key file with
// [WriteSigningKeyFile] and the identity file with [WriteIdentityFile].
func GeneratePluginIdentity(data []byte, ui *plugin.ClientUI) (*Identity, error) {
	pf, err := ParsePluginIdentityFile(data)
	if err != nil {
		return nil, err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("failed to generate signing key: %w", err)
	}
	return newPluginIdentity(pf, seed, ui)
}

// newPluginIdentity returns the plugin identity of pf with the signing key
// of seed (none yet if seed is nil).
func newPluginIdentity(pf PluginIdentityFile, seed []byte, ui *plugin.ClientUI) (*Identity, error) {
	if ui == nil {
		ui = &plugin.ClientUI{}
	}
	pid, err := plugin.NewIdentity(pf.Identity, ui)
	if err != nil {
		return nil, notIdentity("identity file holds a malformed plugin identity")
	}
	r, err := parsePluginRecipient(pf.Recipient)
	if err != nil {
		return nil, notIdentity("plugin identity file's recipient is malformed")
	}
	k := &identityKeys{
		age:          &pluginIdentity{id: pid, name: pf.Plugin},
		recipient:    r,
		plugin:       pf.Plugin,
		secret:       pf.Identity,
		recipientStr: pf.Recipient,
	}
	if seed != nil {
		copy(k.signing[:], ed25519.NewKeyFromSeed(seed))
	}
	return &Identity{k: k}, nil
}

// WriteSigningKeyFile writes the signing key of the plugin identity id to
// a new private file at [SigningKeyFilePath](identityPath), durably, as
// [WriteIdentityFile] writes an identity file (never overwriting). The key
// is age-encrypted to id's recipient through its plugin, then decrypted
// again through it, so that a recipient that is not the token's is caught
// now and not when the vault needs the key: that takes the token, and its
// PIN or touch. Its plaintext is
//
//	tvault plugin signing key v1
//	recipient: <the plugin recipient>
//	seed: <standard base64 of the 32-byte Ed25519 seed>
//
// and the file is armored ("-----BEGIN AGE ENCRYPTED FILE-----").
func WriteSigningKeyFile(identityPath string, id *Identity) error {
	if id == nil || id.k == nil || id.k.plugin == "" {
		return errors.New("only a plugin identity has a signing key file")
	}
	path := SigningKeyFilePath(identityPath)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("failed to create signing key file: %w", fs.ErrExist)
	}
	sealed, err := sealSigningKey(id)
	if err != nil {
		return err
	}
	seed, err := openSigningKey(sealed, id.k.age, id.k.recipientStr)
	if err != nil {
		return fmt.Errorf("the key age-plugin-%s found does not open what was encrypted to the identity file's recipient "+
			"(check that its recipient line is the one the plugin printed for this key): %w", id.k.plugin, err)
	}
	if subtle.ConstantTimeCompare(seed, id.k.signing[:ed25519.SeedSize]) != 1 {
		return errors.New("the signing key read back through the plugin differs from the one written")
	}
	return writeNewPrivateFile(path, "signing key file", func() ([]byte, error) { return sealed, nil })
}

func signingKeyPlaintext(recipient string, seed []byte) []byte {
	return []byte(signingKeyFileHeader + "\nrecipient: " + recipient +
		"\nseed: " + base64.StdEncoding.EncodeToString(seed) + "\n")
}

// sealSigningKey returns id's signing key seed, age-encrypted (armored) to
// its plugin recipient.
func sealSigningKey(id *Identity) ([]byte, error) {
	ct, err := Wrap(signingKeyPlaintext(id.k.recipientStr, id.k.signing[:ed25519.SeedSize]), id.k.recipient)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	a := armor.NewWriter(&buf)
	if _, err := a.Write(ct); err != nil {
		return nil, fmt.Errorf("failed to armor signing key: %w", err)
	}
	if err := a.Close(); err != nil {
		return nil, fmt.Errorf("failed to armor signing key: %w", err)
	}
	return buf.Bytes(), nil
}

// openSigningKey decrypts a signing key file with id, which must be the
// plugin identity of recipient, and returns the seed. A plugin that fails
// yields its *PluginError; anything wrong with the file, an error wrapping
// ErrSigningKeyFile. Errors never include the file's content.
func openSigningKey(sealed []byte, id age.Identity, recipient string) ([]byte, error) {
	ct, err := io.ReadAll(armor.NewReader(bytes.NewReader(sealed)))
	if err != nil {
		return nil, &signingKeyFileError{"signing key file is damaged (its armor does not decode)"}
	}
	pt, err := Unwrap(ct, id)
	var pe *PluginError
	switch {
	case errors.As(err, &pe):
		return nil, pe
	case errors.As(err, new(*age.NoIdentityMatchError)):
		return nil, &signingKeyFileError{"signing key file is not encrypted to this identity's key"}
	case err != nil:
		return nil, &signingKeyFileError{"signing key file is damaged (it does not decrypt)"}
	}
	return ParseSigningKeyPlaintext(pt, recipient)
}

// ParseSigningKeyPlaintext parses the decrypted content of a signing key
// file (see [WriteSigningKeyFile]) made for recipient and returns the
// Ed25519 seed. It is strict: exactly the three lines, canonical base64.
func ParseSigningKeyPlaintext(pt []byte, recipient string) ([]byte, error) {
	lines := strings.Split(string(pt), "\n")
	if len(lines) != 4 || lines[0] != signingKeyFileHeader || lines[3] != "" {
		return nil, &signingKeyFileError{"signing key file is not a tvault signing key"}
	}
	r, ok := strings.CutPrefix(lines[1], "recipient: ")
	if !ok {
		return nil, &signingKeyFileError{"signing key file is not a tvault signing key"}
	}
	if r != recipient {
		return nil, &signingKeyFileError{"signing key file was made for another key than this identity's"}
	}
	b64, ok := strings.CutPrefix(lines[2], "seed: ")
	seed, err := base64.StdEncoding.Strict().DecodeString(b64)
	if !ok || err != nil || len(seed) != ed25519.SeedSize || strings.ContainsAny(b64, "\r\n") {
		return nil, &signingKeyFileError{"signing key file holds a malformed signing key"}
	}
	return seed, nil
}
