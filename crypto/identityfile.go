package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/tvault/tvault/internal/private"
)

// maxIdentityFileSize caps what is read as an identity file. A post-quantum
// identity file is about 2 KB, armored and encrypted about 3 KB.
const maxIdentityFileSize = 64 << 10

// DefaultScryptWorkFactor is age's scrypt work factor (log2 N) for a
// passphrase, what [WriteIdentityFile] uses when [FileOptions] leaves it 0:
// about a second to try one passphrase. Each step below halves what a
// guess costs an attacker who has the file.
const DefaultScryptWorkFactor = 18

// maxScryptWorkFactor is the highest scrypt work factor (log2 N) accepted in
// an encrypted identity file and written to one: age's own default limit, so
// that the age CLI can always read what tvault writes.
const maxScryptWorkFactor = 22

var (
	// ErrWrongPassphrase is returned when an encrypted identity file does not
	// decrypt with the passphrase given.
	ErrWrongPassphrase = errors.New("incorrect passphrase")

	// ErrNotIdentityFile is returned (wrapped, with a message saying what the
	// data looks like instead) when data is not one age identity: empty,
	// binary or too large, another tool's key, several keys, a plugin
	// identity, or an age file that is damaged or not encrypted with a
	// passphrase.
	ErrNotIdentityFile = errors.New("not an age identity file")
)

// notIdentityError is an error that wraps ErrNotIdentityFile with a message
// of its own, so that the text reads as one sentence.
type notIdentityError struct{ msg string }

func (e *notIdentityError) Error() string { return e.msg }
func (e *notIdentityError) Unwrap() error { return ErrNotIdentityFile }

func notIdentity(format string, a ...any) error {
	return &notIdentityError{msg: fmt.Sprintf(format, a...)}
}

// PermissionError is returned by [ReadIdentityFile] for an identity file that
// others may read or write: on Unix, one whose mode gives group or others
// any permission; on Windows, one whose owner or access list lets anyone
// but the current user, SYSTEM and the Administrators group read or change
// it.
//
// [ReadPassphraseFile] returns it too, for a passphrase file, with File
// set.
type PermissionError struct {
	Path string
	// File names what the file is, "passphrase file"; empty means an
	// identity file.
	File string
	// Mode is the file's mode: what is wrong on Unix.
	Mode fs.FileMode
	// Owner names, on Windows, the file's owner if that is another account
	// (DOMAIN\name, or a SID): an owner may always change who has access.
	Owner string
	// Others names, on Windows, the accounts that the file's access list
	// lets read or change it. Empty on Unix.
	Others []string
}

func (e *PermissionError) Error() string {
	detail := (&private.ExposedError{Mode: e.Mode, Owner: e.Owner, Others: e.Others}).Detail()
	what := e.File
	if what == "" {
		what = "identity file"
	}
	return fmt.Sprintf("%s %s is accessible by others (%s)", what, e.Path, detail)
}

// FileOptions configures [WriteIdentityFile]. The zero value uses age's
// defaults.
type FileOptions struct {
	// WorkFactor is the scrypt work factor, log2(N), used when writing a
	// passphrase-protected file; 0 means age's default,
	// [DefaultScryptWorkFactor] (about one second).
	// At most 22, the highest the age CLI accepts by default. Tests set a low
	// value (such as 10) so that they run fast.
	WorkFactor int
}

// WriteIdentityFile writes id to a new file at path that only the current
// user can use: mode 0600 on Unix, an access list granting only that user
// on Windows (see internal/private). It never overwrites: if path exists
// the error wraps [fs.ErrExist].
//
// The plain content is what age-keygen writes:
//
//	# created: <RFC 3339 time>
//	# public key: <recipient>
//	<secret key>
//
// If passphrase is not empty, the file holds that content encrypted exactly
// as "age -p -a" would: an armored age file with a single scrypt stanza.
// Either way the age CLI can use the file with "age -d -i".
//
// The file is synced to disk before WriteIdentityFile returns; on any error
// the partially written file is removed.
func WriteIdentityFile(path string, id *Identity, passphrase string, opts FileOptions) error {
	if id == nil || id.k == nil {
		return errors.New("no identity to write")
	}
	if opts.WorkFactor < 0 || opts.WorkFactor > maxScryptWorkFactor {
		return fmt.Errorf("scrypt work factor %d is out of range (1 to %d, or 0 for the default)",
			opts.WorkFactor, maxScryptWorkFactor)
	}

	if passphrase != "" && id.k.plugin != "" {
		return errors.New("a plugin identity file is not encrypted with a passphrase: the token guards the key")
	}
	// The file is created first, so that an existing file is reported
	// before spending a second on scrypt.
	return writeNewPrivateFile(path, "identity file", func() ([]byte, error) {
		content := identityFileContent(id, time.Now())
		if passphrase == "" {
			return content, nil
		}
		return encryptIdentityFile(content, passphrase, opts.WorkFactor)
	})
}

// identityFileContent returns the identity file age-keygen would write.
func identityFileContent(id *Identity, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# created: %s\n", now.Format(time.RFC3339))
	fmt.Fprintf(&b, "# public key: %s\n", id.Recipient())
	fmt.Fprintf(&b, "%s\n", id.Secret())
	return b.Bytes()
}

// encryptIdentityFile returns plaintext encrypted as "age -p -a" would.
func encryptIdentityFile(plaintext []byte, passphrase string, workFactor int) ([]byte, error) {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("failed to encrypt identity file: %w", err)
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var buf bytes.Buffer
	a := armor.NewWriter(&buf)
	w, err := age.Encrypt(a, r)
	if err != nil {
		return nil, fmt.Errorf("failed to encrypt identity file: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("failed to encrypt identity file: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("failed to encrypt identity file: %w", err)
	}
	if err := a.Close(); err != nil {
		return nil, fmt.Errorf("failed to armor identity file: %w", err)
	}
	return buf.Bytes(), nil
}

// syncDir makes the new directory entry of a created file durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Directories can't be opened for syncing on Windows; NTFS
		// journals the metadata.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// ReadIdentityFile reads the identity file at path, as [ParseIdentityFile]
// does. It first refuses, with a *[PermissionError], a file that others may
// read or write: on Unix one whose mode gives group or others any
// permission (mode&0077 != 0); on Windows, where those bits mean nothing,
// one whose owner or access list lets anyone but the current user, SYSTEM
// and the Administrators group read or change it (SYSTEM and
// Administrators can read every file anyway, as root can on Unix).
//
// The error does not include path except where noted; callers add it.
func ReadIdentityFile(path string, passphrase func() (string, error)) (*Identity, error) {
	data, err := readPrivateFile(path, "", maxIdentityFileSize)
	if err != nil {
		return nil, err
	}
	return ParseIdentityFile(data, passphrase)
}

// ParseIdentityFile parses an identity file holding exactly one age secret
// key. It accepts:
//
//   - a plain age identity file, as age-keygen writes it: one secret key line,
//     plus any number of empty lines and lines starting with "#";
//   - that file encrypted with a passphrase, armored ("age -p -a") or binary
//     ("age -p").
//
// passphrase is called, at most once, only when the data is encrypted with
// a passphrase; an error it returns is returned wrapped. A passphrase that
// does not decrypt the file yields [ErrWrongPassphrase]. Anything that is not
// exactly one age secret key, including data larger than 64 KiB, yields an
// error wrapping [ErrNotIdentityFile] that says what the data looks like.
//
// An encrypted file whose scrypt work factor is above 22 is refused, as the
// age CLI does.
func ParseIdentityFile(data []byte, passphrase func() (string, error)) (*Identity, error) {
	return parseIdentityFile(data, passphrase, maxScryptWorkFactor)
}

func parseIdentityFile(data []byte, passphrase func() (string, error), maxWorkFactor int) (*Identity, error) {
	if len(data) > maxIdentityFileSize {
		return nil, notIdentity("identity file is too large (over %d KiB)", maxIdentityFileSize>>10)
	}

	// Detect the format as the age CLI does (cmd/age parseIdentitiesFile).
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte(armor.Header)):
		ciphertext, err := io.ReadAll(armor.NewReader(bytes.NewReader(data)))
		if err != nil {
			// armor errors may quote a line of the file: don't pass them on.
			return nil, notIdentity("identity file is armored age data but the armor is damaged")
		}
		return parseEncryptedIdentityFile(ciphertext, passphrase, maxWorkFactor)
	case bytes.HasPrefix(data, []byte("age-encryption.org/")):
		return parseEncryptedIdentityFile(data, passphrase, maxWorkFactor)
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN ")):
		return nil, pemError(trimmed)
	default:
		return parsePlainIdentityFile(data)
	}
}

func parseEncryptedIdentityFile(ciphertext []byte, passphrase func() (string, error), maxWorkFactor int) (*Identity, error) {
	// Parse the header on its own first: age's header parse errors may
	// quote a line of the file, so they are not passed on.
	if _, err := age.ExtractHeader(bytes.NewReader(ciphertext)); err != nil {
		return nil, notIdentity("identity file is a damaged or unsupported age encrypted file")
	}
	id := &lazyScryptIdentity{passphrase: passphrase, maxWorkFactor: maxWorkFactor}
	r, err := age.Decrypt(bytes.NewReader(ciphertext), id)
	if id.err != nil {
		// Already a complete sentence, such as ErrWrongPassphrase.
		return nil, id.err
	}
	if e := new(age.NoIdentityMatchError); errors.As(err, &e) {
		return nil, notIdentity("identity file is encrypted with age but not with a passphrase")
	}
	if err != nil {
		// What remains ("bad header MAC") doesn't quote the file.
		return nil, fmt.Errorf("failed to decrypt identity file: %w", err)
	}
	plaintext, err := io.ReadAll(io.LimitReader(r, maxIdentityFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to decrypt identity file: %w", err)
	}
	if len(plaintext) > maxIdentityFileSize {
		return nil, notIdentity("encrypted identity file is too large (over %d KiB)", maxIdentityFileSize>>10)
	}
	return parsePlainIdentityFile(plaintext)
}

// lazyScryptIdentity asks for the passphrase only on meeting a valid scrypt
// stanza, as cmd/age's LazyScryptIdentity does, and turns a wrong passphrase
// into ErrWrongPassphrase.
type lazyScryptIdentity struct {
	passphrase    func() (string, error)
	maxWorkFactor int
	// err is the error Unwrap returned, if any, so that it can be told
	// apart from age's own errors.
	err error
}

var _ age.Identity = (*lazyScryptIdentity)(nil)

// workFactorRe matches a canonical work factor of one or two digits, as age
// requires (no leading zero); anything longer is far above any maximum.
var workFactorRe = regexp.MustCompile(`^[1-9][0-9]?$`)

func (i *lazyScryptIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	fileKey, err := i.unwrap(stanzas)
	if err != nil && err != age.ErrIncorrectIdentity {
		i.err = err
	}
	return fileKey, err
}

func (i *lazyScryptIdentity) unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type == "scrypt" && len(stanzas) != 1 {
			return nil, notIdentity("identity file has an scrypt stanza that is not the only one")
		}
	}
	if len(stanzas) != 1 || stanzas[0].Type != "scrypt" {
		return nil, age.ErrIncorrectIdentity
	}
	// Check the work factor before asking for a passphrase, and without
	// quoting the stanza: age quotes a malformed work factor verbatim.
	s := stanzas[0]
	if len(s.Args) != 2 || !workFactorRe.MatchString(s.Args[1]) {
		return nil, notIdentity("identity file has a malformed scrypt stanza")
	}
	logN, _ := strconv.Atoi(s.Args[1])
	if logN > i.maxWorkFactor {
		// Not ErrNotIdentityFile: it may well be one, just too costly to open.
		return nil, fmt.Errorf("identity file's scrypt work factor %d is above the maximum of %d", logN, i.maxWorkFactor)
	}

	if i.passphrase == nil {
		return nil, errors.New("identity file is encrypted with a passphrase but none was provided")
	}
	pass, err := i.passphrase()
	if err != nil {
		return nil, fmt.Errorf("failed to get passphrase for identity file: %w", err)
	}
	if pass == "" {
		return nil, ErrWrongPassphrase
	}
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, fmt.Errorf("failed to decrypt identity file: %w", err)
	}
	id.SetMaxWorkFactor(i.maxWorkFactor)
	fileKey, err := id.Unwrap(stanzas)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		// The remaining errors (bad salt, bad body size) don't quote the file.
		return nil, fmt.Errorf("failed to decrypt identity file: %w", err)
	}
	return fileKey, nil
}

// parsePlainIdentityFile parses an unencrypted identity file, following
// age.ParseIdentities: lines are separated by "\n" (a trailing "\r" is
// dropped), empty lines and lines starting with "#" are ignored.
func parsePlainIdentityFile(data []byte) (*Identity, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, notIdentity("identity file is empty")
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		if isBinaryPGP(data) {
			return nil, notIdentity("file is a binary PGP key, not an age identity")
		}
		return nil, notIdentity("identity file is binary data, not an age identity")
	}
	// Error messages name line numbers only, never line contents: a line
	// may be a secret key with a typo.
	var id *Identity
	for n, line := range strings.Split(string(data), "\n") {
		n++
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-"):
			i, err := ParseIdentity(line)
			if err != nil {
				return nil, notIdentity("identity file line %d: %v", n, err)
			}
			if id != nil {
				return nil, notIdentity("identity file holds more than one secret key (line %d), expected exactly one", n)
			}
			id = i
		case strings.HasPrefix(line, "AGE-PLUGIN-"):
			return nil, notIdentity("identity file line %d: %v", n, errPluginIdentity)
		case strings.HasPrefix(line, "age1"):
			return nil, notIdentity("identity file line %d is an age recipient (a public key), not a secret key", n)
		case strings.HasPrefix(line, "ssh-"), strings.HasPrefix(line, "ecdsa-sha2-"), strings.HasPrefix(line, "sk-"):
			return nil, notIdentity("file is an SSH public key, not an age identity")
		case strings.HasPrefix(line, "-----BEGIN "):
			return nil, pemError([]byte(line))
		default:
			return nil, notIdentity("identity file line %d is not an age secret key", n)
		}
	}
	if id == nil {
		return nil, notIdentity("identity file holds no secret key")
	}
	return id, nil
}

// pemError describes a PEM block that is not an age encrypted file. Only
// well-known block types are named; an unknown one is not quoted.
func pemError(data []byte) error {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	typ := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(line)), "-----BEGIN "), "-----")
	switch {
	case typ == "OPENSSH PRIVATE KEY":
		return notIdentity("file is an OpenSSH private key, not an age identity")
	case typ == "PRIVATE KEY" || typ == "ENCRYPTED PRIVATE KEY" || strings.HasSuffix(typ, " PRIVATE KEY"):
		return notIdentity("file is a PEM private key, not an age identity")
	case typ == "PGP PRIVATE KEY BLOCK" || typ == "PGP PUBLIC KEY BLOCK":
		return notIdentity("file is a PGP key, not an age identity")
	case strings.HasPrefix(typ, "PGP "):
		return notIdentity("file is PGP data, not an age identity")
	case typ == "CERTIFICATE":
		return notIdentity("file is an X.509 certificate, not an age identity")
	default:
		return notIdentity("file is a PEM file, not an age identity")
	}
}

// isBinaryPGP reports whether data starts like an OpenPGP secret or public
// key packet (RFC 9580, section 4.2), in the old or the new packet format.
func isBinaryPGP(data []byte) bool {
	if len(data) == 0 || data[0]&0x80 == 0 {
		return false
	}
	var tag byte
	if data[0]&0x40 != 0 {
		tag = data[0] & 0x3f // new format
	} else {
		tag = (data[0] >> 2) & 0x0f // old format
	}
	switch tag {
	case 5, 6: // Secret-Key, Public-Key
		return true
	}
	return false
}
