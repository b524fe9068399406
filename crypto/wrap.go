package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// maxWrappedSize caps the plaintext of [Wrap] and [Unwrap]: they carry slot
// secrets and DEK shares, a few kilobytes at most.
const maxWrappedSize = 64 << 10

// Wrap encrypts a small secret, such as a slot secret or a DEK share, to r
// and returns a binary age file. plaintext is at most 64 KiB.
func Wrap(plaintext []byte, r age.Recipient) ([]byte, error) {
	if len(plaintext) > maxWrappedSize {
		return nil, fmt.Errorf("secret to wrap is too large (over %d KiB)", maxWrappedSize>>10)
	}
	if r == nil {
		return nil, errors.New("no recipient to wrap to")
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, fmt.Errorf("failed to wrap secret: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("failed to wrap secret: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("failed to wrap secret: %w", err)
	}
	return buf.Bytes(), nil
}

// Unwrap decrypts an age file made by [Wrap] with the first of ids that
// matches. If none does, the error wraps an *[age.NoIdentityMatchError].
// A plaintext larger than 64 KiB is refused.
func Unwrap(ciphertext []byte, ids ...age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), ids...)
	if err != nil {
		return nil, fmt.Errorf("failed to unwrap secret: %w", err)
	}
	plaintext, err := io.ReadAll(io.LimitReader(r, maxWrappedSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to unwrap secret: %w", err)
	}
	if len(plaintext) > maxWrappedSize {
		return nil, fmt.Errorf("wrapped secret is too large (over %d KiB)", maxWrappedSize>>10)
	}
	return plaintext, nil
}

// GenerateSlotKey returns a new slot key. Slot keys are always post-quantum
// hybrid keys, so that a sealed record resists harvest-now-decrypt-later.
func GenerateSlotKey() (*age.HybridIdentity, error) {
	k, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, fmt.Errorf("failed to generate slot key: %w", err)
	}
	return k, nil
}
