package specverify

import (
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
// signatures by keys the verifier does not know … are ignored; the first
// signature by a known key (same name and key hash) must verify, and later
// ones by the same key are ignored, unchecked, as note.Open does; and at
// least one signature must be by a listed member key, under that key's
// name." note.Open is that rule, 100 lines included.
func openCheckpoint(msg string, keys []Key) (*checkpoint, error) {
	known, byHash, err := verifiers(keys)
	if err != nil {
		return nil, err
	}
	n, err := note.Open([]byte(msg), note.VerifierList(known...))
	if err != nil {
		return nil, fmt.Errorf("note does not verify: %v", err)
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
