package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
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

// parseCheckpoint parses a C2SP tlog-checkpoint body: the origin, a
// decimal size without leading zeros, a canonical base64 root, then any
// extension lines, which the spec allows and tvault neither writes nor
// interprets (each non-empty, like every line, and at most maxExtensions).
func parseCheckpoint(text string) (origin string, size int64, root tlog.Hash, err error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return "", 0, root, errors.New("body is not at least three lines")
	}
	if len(lines)-4 > maxExtensions {
		return "", 0, root, fmt.Errorf("more than %d extension lines", maxExtensions)
	}
	for _, ext := range lines[3 : len(lines)-1] {
		if ext == "" {
			return "", 0, root, errors.New("empty extension line")
		}
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
	if size == 0 && root != emptyTreeRoot {
		return "", 0, root, errors.New("the root of a tree of no entries is not the hash of nothing")
	}
	return origin, size, root, nil
}

// emptyTreeRoot is the root of a tree of no entries: SHA-256 of nothing
// (RFC 6962), as tlog.TreeHash(0, nil) gives.
var emptyTreeRoot = tlog.Hash(sha256.Sum256(nil))

// maxExtensions caps a checkpoint's extension lines.
const maxExtensions = 16

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

// openCheckpoint verifies a signed checkpoint note and parses it. As the
// C2SP signed-note spec requires, signatures by keys neither kr lists nor
// witnesses are ignored; a signature by a known key that does not verify
// is an error. It requires at least one valid signature by a key kr
// lists, and returns the first such signer's key hash, and the names of the
// witnesses whose cosignature verified. Errors are plain descriptions for
// a TamperError.
func openCheckpoint(msg []byte, kr *keySet, witnesses []note.Verifier) (Checkpoint, uint32, []string, error) {
	known := knownKeys{kr, witnesses}
	n, err := note.Open(msg, known)
	if err == nil {
		err = checkRepeatedSigs(msg, known)
	}
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		var ambiguous *ambiguousKeyError
		switch {
		case errors.As(err, &ambiguous):
			return Checkpoint{}, 0, nil, err
		case errors.As(err, &unverified):
			return Checkpoint{}, 0, nil, errors.New("not signed by a listed key")
		case errors.As(err, &invalid):
			return Checkpoint{}, 0, nil, fmt.Errorf("signature by %s does not verify", invalid.Name)
		default:
			return Checkpoint{}, 0, nil, errors.New("malformed signed note")
		}
	}
	var signer *note.Signature
	var cosigners []string
	for i, sig := range n.Sigs {
		if _, member := kr.byHash[nameHash{sig.Name, sig.Hash}]; member {
			if signer == nil {
				signer = &n.Sigs[i]
			}
			continue
		}
		if !slices.Contains(cosigners, sig.Name) {
			cosigners = append(cosigners, sig.Name)
		}
	}
	if signer == nil {
		return Checkpoint{}, 0, nil, errors.New("not signed by a listed key")
	}
	origin, size, root, err := parseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, 0, nil, err
	}
	return Checkpoint{Origin: origin, Size: size, Root: root, Signer: signer.Name, Text: msg}, signer.Hash, cosigners, nil
}

// checkRepeatedSigs verifies every signature line of the signed note msg
// that is by a known key, and requires its base64 to be canonical.
// note.Open verifies only the first line of each key and drops the rest
// unread; a signature by a known key that does not verify must fail (C2SP
// signed-note), whichever line it is on. And note.Open decodes base64
// loosely: the unused low bits of a signature's last character could
// change without changing the signature, so that a signed checkpoint or
// report would have more than one form. msg has opened with known, so it
// is well-formed.
func checkRepeatedSigs(msg []byte, known note.Verifiers) error {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return nil
	}
	text, lines := msg[:i+1], strings.Split(strings.TrimSuffix(string(msg[i+2:]), "\n"), "\n")
	for _, line := range lines {
		name, b64, ok := strings.Cut(strings.TrimPrefix(line, "— "), " ")
		sig, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil || len(sig) < 5 {
			continue
		}
		v, err := known.Verifier(name, binary.BigEndian.Uint32(sig))
		if err != nil {
			continue
		}
		if !v.Verify(text, sig[4:]) || base64.StdEncoding.EncodeToString(sig) != b64 {
			return &note.InvalidSignatureError{Name: name, Hash: v.KeyHash()}
		}
	}
	return nil
}
