package record

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"io"
	"strings"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a random identifier: 12 bytes from crypto/rand as 20
// lower-case base32 characters. It reveals nothing about the record.
func NewID() string {
	var b [12]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		panic("tvault: crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// ValidID reports whether s has the shape of a record id. It is checked
// before any lookup, so that a path-like argument never reaches storage.
func ValidID(s string) bool {
	if len(s) != 20 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// VaultID derives a vault's id from its signed first policy version: the
// id commits to who created the vault and under which policy.
func VaultID(signedPolicy1 []byte) string {
	h := sha256.Sum256(append([]byte("tvault vault id v1\n"), signedPolicy1...))
	return strings.ToLower(idEncoding.EncodeToString(h[:12]))
}

// BlobRecord returns the record id a blob id starts with
// ("<record>-<class>-<n>"), or "" for a blob id too short to have one.
func BlobRecord(blobID string) string {
	if len(blobID) < 20 {
		return ""
	}
	return blobID[:20]
}

// FieldVaultID derives a field vault's own id from its signed origin (the
// kit's digest and the researcher's keys).
func FieldVaultID(signedOrigin []byte) string {
	h := sha256.Sum256(append([]byte("tvault field vault id v1\n"), signedOrigin...))
	return strings.ToLower(idEncoding.EncodeToString(h[:12]))
}
