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

// checkpoint is what a verified checkpoint says.
type checkpoint struct {
	root              [32]byte
	signer, signerKey string
}

// openCheckpoint verifies the note: "a note signed by a listed key (under
// that key's name) and by no unlisted key, with the header's origin and
// tree size"; its text is "<origin>\n<tree size in decimal>\n<root hash in
// standard base64>\n"; "Verifiers accept no extension lines, no leading
// zeros in the size, and only signatures by listed keys."
func openCheckpoint(msg string, keys []Key, origin string, size int64) (*checkpoint, error) {
	var vs []note.Verifier
	byHash := map[string]string{} // name + key hash → key
	for _, k := range keys {
		vkey, err := note.NewEd25519VerifierKey(k.Name, k.public)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s cannot verify notes: %v", k.Key, k.Name, err)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s cannot verify notes: %v", k.Key, k.Name, err)
		}
		vs = append(vs, v)
		byHash[fmt.Sprintf("%s %08x", v.Name(), v.KeyHash())] = k.Key
	}
	n, err := note.Open([]byte(msg), note.VerifierList(vs...))
	if err != nil {
		return nil, fmt.Errorf("note does not verify: %v", err)
	}
	if len(n.UnverifiedSigs) > 0 {
		return nil, fmt.Errorf("note has a signature by %s, whose key is not listed", n.UnverifiedSigs[0].Name)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return nil, errors.New("note text is not three lines: origin, size and root")
	}
	if lines[0] != origin {
		return nil, fmt.Errorf("origin %q is not the header's %q", lines[0], origin)
	}
	if s, err := strconv.ParseInt(lines[1], 10, 64); err != nil || s != size || strconv.FormatInt(s, 10) != lines[1] {
		return nil, fmt.Errorf("size %q is not the header's tree_size %d in decimal", lines[1], size)
	}
	root, err := decodeB64(lines[2], 32)
	if err != nil {
		return nil, fmt.Errorf("root %w", err)
	}
	first := n.Sigs[0]
	cp := &checkpoint{signer: first.Name, signerKey: byHash[fmt.Sprintf("%s %08x", first.Name, first.Hash)]}
	copy(cp.root[:], root)
	return cp, nil
}
