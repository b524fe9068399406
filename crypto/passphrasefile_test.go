package crypto_test

import (
	"path/filepath"
	"strings"
	"testing"

	tcrypto "github.com/tvault/tvault/crypto"
)

// TestReadPassphraseFile: the first line, without its ending, and clear
// refusals that never quote the file.
func TestReadPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, data, want, err string
	}{
		{name: "line", data: "correct horse\n", want: "correct horse"},
		{name: "crlf", data: "correct horse\r\nsecond line\n", want: "correct horse"},
		{name: "no end", data: "correct horse", want: "correct horse"},
		{name: "spaces kept", data: " correct horse \n", want: " correct horse "},
		{name: "empty", data: "", err: "the passphrase file is empty"},
		{name: "empty line", data: "\nsecret\n", err: "the passphrase file is empty"},
		{name: "long", data: strings.Repeat("s", tcrypto.MaxPassphraseFile+1), err: "longer than 4096 bytes"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		writePrivate(t, p, []byte(c.data))
		got, err := tcrypto.ReadPassphraseFile(p)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: got %q, %v; want an error saying %q", c.name, got, err, c.err)
		case c.err != "" && strings.Contains(err.Error(), "sss"):
			t.Errorf("%s: the error quotes the file: %v", c.name, err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := tcrypto.ReadPassphraseFile(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := tcrypto.ReadPassphraseFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "cannot read the passphrase file") {
		t.Errorf("a missing file: %v", err)
	}
}
