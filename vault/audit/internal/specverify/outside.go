package specverify

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// witness is a C2SP tlog-cosignature verifier key: name, key hash
// SHA-256(name || "\n" || 0x04 || key)[:4], Ed25519 key.
type witness struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

// parseOptions checks what the caller brings; a bad option is a plain
// error, not a verdict on the export.
func (v *verifier) parseOptions() error {
	if v.opts.Trusted != nil {
		v.trusted = []Key{}
		for _, k := range v.opts.Trusted {
			if err := checkName(k.Name); err != nil {
				return fmt.Errorf("trusted key name %q %w", k.Name, err)
			}
			pub, err := parseKey(k.Key)
			if err != nil {
				return fmt.Errorf("trusted key %q %w", k.Key, err)
			}
			k.public = pub
			v.trusted = append(v.trusted, k)
		}
	}
	for _, vkey := range v.opts.Witnesses {
		name, rest, _ := strings.Cut(vkey, "+")
		hexHash, b64, _ := strings.Cut(rest, "+")
		h, err1 := strconv.ParseUint(hexHash, 16, 32)
		key, err2 := base64.StdEncoding.DecodeString(b64)
		if err1 != nil || err2 != nil || len(key) != 33 || key[0] != 0x04 || checkName(name) != nil {
			return fmt.Errorf("witness key %q is not a cosignature verifier key", vkey)
		}
		if err := checkPoint(key[1:]); err != nil {
			// "Keys must be canonical encodings of curve points not of small
			// order"; "every tvault layer refuses others"
			return fmt.Errorf("witness key %q %w", vkey, err)
		}
		sum := sha256.Sum256(append([]byte(name+"\n"), key...))
		if uint32(h) != binary.BigEndian.Uint32(sum[:4]) {
			return fmt.Errorf("witness key %q has the wrong key hash", vkey)
		}
		for _, w := range v.witness {
			if w.name == name && w.hash == uint32(h) {
				return fmt.Errorf("witness %s is given twice", name) // "each given once"
			}
		}
		v.witness = append(v.witness, &witness{name: name, hash: uint32(h), key: key[1:]})
	}
	if v.opts.Quorum < 0 || v.opts.Quorum > len(v.witness) {
		return errors.New("witness quorum is not between 0 and the number of witnesses")
	}
	return nil
}

// checkOutside applies the options to the verified checkpoint cp (note
// msg).
func (v *verifier) checkOutside(msg string, cp *checkpoint) error {
	if v.opts.Against != nil {
		if err := v.checkAgainst(cp); err != nil {
			return fmt.Errorf("kept checkpoint: %w", err)
		}
	}
	if len(v.witness) == 0 {
		return nil
	}
	for _, w := range v.witness {
		ok := false
		for _, n := range append(v.notes, msg) {
			c, err := w.cosigned(n)
			if err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
			ok = ok || c
		}
		if ok {
			v.res.Witnessed = append(v.res.Witnessed, w.name)
		}
	}
	if q := v.opts.Quorum; q == 0 && len(v.res.Witnessed) < len(v.witness) || len(v.res.Witnessed) < q {
		return fmt.Errorf("checkpoint: %d of %d witnesses cosigned", len(v.res.Witnessed), len(v.witness))
	}
	return nil
}

// checkAgainst: "a kept checkpoint (--against) must verify with the keys,
// name the header's origin and have at most tree_size entries; unfiltered,
// the tree recomputed from the first entries at its size must have its
// root; filtered, an earlier-checkpoint line of its size must have its
// root (or it is the checkpoint itself)".
func (v *verifier) checkAgainst(cp *checkpoint) error {
	kept, err := openCheckpoint(string(v.opts.Against), v.sigKeys)
	if err != nil {
		return err
	}
	switch {
	case kept.origin != v.res.Origin:
		return errors.New("it is of another log")
	case kept.size > v.res.TreeSize:
		return fmt.Errorf("its size %d is above the export's %d", kept.size, v.res.TreeSize)
	case !v.res.Filtered:
		if rootOf(v.leaves[:kept.size]) != kept.root {
			return errors.New("the export's first entries do not have its root")
		}
		return nil
	case kept.size == cp.size && kept.root == cp.root:
		return nil
	}
	for _, e := range v.earlier {
		if e.cp.size == kept.size && e.cp.root == kept.root {
			return nil
		}
	}
	return errors.New("no earlier checkpoint of its size has its root")
}

// cosigned reports whether note n carries w's valid cosignature: a line
// "— <name> base64(key hash || timestamp || signature)", the signature
// over "cosignature/v1\ntime <timestamp>\n" || the note's text. A
// witness asked for is a known key, and "a signature by a known key (same
// name and key hash) that does not verify is a failure".
func (w *witness) cosigned(n string) (bool, error) {
	i := strings.LastIndex(n, "\n\n")
	if i < 0 {
		return false, nil
	}
	found := false
	text := n[:i+1]
	for _, line := range strings.Split(strings.TrimSuffix(n[i+2:], "\n"), "\n") {
		b64, ok := strings.CutPrefix(line, "— "+w.name+" ")
		sig, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil || len(sig) < 4 || binary.BigEndian.Uint32(sig) != w.hash {
			continue
		}
		var msg bytes.Buffer
		if len(sig) == 4+8+64 {
			fmt.Fprintf(&msg, "cosignature/v1\ntime %d\n%s", binary.BigEndian.Uint64(sig[4:]), text)
		}
		if len(sig) != 4+8+64 || !ed25519.Verify(w.key, msg.Bytes(), sig[12:]) {
			return false, fmt.Errorf("the cosignature by witness %s does not verify", w.name)
		}
		if base64.StdEncoding.EncodeToString(sig) != b64 {
			// every signature by a known key must "be in canonical base64"
			return false, fmt.Errorf("the cosignature by witness %s is not in canonical base64", w.name)
		}
		found = true
	}
	return found, nil
}
