package vault

import (
	"bytes"
	"io"

	"github.com/tvault/tvault/vault/internal/record"
)

// Padding (DESIGN.md, Cryptography 6): every blob of a record of format
// record.FormatPadded — each attachment and each class manifest — is
// encrypted as its content followed by zero bytes up to
// record.PaddedSize(len(content)), inside the age payload. The stored
// ciphertext, the only size anyone without the DEK sees, then tells the
// padded length alone; the exact size lives in the encrypted manifest.
// Readers never return padding, and check --read-data proves it is zeros
// of exactly the expected length, so that it can hide nothing.

// zeroPad is a source of padding, written in slices of it.
var zeroPad [64 << 10]byte

// writePadding writes the padding of a blob whose content was n bytes.
func writePadding(w io.Writer, n int64) error {
	for left := record.PaddedSize(n) - n; left > 0; {
		k := min(left, int64(len(zeroPad)))
		if _, err := w.Write(zeroPad[:k]); err != nil {
			return err
		}
		left -= k
	}
	return nil
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for len(b) > 0 {
		k := min(len(b), len(zeroPad))
		if !bytes.Equal(b[:k], zeroPad[:k]) {
			return false
		}
		b = b[k:]
	}
	return true
}

// unpadWriter takes a blob's decrypted plaintext: it passes the first
// content bytes on to w and checks that the rest is zero bytes, up to
// exactly total (content padded, or content itself in an unpadded record).
// An error of w comes back unchanged; a plaintext that breaks the layout
// is an integrity error, reported as soon as it shows.
type unpadWriter struct {
	w              io.Writer
	id             string
	content, total int64
	n              int64
}

func newUnpadWriter(w io.Writer, id string, content int64, padded bool) *unpadWriter {
	return &unpadWriter{w: w, id: id, content: content, total: plaintextSize(content, padded)}
}

// plaintextSize is the length of the decrypted plaintext of a blob whose
// content is n bytes, in a padded record or an unpadded one.
func plaintextSize(n int64, padded bool) int64 {
	if padded {
		return record.PaddedSize(n)
	}
	return n
}

func (u *unpadWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > u.total-u.n {
		return 0, integrityErrorf("blob %s: its plaintext is longer than its manifest says", u.id)
	}
	k := 0
	if u.n < u.content {
		k = int(min(int64(len(p)), u.content-u.n))
		m, err := u.w.Write(p[:k])
		u.n += int64(m)
		if err != nil {
			return m, err
		}
	}
	if !allZero(p[k:]) {
		return k, integrityErrorf("blob %s: its padding is not all zero bytes", u.id)
	}
	u.n += int64(len(p) - k)
	return len(p), nil
}

// finish checks that the whole plaintext arrived.
func (u *unpadWriter) finish() error {
	if u.n != u.total {
		return integrityErrorf("blob %s: its plaintext is shorter than its manifest says", u.id)
	}
	return nil
}

// ageHeaderBound bounds the header of a blob's age file: the version line,
// the one tvault-dek stanza naming the blob id, and the MAC line (about
// 200 bytes for the ids tvault makes).
const ageHeaderBound = 1 << 10

// sealedSize bounds the stored size of a blob of n content bytes: its
// padded plaintext, a 16-byte tag per 64 KiB chunk, and its age header.
// It is what a seal checks free space against.
func sealedSize(n int64) int64 {
	p := record.PaddedSize(n)
	return p + 16*(p/(64<<10)+1) + ageHeaderBound
}
