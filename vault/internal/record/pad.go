package record

import (
	"bytes"
	"math/bits"

	"github.com/tvault/tvault/vault/internal/fault"
)

// Record header formats. The format a header names tells a reader how the
// plaintext inside each of the record's age files is laid out. It is
// signed with the rest of the header, so it cannot be changed without the
// sealer's key.
const (
	// FormatUnpadded records (sealed before padding, in format 2 vaults):
	// a blob's plaintext is exactly its content.
	FormatUnpadded = 2
	// FormatPadded records: a blob's plaintext is its content followed by
	// zero bytes up to PaddedSize(len(content)), so that a ciphertext's
	// size does not confirm a known recording or the length of a text.
	FormatPadded = 3
	// FormatCurrent is the format new records are sealed in.
	FormatCurrent = FormatPadded
)

// MinPaddedSize is the smallest padded plaintext: everything shorter — a
// class manifest with a few fields, a short transcript — is padded to it,
// so that a short manifest does not give away the length of the text in it.
const MinPaddedSize = 4 << 10

// maxPaddable bounds the sizes PaddedSize rounds; no real blob comes near
// it, and it keeps the rounding free of overflow.
const maxPaddable = 1 << 62

// PaddedSize returns the length a blob of n content bytes is padded to in
// a FormatPadded record: Padmé (Nikitin et al., PETS 2019) of n, at least
// MinPaddedSize. Padmé keeps the top ⌊log₂ E⌋+1 bits of a length whose
// highest set bit is bit E and rounds the rest up, so a padded length leaks
// O(log log n) bits of n at an overhead of at most 1/2^(⌊log₂ E⌋+1): ≤ 6.25 %
// from 4 KiB to 64 KiB, ≤ 3.13 % from 64 KiB to 4 GiB, ≤ 1.57 % above.
func PaddedSize(n int64) int64 {
	if n <= MinPaddedSize {
		return MinPaddedSize
	}
	if n >= maxPaddable {
		return n
	}
	e := bits.Len64(uint64(n)) - 1 // ⌊log₂ n⌋
	s := bits.Len64(uint64(e))     // ⌊log₂ e⌋ + 1
	mask := int64(1)<<(e-s) - 1
	return (n + mask) &^ mask
}

// Padded reports whether the record's blobs are padded.
func (h *Header) Padded() bool { return h.Format >= FormatPadded }

// knownFormat reports whether this package reads records of format f.
func knownFormat(f int) bool { return f == FormatUnpadded || f == FormatPadded }

// MaxManifestPlaintext caps the decrypted plaintext of a class manifest:
// the largest accepted manifest, padded.
var MaxManifestPlaintext = PaddedSize(MaxManifestJSON)

// UnpadManifest returns the JSON of a decrypted class manifest. A manifest
// records no length of its own: in a padded record its content is a JSON
// object, which ends with its closing brace, and everything after that
// brace must be zero bytes, exactly up to that content's padded size.
// Anything else — padding that is not zeros (whitespace included), a
// padded length that is not the one PaddedSize gives — is refused, so
// that padding can carry no hidden data.
func UnpadManifest(b []byte, recordID, class string, padded bool) ([]byte, error) {
	if !padded {
		return b, nil
	}
	content := bytes.TrimRight(b, "\x00")
	if !bytes.HasSuffix(content, []byte("}")) || int64(len(b)) != PaddedSize(int64(len(content))) || len(content) > MaxManifestJSON {
		return nil, fault.Integrityf("record %s: the manifest of class %s is not padded as its format requires", recordID, class)
	}
	return content, nil
}
