package specverify

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Options is what the verifier knows from outside the export (doc.go,
// "What a verifier brings from outside the export"). Its zero value trusts
// the export itself.
type Options struct {
	// MaxLine caps a line's length in bytes, with its line end (0: doc.go's
	// "no line is longer than 1 MiB", a line being what ends in '\n', as in
	// "each line ending in '\n'").
	MaxLine int
	// Origin, when set, is the only origin accepted ("a policy chain also
	// names the only origin accepted").
	Origin string
	// Trusted, when not nil, are the keys (Name and Key set) that replace
	// the keys line, "which is still checked for form".
	Trusted []Key
	// Against is a kept checkpoint (a signed note) the export must extend.
	Against []byte
	// Witnesses are C2SP tlog-cosignature verifier keys,
	// "<name>+<key hash>+<base64(0x04 || Ed25519 key)>"; at least Quorum of
	// them (0: all) must have a valid cosignature on the checkpoint or on
	// an earlier checkpoint.
	Witnesses []string
	Quorum    int
}

// Result is what a verified export shows.
type Result struct {
	Origin    string
	TreeSize  int64
	Filtered  bool
	Entries   int64
	Root      [32]byte
	Signer    string   // the name of the checkpoint's first valid signature
	SignerKey string   // its key, "ed25519:" + base64
	Keys      []Key    // the keys line, as the export gives it
	Earlier   []int64  // the sizes of the earlier checkpoints, proven consistent
	Witnessed []string // the witnesses with a valid cosignature, by name
}

// RejectError is Verify's verdict on an export that breaks a rule of
// doc.go: the line (from 1; 0 for the input as a whole) and why.
type RejectError struct {
	Line   int
	Reason string
}

func (e *RejectError) Error() string {
	return fmt.Sprintf("export rejected at line %d: %s", e.Line, e.Reason)
}

type verifier struct {
	opts     Options
	res      Result
	hdr      *header
	keys     map[[2]string]ed25519.PublicKey // (name, key) → key
	next     int64                           // the next seq (unfiltered) or the least allowed (filtered)
	leaves   [][32]byte                      // leaf hashes, unfiltered
	proofs   []proved                        // filtered
	earlier  []earlier
	trusted  []Key // parsed Options.Trusted
	sigKeys  []Key // the keys that may sign: trusted, or the keys line
	witness  []*witness
	notes    []string  // the checkpoint's and earlier checkpoints' notes
	lastTime time.Time // the previous entry's
	lineNo   int
	entries  bool // an entry line was read
	finished bool
}

type proved struct {
	seq   int64
	hash  tlog.Hash
	proof tlog.RecordProof
}

// Verify reads an export and checks it as doc.go's "Verifying an export"
// says, failing on the first problem with a *RejectError. An error reading
// r is returned as it is.
func Verify(r io.Reader, opts Options) (Result, error) {
	if opts.MaxLine <= 0 {
		opts.MaxLine = 1 << 20
	}
	v := &verifier{opts: opts}
	if err := v.parseOptions(); err != nil {
		return Result{}, err
	}
	br := bufio.NewReader(r)
	for {
		line, err := v.readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, err
		}
		if err := v.line(line); err != nil {
			return Result{}, &RejectError{Line: v.lineNo, Reason: err.Error()}
		}
	}
	if !v.finished {
		return Result{}, &RejectError{Line: v.lineNo, Reason: "the export ends before its checkpoint line"}
	}
	return v.res, nil
}

// readLine returns the next line without its line end: "each line ending
// in '\n'"; "a verifier accepts "\r\n" line ends and a last line without
// its end; no line is longer than 1 MiB".
func (v *verifier) readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > v.opts.MaxLine {
			v.lineNo++
			return nil, &RejectError{Line: v.lineNo, Reason: "line longer than the limit"}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) == 0:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		}
		v.lineNo++
		if err == nil { // the line ends in '\n', or "\r\n"
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
		} // else the last line, without its end (a lone '\r' stays, and is not canonical)
		return line, nil
	}
}

func (v *verifier) line(line []byte) error {
	switch {
	case v.finished:
		return errors.New("the checkpoint is not the last line")
	case v.lineNo == 1:
		h, err := parseHeader(line)
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		v.hdr = h
		v.res.Origin, v.res.TreeSize, v.res.Filtered = *h.Origin, *h.TreeSize, h.Filter != nil
		if v.opts.Origin != "" && v.opts.Origin != v.res.Origin {
			return fmt.Errorf("header: origin %q is not the trusted %q", v.res.Origin, v.opts.Origin)
		}
		return nil
	case v.lineNo == 2:
		keys, err := parseKeys(line)
		if err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		v.res.Keys = keys
		if v.trusted != nil {
			keys = v.trusted // "trusted keys … replace the keys line"
		}
		v.sigKeys = keys
		v.keys = map[[2]string]ed25519.PublicKey{}
		for _, k := range keys {
			v.keys[[2]string{k.Name, k.Key}] = k.public
		}
		return nil
	case bytes.HasPrefix(line, []byte(`{"checkpoint":`)):
		v.finished = true
		return v.checkpoint(line)
	case bytes.HasPrefix(line, []byte(`{"earlier_checkpoint":`)):
		// "Then any earlier-checkpoint lines …. Then one line per entry"
		if v.entries {
			return errors.New("earlier checkpoint: after an entry")
		}
		if err := v.parseEarlier(line); err != nil {
			return fmt.Errorf("earlier checkpoint: %w", err)
		}
		return nil
	default:
		v.entries = true
		return v.entry(line)
	}
}

func (v *verifier) checkpoint(line []byte) error {
	msg, err := parseCheckpointLine(line)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if !v.res.Filtered && v.res.Entries != v.res.TreeSize {
		// "unfiltered: as many entries as tree_size"
		return fmt.Errorf("checkpoint: %d entries for tree_size %d", v.res.Entries, v.res.TreeSize)
	}
	cp, err := openCheckpoint(msg, v.sigKeys)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if cp.origin != v.res.Origin || cp.size != v.res.TreeSize {
		return errors.New("checkpoint: origin or size is not the header's")
	}
	v.res.Root, v.res.Signer, v.res.SignerKey = cp.root, cp.signer, cp.signerKey
	if err := v.checkEarlier(cp.root); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := v.checkOutside(msg, cp); err != nil {
		return err
	}
	if !v.res.Filtered {
		if rootOf(v.leaves) != cp.root {
			return errors.New("checkpoint: root does not match entries")
		}
		return nil
	}
	for _, p := range v.proofs {
		// "each entry's inclusion proof must lead from its leaf hash to the
		// checkpoint's root"
		if err := tlog.CheckRecord(p.proof, v.res.TreeSize, cp.root, p.seq, p.hash); err != nil {
			return fmt.Errorf("checkpoint: entry %d: inclusion proof does not lead to the root", p.seq)
		}
	}
	return nil
}

// rootOf is the RFC 6962 Merkle tree hash of the leaf hashes: the empty
// tree's is "SHA-256 of nothing"; otherwise the left subtree is the largest
// power of two smaller than the size.
func rootOf(leaves [][32]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return nodeHash(rootOf(leaves[:k]), rootOf(leaves[k:]))
}
