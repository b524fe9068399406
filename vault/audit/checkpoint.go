package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed tree head: the log's origin, its size and the
// Merkle root of its first Size entries, signed by a member.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Signer string // the signer's name in the note (the actor of the last entry)
	Text   []byte // the whole signed note, as stored and exported
}

// formatCheckpoint returns the checkpoint body, in the C2SP
// tlog-checkpoint format without extension lines.
func formatCheckpoint(origin string, size int64, root tlog.Hash) string {
	return origin + "\n" + strconv.FormatInt(size, 10) + "\n" + root.String() + "\n"
}

// parseCheckpoint parses what formatCheckpoint produces and nothing else:
// exactly three lines, a decimal size without leading zeros, a canonical
// base64 root.
func parseCheckpoint(text string) (origin string, size int64, root tlog.Hash, err error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return "", 0, root, errors.New("body is not three lines")
	}
	origin = lines[0]
	if err := checkOrigin(origin); err != nil {
		return "", 0, root, err
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || strconv.FormatInt(size, 10) != lines[1] || size < 0 || size > maxTreeSize {
		return "", 0, root, fmt.Errorf("malformed tree size %q", truncate(lines[1]))
	}
	b, err := decodeBase64(lines[2])
	if err != nil || len(b) != tlog.HashSize {
		return "", 0, root, errors.New("malformed root hash")
	}
	copy(root[:], b)
	return origin, size, root, nil
}

// checkOrigin checks a log origin: a non-empty one-line field. It must not
// begin with '{' so that a checkpoint body can never be mistaken for an
// entry's signed bytes, which are signed by the same keys.
func checkOrigin(origin string) error {
	if origin == "" || strings.HasPrefix(origin, "{") {
		return fmt.Errorf("invalid origin %q", truncate(origin))
	}
	if err := checkShort(origin); err != nil {
		return fmt.Errorf("invalid origin: %v", err)
	}
	return nil
}

// signer is a note.Signer over an actor's Ed25519 key, under the actor's
// name: what note.NewSigner would build from the same key and name.
type signer struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	pub  ed25519.PublicKey
}

var _ note.Signer = (*signer)(nil)

func (s *signer) Name() string                    { return s.name }
func (s *signer) KeyHash() uint32                 { return s.hash }
func (s *signer) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// newSigner returns the signer for an actor. The key hash is the one
// note.NewEd25519VerifierKey computes for the same name and public key.
func newSigner(a Actor) (*signer, error) {
	name := a.Name
	if name == "" {
		name = UnknownActor
	}
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("invalid actor name: %v", err)
	}
	if len(a.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("invalid actor key: not an Ed25519 private key")
	}
	// Copy so that a caller reusing its slice cannot change our key.
	key := make(ed25519.PrivateKey, ed25519.PrivateKeySize)
	copy(key, a.Key)
	pub := key.Public().(ed25519.PublicKey)
	v, err := newVerifier(name, pub)
	if err != nil {
		return nil, err
	}
	return &signer{name: name, hash: v.KeyHash(), key: key, pub: pub}, nil
}

// newVerifier returns the note verifier for a name and public key.
func newVerifier(name string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, err
	}
	return note.NewVerifier(vkey)
}

// signCheckpoint returns the signed note for a tree head.
func signCheckpoint(origin string, size int64, root tlog.Hash, s *signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: formatCheckpoint(origin, size, root)}, s)
}

// openCheckpoint verifies a signed checkpoint note against known verifiers
// and parses it. It requires every signature on the note to be by a known
// key and valid, and returns the key hash of the first. Errors are plain
// descriptions for a TamperError.
func openCheckpoint(msg []byte, known note.Verifiers) (Checkpoint, uint32, error) {
	n, err := note.Open(msg, known)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return Checkpoint{}, 0, errors.New("not signed by a listed key")
		case errors.As(err, &invalid):
			return Checkpoint{}, 0, fmt.Errorf("signature by %s does not verify", invalid.Name)
		default:
			return Checkpoint{}, 0, errors.New("malformed signed note")
		}
	}
	if len(n.UnverifiedSigs) > 0 {
		return Checkpoint{}, 0, fmt.Errorf("signed by %s with a key that is not listed", n.UnverifiedSigs[0].Name)
	}
	origin, size, root, err := parseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, 0, err
	}
	return Checkpoint{Origin: origin, Size: size, Root: root, Signer: n.Sigs[0].Name, Text: msg}, n.Sigs[0].Hash, nil
}
