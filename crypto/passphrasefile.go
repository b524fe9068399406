package crypto

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/tvault/tvault/internal/private"
)

// MaxPassphraseFile caps what is read of a passphrase file: a passphrase is
// one line.
const MaxPassphraseFile = 4096

// ReadPassphraseFile returns the passphrase in the file at path: its first
// line, without the line ending. Like [ReadIdentityFile], it first refuses,
// with a *[PermissionError] whose File is "passphrase file", a file that
// others may read or change (see internal/private's Check): a passphrase
// that others can read protects an identity file no better than none, and
// one that others can change lets them choose it.
//
// Errors name path but never quote the file's content.
func ReadPassphraseFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the passphrase file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read the passphrase file: %w", err)
	}
	if fi.IsDir() {
		return "", fmt.Errorf("the passphrase file %s is a directory", path)
	}
	// The open file, not the path: what is checked is what is read.
	if err := private.Check(f); err != nil {
		var xe *private.ExposedError
		if errors.As(err, &xe) {
			return "", &PermissionError{Path: path, File: "passphrase file", Mode: xe.Mode, Owner: xe.Owner, Others: xe.Others}
		}
		return "", fmt.Errorf("failed to read the passphrase file's permissions: %w", err)
	}
	b, err := bufio.NewReaderSize(f, MaxPassphraseFile).ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("the passphrase file's first line is longer than %d bytes; it should hold the passphrase alone", MaxPassphraseFile)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return "", errors.New("the passphrase file is empty")
	}
	return string(b), nil
}
