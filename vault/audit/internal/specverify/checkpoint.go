package specverify

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// parseCheckpointLine decodes the last line, "the signed note above as one
// JSON string": {"checkpoint":"…"}.
func parseCheckpointLine(line []byte) (string, error) {
	var v struct {
		Checkpoint *string `json:"checkpoint"`
	}
	if err := decodeStrict(line, &v); err != nil {
		return "", err
	}
	if v.Checkpoint == nil {
		return "", errors.New(`lacks "checkpoint"`)
	}
	want := append(appendString([]byte(`{"checkpoint":`), *v.Checkpoint), '}')
	return *v.Checkpoint, canonical(line, want)
}

// checkpoint is what a verified checkpoint note says.
type checkpoint struct {
	origin            string
	size              int64
	root              [32]byte
	signer, signerKey string
}

// openCheckpoint verifies a checkpoint note as doc.go's "The tree and
// checkpoints" says: its text is "<origin>\n<tree size in decimal>\n<root
// hash in standard base64>\n"; "the size has no leading zeros and is at
// most 2^40; extension lines after the root (at most 16, none empty) are
// accepted and ignored …; a note has at most 100 signature lines;
// signatures by keys the verifier does not know … are ignored; every
// signature by a known key (same name and key hash) must verify, a
// repeated one too (note.Open checks only the first of each key, so tvault
// checks the rest); and at least one signature must be by a listed key,
// under that key's name."
func openCheckpoint(msg string, keys []Key) (*checkpoint, error) {
	known, byHash, err := verifiers(keys)
	if err != nil {
		return nil, err
	}
	n, err := note.Open([]byte(msg), note.VerifierList(known...))
	if err != nil {
		return nil, fmt.Errorf("note does not verify: %v", err)
	}
	if err := checkKnownSigs(msg, n.Text, byHash); err != nil {
		return nil, err
	}
	lines := strings.Split(n.Text, "\n")
	lines = lines[:len(lines)-1] // the text ends in '\n'
	if len(lines) < 3 || len(lines) > 3+16 {
		return nil, errors.New("note text is not origin, size, root and at most 16 extension lines")
	}
	for _, l := range lines[3:] {
		if l == "" {
			return nil, errors.New("note text has an empty extension line")
		}
	}
	cp := &checkpoint{origin: lines[0]}
	if cp.size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || cp.size < 0 || cp.size > 1<<40 ||
		strconv.FormatInt(cp.size, 10) != lines[1] {
		return nil, fmt.Errorf("size %q is not a decimal number up to 2^40 without leading zeros", lines[1])
	}
	root, err := decodeB64(lines[2], 32)
	if err != nil {
		return nil, fmt.Errorf("root %w", err)
	}
	copy(cp.root[:], root)
	// doc.go: "the empty tree's hash is SHA-256 of nothing".
	if cp.size == 0 && cp.root != sha256.Sum256(nil) {
		return nil, errors.New("root of a tree of no entries is not the hash of nothing")
	}
	first := n.Sigs[0]
	cp.signer, cp.signerKey = first.Name, byHash[nameHash(first.Name, first.Hash)].Key
	return cp, nil
}

func nameHash(name string, hash uint32) string { return fmt.Sprintf("%s %08x", name, hash) }

// verifiers returns a note verifier for every listed (name, key) pair, and
// the pairs by name and key hash. doc.go: "member" false is accepted "as
// any other key".
func verifiers(keys []Key) ([]note.Verifier, map[string]Key, error) {
	var vs []note.Verifier
	byHash := map[string]Key{}
	for _, k := range keys {
		vkey, err := note.NewEd25519VerifierKey(k.Name, k.public)
		if err != nil {
			return nil, nil, fmt.Errorf("key %s of %s cannot verify notes: %v", k.Key, k.Name, err)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, nil, fmt.Errorf("key %s of %s cannot verify notes: %v", k.Key, k.Name, err)
		}
		vs = append(vs, v)
		byHash[nameHash(v.Name(), v.KeyHash())] = k
	}
	return vs, byHash, nil
}

// checkKnownSigs verifies every signature line by a known key: note.Open
// verifies only the first of several by one key and drops the others
// unread.
func checkKnownSigs(msg, text string, byHash map[string]Key) error {
	for _, line := range strings.Split(strings.TrimSuffix(msg[len(text)+1:], "\n"), "\n") {
		name, b64, _ := strings.Cut(strings.TrimPrefix(line, "— "), " ")
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sig) < 4 {
			return errors.New("note has a malformed signature line")
		}
		k, ok := byHash[nameHash(name, binary.BigEndian.Uint32(sig))]
		if ok && !ed25519.Verify(k.public, []byte(text), sig[4:]) {
			return fmt.Errorf("note has a signature by %s that does not verify", name)
		}
		// doc.go: every signature by a known key "must verify and be in
		// canonical base64".
		if ok && base64.StdEncoding.EncodeToString(sig) != b64 {
			return fmt.Errorf("note has a signature by %s that is not in canonical base64", name)
		}
	}
	return nil
}
