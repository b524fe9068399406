package crypto_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/private"
)

// testOptions makes scrypt fast enough for tests.
var testOptions = tcrypto.FileOptions{WorkFactor: 10}

// fixturePassphrase is the passphrase of the encrypted files in testdata.
const fixturePassphrase = "correct horse battery staple"

func passphrase(p string) func() (string, error) {
	return func() (string, error) { return p, nil }
}

// countingPassphrase returns p and counts the calls.
func countingPassphrase(p string, calls *int) func() (string, error) {
	return func() (string, error) { *calls++; return p, nil }
}

func noPassphrase(t *testing.T) func() (string, error) {
	return func() (string, error) {
		t.Error("passphrase requested for a file that is not encrypted with one")
		return "", errors.New("unexpected passphrase request")
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// keygenFormat matches what age-keygen writes.
var keygenFormat = regexp.MustCompile(`\A# created: (\S+)\n# public key: (age1\S+)\n(AGE-SECRET-KEY-\S+)\n\z`)

func checkKeygenFormat(t *testing.T, content []byte, id *tcrypto.Identity) {
	t.Helper()
	m := keygenFormat.FindSubmatch(content)
	if m == nil {
		t.Fatalf("content is not in age-keygen format (%d bytes)", len(content))
	}
	if created, err := time.Parse(time.RFC3339, string(m[1])); err != nil || time.Since(created) > time.Hour {
		t.Errorf("bad created time %q", m[1])
	}
	if string(m[2]) != id.Recipient() {
		t.Errorf("public key comment is not the recipient")
	}
	if string(m[3]) != id.Secret() {
		t.Errorf("secret key line is not the secret")
	}
	// And age itself reads it.
	ids, err := age.ParseIdentities(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].(interface{ String() string }).String() != id.Secret() {
		t.Errorf("age.ParseIdentities read another identity")
	}
}

func TestWriteIdentityFileEncrypted(t *testing.T) {
	for _, classic := range []bool{false, true} {
		id := mustGenerate(t, classic)
		path := filepath.Join(t.TempDir(), "identity.age")
		const pass = "a long passphrase nobody guesses"
		if err := tcrypto.WriteIdentityFile(path, id, pass, testOptions); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("-----BEGIN AGE ENCRYPTED FILE-----\n")) ||
			!bytes.HasSuffix(data, []byte("\n-----END AGE ENCRYPTED FILE-----\n")) {
			t.Errorf("file is not an armored age file")
		}
		assertNoSecret(t, string(data), id.Secret())
		requirePrivate(t, path)

		// Decrypt it as "age -d" would, with nothing but the age library.
		sid, err := age.NewScryptIdentity(pass)
		if err != nil {
			t.Fatal(err)
		}
		r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data)), sid)
		if err != nil {
			t.Fatal(err)
		}
		plaintext, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		checkKeygenFormat(t, plaintext, id)
		hdr, err := age.ExtractHeader(armor.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`\nage-encryption.org/v1\n-> scrypt \S+ 10\n`).Match(append([]byte("\n"), hdr...)) {
			t.Errorf("header is not a single scrypt stanza with work factor 10:\n%s", hdr)
		}

		// Read it back.
		calls := 0
		got, err := tcrypto.ReadIdentityFile(path, countingPassphrase(pass, &calls))
		if err != nil {
			t.Fatal(err)
		}
		if got.Secret() != id.Secret() || got.PostQuantum() != id.PostQuantum() {
			t.Errorf("read back another identity")
		}
		if calls != 1 {
			t.Errorf("passphrase requested %d times, want 1", calls)
		}
		if _, err := tcrypto.ReadIdentityFile(path, passphrase("wrong")); !errors.Is(err, tcrypto.ErrWrongPassphrase) {
			t.Errorf("wrong passphrase: got %v, want ErrWrongPassphrase", err)
		}

		// Never overwrite.
		other := mustGenerate(t, classic)
		err = tcrypto.WriteIdentityFile(path, other, "", testOptions)
		if !errors.Is(err, fs.ErrExist) {
			t.Errorf("second write: got %v, want an error wrapping fs.ErrExist", err)
		}
		if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, data) {
			t.Errorf("second write changed or removed the first file")
		}
	}
}

func TestWriteIdentityFilePlain(t *testing.T) {
	for _, classic := range []bool{false, true} {
		id := mustGenerate(t, classic)
		path := filepath.Join(t.TempDir(), "identity.txt")
		if err := tcrypto.WriteIdentityFile(path, id, "", tcrypto.FileOptions{}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkKeygenFormat(t, data, id)
		got, err := tcrypto.ReadIdentityFile(path, noPassphrase(t))
		if err != nil {
			t.Fatal(err)
		}
		if got.Secret() != id.Secret() {
			t.Errorf("read back another identity")
		}
	}
}

func TestWriteIdentityFileErrors(t *testing.T) {
	dir := t.TempDir()
	id := mustGenerate(t, true)
	for _, wf := range []int{-1, 23, 31} {
		path := filepath.Join(dir, "wf")
		if err := tcrypto.WriteIdentityFile(path, id, "pass", tcrypto.FileOptions{WorkFactor: wf}); err == nil {
			t.Errorf("work factor %d accepted", wf)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("work factor %d: file left behind", wf)
		}
	}
	if err := tcrypto.WriteIdentityFile(filepath.Join(dir, "nil"), nil, "", testOptions); err == nil {
		t.Errorf("nil identity accepted")
	}
	if err := tcrypto.WriteIdentityFile(filepath.Join(dir, "missing", "id"), id, "", testOptions); err == nil {
		t.Errorf("write into a missing directory succeeded")
	}
	// A dangling symlink is not followed.
	link := filepath.Join(dir, "link")
	target := filepath.Join(dir, "target")
	if err := os.Symlink(target, link); err != nil {
		// Windows lets only administrators and developer mode make links.
		t.Logf("no symbolic link to test with: %v", err)
		return
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Logf("os.Symlink made no symbolic link (wine): %v", err)
		return
	}
	if err := tcrypto.WriteIdentityFile(link, id, "", testOptions); !errors.Is(err, fs.ErrExist) {
		t.Errorf("write through a symlink: got %v, want fs.ErrExist", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("symlink target was created")
	}
}

// TestParseIdentityFileFixtures reads files made by the age v1.3.2 CLI
// (see testdata/README.md).
func TestParseIdentityFileFixtures(t *testing.T) {
	for _, tt := range []struct {
		file      string
		secret    string
		encrypted bool
	}{
		{"x25519.txt", katX25519Secret, false},
		{"pq.txt", katPQSecret, false},
		{"x25519.txt.age", katX25519Secret, true},
		{"x25519.txt.age.armor", katX25519Secret, true},
		{"pq.txt.age.armor", katPQSecret, true},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, tt.file)
			calls := 0
			id, err := tcrypto.ParseIdentityFile(data, countingPassphrase(fixturePassphrase, &calls))
			if err != nil {
				t.Fatal(err)
			}
			if id.Secret() != tt.secret {
				t.Errorf("read another identity")
			}
			if want := map[bool]int{false: 0, true: 1}[tt.encrypted]; calls != want {
				t.Errorf("passphrase requested %d times, want %d", calls, want)
			}
			if !tt.encrypted {
				return
			}
			for _, wrong := range []string{"wrong", "", fixturePassphrase + " "} {
				_, err := tcrypto.ParseIdentityFile(data, passphrase(wrong))
				if !errors.Is(err, tcrypto.ErrWrongPassphrase) {
					t.Errorf("passphrase %q: got %v, want ErrWrongPassphrase", wrong, err)
				}
				if errors.Is(err, tcrypto.ErrNotIdentityFile) {
					t.Errorf("wrong passphrase also reported as not an identity file")
				}
			}
			errCanceled := errors.New("prompt canceled")
			_, err = tcrypto.ParseIdentityFile(data, func() (string, error) { return "", errCanceled })
			if !errors.Is(err, errCanceled) {
				t.Errorf("passphrase error not propagated: %v", err)
			}
			if _, err := tcrypto.ParseIdentityFile(data, nil); err == nil {
				t.Errorf("nil passphrase func accepted")
			}
		})
	}
}

func TestParseIdentityFileFormats(t *testing.T) {
	plain := string(readFixture(t, "x25519.txt"))
	armored := string(readFixture(t, "x25519.txt.age.armor"))
	for name, data := range map[string]string{
		"bare key":             katX25519Secret,
		"bare key newline":     katX25519Secret + "\n",
		"CRLF":                 strings.ReplaceAll(plain, "\n", "\r\n"),
		"blank lines":          "\n\n# a\n\n" + katX25519Secret + "\n\n#b\n",
		"armor with space":     "\n  \n" + armored + "\n\n",
		"armor with CRLF":      strings.ReplaceAll(armored, "\n", "\r\n"),
		"pq with comment only": "#\n" + katPQSecret,
	} {
		if _, err := tcrypto.ParseIdentityFile([]byte(data), passphrase(fixturePassphrase)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseIdentityFileNotIdentity(t *testing.T) {
	rnd := make([]byte, 1024)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(rnd)

	x := mustGenerate(t, true)
	pq := mustGenerate(t, false)
	// An age file encrypted to a recipient rather than a passphrase.
	toRecipient, err := tcrypto.Wrap(readFixture(t, "x25519.txt"), x.AgeRecipient())
	if err != nil {
		t.Fatal(err)
	}

	for name, tc := range map[string]struct {
		data    string
		wantMsg string
	}{
		"empty":            {"", "empty"},
		"whitespace":       {" \n\t\n", "empty"},
		"comments only":    {"# created: now\n# public key: age1…\n", "no secret key"},
		"random bytes":     {string(rnd), "binary"},
		"NUL":              {katX25519Secret + "\x00", "binary"},
		"openssh":          {string(readFixture(t, "openssh_ed25519")), "OpenSSH private key"},
		"pgp secret":       {string(readFixture(t, "pgp_secret.asc")), "PGP key"},
		"pgp public":       {string(readFixture(t, "pgp_public.asc")), "PGP key"},
		"pgp binary":       {string(readFixture(t, "pgp_secret.gpg")), "binary PGP key"},
		"pgp message":      {"-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----\n", "PGP data"},
		"rsa pem":          {"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n", "PEM private key"},
		"pkcs8 pem":        {"-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----\n", "PEM private key"},
		"certificate":      {"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "certificate"},
		"other pem":        {"-----BEGIN SOMETHING-----\nMIIB\n-----END SOMETHING-----\n", "PEM file"},
		"ssh public":       {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN me\n", "SSH public key"},
		"two keys":         {katX25519Secret + "\n" + katPQSecret + "\n", "more than one"},
		"same key twice":   {katX25519Secret + "\n" + katX25519Secret + "\n", "more than one"},
		"plugin":           {"# yubikey\nAGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n", "plain identity file"},
		"recipient":        {x.Recipient() + "\n", "recipient"},
		"pq recipient":     {pq.Recipient() + "\n", "recipient"},
		"signing key":      {x.Card().SigningKey + "\n", "line 1 is not an age secret key"},
		"indented key":     {"# k\n  " + katX25519Secret + "\n", "line 2 is not an age secret key"},
		"lower-case key":   {strings.ToLower(katX25519Secret) + "\n", "line 1 is not an age secret key"},
		"key with space":   {katX25519Secret + " \n", "line 1: malformed"},
		"encrypted to key": {string(toRecipient), "not with a passphrase"},
		"age v2":           {"age-encryption.org/v2\n-> X\n--- A\n", "damaged or unsupported"},
		"truncated age":    {string(readFixture(t, "x25519.txt.age")[:60]), "damaged"},
		"bad armor":        {"-----BEGIN AGE ENCRYPTED FILE-----\n!!!!\n-----END AGE ENCRYPTED FILE-----\n", "armor is damaged"},
		"armor no footer":  {"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n", "armor is damaged"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tcrypto.ParseIdentityFile([]byte(tc.data), noPassphrase(t))
			if !errors.Is(err, tcrypto.ErrNotIdentityFile) {
				t.Fatalf("got %v, want an error wrapping ErrNotIdentityFile", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tc.wantMsg)
			}
			checkErrorStyle(t, err)
		})
	}
}

// checkErrorStyle checks the house style: one line, no trailing period.
func checkErrorStyle(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") || strings.HasSuffix(msg, ".") || msg == "" {
		t.Errorf("error %q is not one line without a trailing period", msg)
	}
}

func TestParseIdentityFileSizeLimit(t *testing.T) {
	const limit = 64 << 10
	pad := func(n int) []byte {
		key := katX25519Secret + "\n"
		var b bytes.Buffer
		for b.Len() < n-len(key)-2 {
			b.WriteString("#\n")
		}
		b.WriteString(strings.Repeat("#", n-len(key)-b.Len()-1) + "\n")
		b.WriteString(key)
		if b.Len() != n {
			t.Fatalf("padded to %d bytes, want %d", b.Len(), n)
		}
		return b.Bytes()
	}
	if _, err := tcrypto.ParseIdentityFile(pad(limit), noPassphrase(t)); err != nil {
		t.Errorf("64 KiB file refused: %v", err)
	}
	_, err := tcrypto.ParseIdentityFile(pad(limit+1), noPassphrase(t))
	if !errors.Is(err, tcrypto.ErrNotIdentityFile) || !strings.Contains(err.Error(), "too large") {
		t.Errorf("64 KiB + 1 file: got %v, want a too large error", err)
	}

	// ReadIdentityFile doesn't read much more than the limit either.
	path := filepath.Join(t.TempDir(), "big")
	writePrivate(t, path, append(pad(limit+1), make([]byte, 1<<20)...))
	if _, err := tcrypto.ReadIdentityFile(path, noPassphrase(t)); !errors.Is(err, tcrypto.ErrNotIdentityFile) {
		t.Errorf("big file: got %v", err)
	}
}

// writePrivate writes data to a new file that only the current user can
// use, as ReadIdentityFile requires (on Windows, os.WriteFile's mode means
// nothing: the file would get its folder's access list).
func writePrivate(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := private.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParseIdentityFileWorkFactorLimit(t *testing.T) {
	data := readFixture(t, "x25519.txt.age")
	// Raise the work factor in the header from 10 to 23: refused before the
	// passphrase is asked for and before any scrypt work.
	high := bytes.Replace(data, []byte(" 10\n"), []byte(" 23\n"), 1)
	if bytes.Equal(high, data) {
		t.Fatal("fixture header not found")
	}
	_, err := tcrypto.ParseIdentityFile(high, noPassphrase(t))
	if err == nil || !strings.Contains(err.Error(), "23") {
		t.Errorf("got %v, want a work factor error", err)
	}
	for _, bad := range []string{" 0\n", " 010\n", " 1e3\n", " 999\n"} {
		mangled := bytes.Replace(data, []byte(" 10\n"), []byte(bad), 1)
		if _, err := tcrypto.ParseIdentityFile(mangled, noPassphrase(t)); err == nil {
			t.Errorf("work factor %q accepted", bad)
		}
	}
}

// TestParseErrorsDoNotIncludeSecrets feeds secret-looking input in every
// position a parser might quote it, as age's TestParseErrorsDoNotIncludeLine.
func TestParseErrorsDoNotIncludeSecrets(t *testing.T) {
	x := mustGenerate(t, true).Secret()
	pq := mustGenerate(t, false).Secret()
	badX := x[:len(x)-1] + flip(x[len(x)-1])
	badPQ := pq[:len(pq)-1] + flip(pq[len(pq)-1])
	plugin := "AGE-PLUGIN-PQ-" + strings.TrimPrefix(pq, "AGE-SECRET-KEY-PQ-")
	const secretPhrase = "my-passphrase-is-hunter2-hunter2"
	armoredFixture := string(readFixture(t, "x25519.txt.age.armor"))
	binaryFixture := string(readFixture(t, "x25519.txt.age"))
	firstArmorLine := strings.Split(armoredFixture, "\n")[1]

	type input struct {
		data       string
		secrets    []string
		passphrase string
	}
	inputs := map[string]input{
		"bad x25519 key":      {"# c\n" + badX + "\n", []string{badX}, ""},
		"bad pq key":          {"# c\n" + badPQ + "\n", []string{badPQ}, ""},
		"key with space":      {x + " \n", []string{x}, ""},
		"two keys":            {x + "\n" + pq + "\n", []string{x, pq}, ""},
		"key then junk":       {x + "\n" + secretPhrase + "\n", []string{x, secretPhrase}, ""},
		"plugin":              {plugin + "\n", []string{plugin}, ""},
		"phrase line":         {"#\n" + secretPhrase + "\n", []string{secretPhrase}, ""},
		"recipient then key":  {"age1" + secretPhrase + "\n" + x, []string{secretPhrase, x}, ""},
		"pem type":            {"-----BEGIN " + x + "-----\n", []string{x}, ""},
		"armor closing line":  {"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n" + x + "\n", []string{x}, ""},
		"armor first line":    {"-----BEGIN AGE ENCRYPTED FILE-----X\n" + x + "\n", []string{x}, ""},
		"armor then key":      {"-----BEGIN AGE ENCRYPTED FILE-----\n" + firstArmorLine + "\n" + x + "\n", []string{x}, ""},
		"age header line":     {"age-encryption.org/v1\n" + x + "\n--- AAAA\n", []string{x}, ""},
		"age stanza":          {"age-encryption.org/v1\n-> " + x + "\n\n--- AAAA\n", []string{x}, ""},
		"age stanza body":     {"age-encryption.org/v1\n-> X25519 AAAA\n" + x + "\n--- AAAA\n", []string{x}, ""},
		"scrypt work factor":  {strings.Replace(binaryFixture, " 10\n", " "+x+"\n", 1), []string{x}, ""},
		"scrypt extra arg":    {strings.Replace(binaryFixture, " 10\n", " 10 "+x+"\n", 1), []string{x}, ""},
		"wrong passphrase":    {binaryFixture, []string{secretPhrase}, secretPhrase},
		"wrong passphrase pq": {string(readFixture(t, "pq.txt.age.armor")), []string{secretPhrase}, secretPhrase},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			_, err := tcrypto.ParseIdentityFile([]byte(in.data), passphrase(in.passphrase))
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, s := range in.secrets {
				assertNoSecret(t, err.Error(), s)
			}
			checkErrorStyle(t, err)
		})
	}
}

// TestAgeCLICompatibility checks files against the real age CLI when it and
// age-plugin-batchpass (for a non-interactive passphrase) are installed.
func TestAgeCLICompatibility(t *testing.T) {
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("age CLI not installed")
	}
	if _, err := exec.LookPath("age-plugin-batchpass"); err != nil {
		t.Skip("age-plugin-batchpass not installed")
	}
	const pass = "cli compatibility passphrase"
	for _, classic := range []bool{false, true} {
		id := mustGenerate(t, classic)
		dir := t.TempDir()
		encPath := filepath.Join(dir, "enc.age")
		plainPath := filepath.Join(dir, "plain.txt")
		if err := tcrypto.WriteIdentityFile(encPath, id, pass, testOptions); err != nil {
			t.Fatal(err)
		}
		if err := tcrypto.WriteIdentityFile(plainPath, id, "", testOptions); err != nil {
			t.Fatal(err)
		}

		// age -d decrypts the encrypted identity file to the plain one.
		cmd := exec.Command(agePath, "-d", "-j", "batchpass", encPath)
		cmd.Env = append(os.Environ(), "AGE_PASSPHRASE="+pass)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("age -d: %v", err)
		}
		checkKeygenFormat(t, out, id)

		// age -e to the recipient, age -d -i with the plain identity file,
		// and our identity decrypts what age encrypted.
		msg := "testimony"
		cmd = exec.Command(agePath, "-e", "-r", id.Recipient())
		cmd.Stdin = strings.NewReader(msg)
		ct, err := cmd.Output()
		if err != nil {
			t.Fatalf("age -e: %v", err)
		}
		cmd = exec.Command(agePath, "-d", "-i", plainPath)
		cmd.Stdin = bytes.NewReader(ct)
		if out, err := cmd.Output(); err != nil || string(out) != msg {
			t.Errorf("age -d -i: %q, %v", out, err)
		}
		if got, err := tcrypto.Unwrap(ct, id.AgeIdentity()); err != nil || string(got) != msg {
			t.Errorf("Unwrap of an age CLI file: %q, %v", got, err)
		}
	}
}
