package crypto

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// DEKStanzaType is the type of the age recipient stanza that wraps a file key
// with a DEK: "-> tvault-dek <blob-id>".
const DEKStanzaType = "tvault-dek"

// DEKSize is the size in bytes of a data encryption key.
const DEKSize = 32

// dekInfoPrefix starts the HKDF info string of the wrapping key derivation;
// the blob id follows the NUL byte.
const dekInfoPrefix = "tvault-dek v1\x00"

// fileKeySize is the size of an age file key (age's fileKeySize).
const fileKeySize = 16

// GenerateDEK returns a new random data encryption key of [DEKSize] bytes.
func GenerateDEK() ([]byte, error) {
	dek := make([]byte, DEKSize)
	if _, err := rand.Read(dek); err != nil {
		return nil, fmt.Errorf("failed to generate DEK: %w", err)
	}
	return dek, nil
}

// dekWrappingKey derives the key that wraps the file key of blob blobID:
// HKDF-SHA256(ikm = dek, salt = nil, info = "tvault-dek v1\x00" || blobID).
// Binding the blob id into the key means a stanza can't be moved to another
// blob of the same record.
func dekWrappingKey(dek []byte, blobID string) ([chacha20poly1305.KeySize]byte, error) {
	var key [chacha20poly1305.KeySize]byte
	if len(dek) != DEKSize {
		return key, fmt.Errorf("DEK is %d bytes long, want %d", len(dek), DEKSize)
	}
	if !validBlobID(blobID) {
		return key, errors.New("invalid blob id: want 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'")
	}
	k, err := hkdf.Key(sha256.New, dek, nil, dekInfoPrefix+blobID, len(key))
	if err != nil {
		return key, fmt.Errorf("failed to derive DEK wrapping key: %w", err)
	}
	copy(key[:], k)
	return key, nil
}

// validBlobID reports whether id matches ^[A-Za-z0-9_-]{1,64}$, which also
// makes it a valid age stanza argument.
func validBlobID(id string) bool {
	if len(id) < 1 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// dekRecipient wraps a file key to a (DEK, blob id) pair.
type dekRecipient struct {
	key    [chacha20poly1305.KeySize]byte
	blobID string
	used   atomic.Bool
}

var _ age.Recipient = (*dekRecipient)(nil)
var _ age.RecipientWithLabels = (*dekRecipient)(nil)

// NewDEKRecipient returns an age recipient that wraps the file key with the
// DEK for the blob blobID, producing the single stanza
// "-> tvault-dek <blobID>". blobID must match ^[A-Za-z0-9_-]{1,64}$.
//
// The stanza uses a fixed all-zero nonce, which is safe only because each
// (dek, blobID) pair wraps exactly one file key: blob ids must be unique
// within a record. To help keep that rule, the returned recipient refuses to
// wrap a second time; make a new one per file. It also refuses to be mixed
// with other recipients in the same file.
func NewDEKRecipient(dek []byte, blobID string) (age.Recipient, error) {
	key, err := dekWrappingKey(dek, blobID)
	if err != nil {
		return nil, err
	}
	return &dekRecipient{key: key, blobID: blobID}, nil
}

func (r *dekRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	s, _, err := r.WrapWithLabels(fileKey)
	return s, err
}

// WrapWithLabels implements [age.RecipientWithLabels] with a random label, as
// age's ScryptRecipient does, so that a tvault-dek stanza is always the only
// stanza of its file.
func (r *dekRecipient) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	if len(fileKey) != fileKeySize {
		return nil, nil, fmt.Errorf("file key is %d bytes long, want %d", len(fileKey), fileKeySize)
	}
	// The zero nonce below is safe only if this key wraps one file key.
	if !r.used.CompareAndSwap(false, true) {
		return nil, nil, errors.New("tvault-dek recipient already used: make a new one for each file")
	}
	aead, err := chacha20poly1305.New(r.key[:])
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, chacha20poly1305.NonceSize)
	label := make([]byte, 16)
	if _, err := rand.Read(label); err != nil {
		return nil, nil, err
	}
	s := &age.Stanza{
		Type: DEKStanzaType,
		Args: []string{r.blobID},
		Body: aead.Seal(nil, nonce, fileKey, nil),
	}
	return []*age.Stanza{s}, []string{hex.EncodeToString(label)}, nil
}

// dekIdentity unwraps file keys wrapped by a dekRecipient.
type dekIdentity struct {
	key    [chacha20poly1305.KeySize]byte
	blobID string
}

var _ age.Identity = (*dekIdentity)(nil)

// NewDEKIdentity returns an age identity that unwraps the file key of blob
// blobID with the DEK, for [age.Decrypt] or [age.DecryptReaderAt].
//
// Its Unwrap ignores stanzas of other types. A tvault-dek stanza for another
// blob, or one that does not open with this DEK, is an error wrapping
// [age.ErrIncorrectIdentity]. A file with a tvault-dek stanza beside other
// stanzas is refused.
func NewDEKIdentity(dek []byte, blobID string) (age.Identity, error) {
	key, err := dekWrappingKey(dek, blobID)
	if err != nil {
		return nil, err
	}
	return &dekIdentity{key: key, blobID: blobID}, nil
}

func (i *dekIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type == DEKStanzaType && len(stanzas) != 1 {
			return nil, errors.New("a tvault-dek stanza must be the only one in its file")
		}
	}
	for _, s := range stanzas {
		if s.Type != DEKStanzaType {
			continue
		}
		return i.unwrap(s)
	}
	return nil, age.ErrIncorrectIdentity
}

func (i *dekIdentity) unwrap(s *age.Stanza) ([]byte, error) {
	if len(s.Args) != 1 {
		return nil, fmt.Errorf("%w: malformed tvault-dek stanza", age.ErrIncorrectIdentity)
	}
	if s.Args[0] != i.blobID {
		return nil, fmt.Errorf("%w: tvault-dek stanza is for another blob", age.ErrIncorrectIdentity)
	}
	// A fixed body size limits multi-key attacks on the non-committing AEAD,
	// as age's aeadDecrypt does.
	if len(s.Body) != fileKeySize+chacha20poly1305.Overhead {
		return nil, fmt.Errorf("%w: tvault-dek stanza body has the wrong size", age.ErrIncorrectIdentity)
	}
	aead, err := chacha20poly1305.New(i.key[:])
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, chacha20poly1305.NonceSize)
	fileKey, err := aead.Open(nil, nonce, s.Body, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: tvault-dek stanza does not open with this DEK", age.ErrIncorrectIdentity)
	}
	return fileKey, nil
}
