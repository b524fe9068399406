package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrTampered is wrapped by every *TamperError.
var ErrTampered = errors.New("audit log failed verification")

// TamperError reports the first thing found wrong in an export or a log:
// a changed, missing, reordered or added entry, a bad signature or proof,
// a malformed line, a checkpoint that does not match.
type TamperError struct {
	Seq    int64  // the entry concerned, or -1 when it is not about one entry
	Line   int    // the export's line (from 1), or 0 when not reading an export
	Reason string // the whole message, e.g. "entry 17: signature does not verify"
}

func (e *TamperError) Error() string { return e.Reason }

// Unwrap returns ErrTampered.
func (e *TamperError) Unwrap() error { return ErrTampered }

func tamperf(seq int64, line int, format string, args ...any) *TamperError {
	return &TamperError{Seq: seq, Line: line, Reason: fmt.Sprintf(format, args...)}
}

// Summary describes what a verification checked.
type Summary struct {
	Entries   int64     // entries checked
	TreeSize  int64     // size of the tree the checkpoint signs
	Filtered  bool      // the export selects entries and proves each with an inclusion proof
	Root      tlog.Hash // the checkpoint's root
	Signer    string    // the name that signed the checkpoint
	SignerKey string    // the signer's key, "ed25519:<base64>"
	First     time.Time // time of the first entry checked (zero if none)
	Last      time.Time // time of the last entry checked (zero if none)
}

// String returns a one-line report, e.g. "ok: 1234 entries, tree size
// 1234, root <base64>, checkpoint signed by iryna (ed25519:…)". The key is
// there so that a reader can compare it with the member's card: an export
// proves itself consistent, and the key says whose word it is.
func (s Summary) String() string {
	filtered := ""
	if s.Filtered {
		filtered = " (filtered)"
	}
	key := ""
	if s.SignerKey != "" {
		key = " (" + s.SignerKey + ")"
	}
	return fmt.Sprintf("ok: %d entries%s, tree size %d, root %s, checkpoint signed by %s%s",
		s.Entries, filtered, s.TreeSize, s.Root, s.Signer, key)
}

func (s *Summary) count(e *Entry) {
	if s.Entries == 0 {
		s.First = e.Time
	}
	s.Last = e.Time
	s.Entries++
}

// keyring is the verification material: which names each key may sign
// under, and note verifiers for checkpoints.
type keyring struct {
	names     map[string]map[string]bool // key text → names listed for it
	pubs      map[string]ed25519.PublicKey
	byHash    map[nameHash]string // (name, note key hash) → key text
	verifiers []note.Verifier
}

type nameHash struct {
	name string
	hash uint32
}

func newKeyring(keys []KeyInfo) (*keyring, error) {
	kr := &keyring{names: map[string]map[string]bool{}, pubs: map[string]ed25519.PublicKey{}, byHash: map[nameHash]string{}}
	for _, k := range keys {
		if err := kr.add(k); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

func (kr *keyring) add(k KeyInfo) error {
	if err := checkName(k.Name); err != nil {
		return fmt.Errorf("key name: %v", err)
	}
	pub, err := parseKey(k.Key)
	if err != nil {
		return fmt.Errorf("key of %s: %v", k.Name, err)
	}
	if kr.listed(k.Name, k.Key) {
		return fmt.Errorf("key of %s listed twice", k.Name)
	}
	v, err := newVerifier(k.Name, pub)
	if err != nil {
		return fmt.Errorf("key of %s: %v", k.Name, err)
	}
	nh := nameHash{k.Name, v.KeyHash()}
	if _, dup := kr.byHash[nh]; dup {
		return fmt.Errorf("keys of %s have the same key hash", k.Name)
	}
	if kr.names[k.Key] == nil {
		kr.names[k.Key] = map[string]bool{}
	}
	kr.names[k.Key][k.Name] = true
	kr.pubs[k.Key] = pub
	kr.byHash[nh] = k.Key
	kr.verifiers = append(kr.verifiers, v)
	return nil
}

func (kr *keyring) listed(name, key string) bool { return kr.names[key][name] }

// open verifies a checkpoint note with the listed keys and returns it with
// the signer's key.
func (kr *keyring) open(msg []byte) (Checkpoint, string, error) {
	cp, hash, err := openCheckpoint(msg, note.VerifierList(kr.verifiers...))
	if err != nil {
		return Checkpoint{}, "", err
	}
	return cp, kr.byHash[nameHash{cp.Signer, hash}], nil
}

// checker runs the per-entry checks shared by VerifyExport and VerifyLog.
// Signatures are verified in batches on all CPUs while the caller goes on
// reading; the error reported is always that of the first bad entry, as if
// entries were checked one by one.
type checker struct {
	kr      *keyring
	batch   int // jobs per batch
	workers int
	cur     []sigJob
	pending []*sigBatch // dispatched, in entry order
}

type sigJob struct {
	seq  int64
	line int
	pub  ed25519.PublicKey
	msg  []byte
	sig  []byte
}

// sigBatch is a batch being verified by workers, each on a contiguous
// chunk, each recording the index of the first bad signature in its chunk.
type sigBatch struct {
	jobs     []sigJob
	firstBad []int
	wg       sync.WaitGroup
}

// batchSize is how many signatures batchVerify checks at once.
const batchSize = 64

// maxPending bounds the batches in flight, and so the memory held.
const maxPending = 2

func newChecker(kr *keyring, batch int) *checker {
	w := runtime.NumCPU()
	if batch <= 0 {
		batch = 256 * w
	}
	return &checker{kr: kr, batch: batch, workers: w}
}

// entry checks that e's key is listed under its actor's name and queues its
// signature. An error about a later entry must go through fail, so that an
// earlier entry's bad signature takes precedence.
func (c *checker) entry(e *Entry, line int) error {
	if !c.kr.listed(e.Actor, e.ActorKey) {
		return c.fail(tamperf(e.Seq, line, "entry %d: key %s is not listed for %s", e.Seq, e.ActorKey, e.Actor))
	}
	sig, err := decodeSig(e.Sig)
	if err != nil {
		return c.fail(tamperf(e.Seq, line, "entry %d: %v", e.Seq, err))
	}
	c.cur = append(c.cur, sigJob{seq: e.Seq, line: line, pub: c.kr.pubs[e.ActorKey], msg: e.SignedBytes(), sig: sig})
	if len(c.cur) < c.batch {
		return nil
	}
	c.dispatch()
	if len(c.pending) > maxPending {
		oldest := c.pending[0]
		c.pending = c.pending[1:]
		if err := oldest.wait(); err != nil {
			c.flush() // let the other batches finish before returning
			return err
		}
	}
	return nil
}

// dispatch starts verifying the current batch.
func (c *checker) dispatch() {
	if len(c.cur) == 0 {
		return
	}
	sb := &sigBatch{jobs: c.cur}
	c.cur = make([]sigJob, 0, c.batch)
	w := min(c.workers, (len(sb.jobs)+63)/64)
	chunk := (len(sb.jobs) + w - 1) / w
	sb.firstBad = make([]int, w)
	for i := range w {
		lo, hi := i*chunk, min((i+1)*chunk, len(sb.jobs))
		sb.firstBad[i] = -1
		sb.wg.Go(func() {
			// Verify in small batches; a batch that fails is checked one
			// signature at a time, to find the first bad one.
			for b := lo; b < hi; b += batchSize {
				e := min(b+batchSize, hi)
				if batchVerify(sb.jobs[b:e]) {
					continue
				}
				for j := b; j < e; j++ {
					if !ed25519.Verify(sb.jobs[j].pub, sb.jobs[j].msg, sb.jobs[j].sig) {
						sb.firstBad[i] = j
						return
					}
				}
			}
		})
	}
	c.pending = append(c.pending, sb)
}

// wait waits for the batch and returns its first bad signature.
func (sb *sigBatch) wait() error {
	sb.wg.Wait()
	// Chunks are contiguous and in order: the first chunk with a failure
	// holds the first bad entry.
	for _, j := range sb.firstBad {
		if j >= 0 {
			return tamperf(sb.jobs[j].seq, sb.jobs[j].line, "entry %d: signature does not verify", sb.jobs[j].seq)
		}
	}
	return nil
}

// flush verifies everything queued and returns the first failure. No
// verification is running when it returns.
func (c *checker) flush() error {
	c.dispatch()
	var first error
	for _, sb := range c.pending {
		if err := sb.wait(); err != nil && first == nil {
			first = err
		}
	}
	c.pending = c.pending[:0]
	return first
}

// fail returns err unless an entry queued before it has a bad signature.
func (c *checker) fail(err error) error {
	if ferr := c.flush(); ferr != nil {
		return ferr
	}
	return err
}

// tree recomputes a Merkle tree from its leaf hashes in order, keeping only
// the O(log n) hashes still needed: the roots of the complete subtrees on
// its right edge. Each hash read by tlog while appending leaf n is a left
// sibling that the new leaf completes, so it is never read again.
type tree struct {
	n     int64
	nodes map[int64]tlog.Hash // stored-hash index → hash
}

func newTree() *tree { return &tree{nodes: map[int64]tlog.Hash{}} }

func (t *tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := t.nodes[x]
		if !ok {
			return nil, fmt.Errorf("tree hash %d not kept", x)
		}
		out[i] = h
	}
	return out, nil
}

// add appends a leaf and returns its stored hashes (tlog.StoredHashes).
func (t *tree) add(leaf tlog.Hash) ([]tlog.Hash, error) {
	var read []int64
	hashes, err := tlog.StoredHashesForRecordHash(t.n, leaf, tlog.HashReaderFunc(func(x []int64) ([]tlog.Hash, error) {
		read = x
		return t.ReadHashes(x)
	}))
	if err != nil {
		return nil, err
	}
	for _, x := range read {
		delete(t.nodes, x)
	}
	top := len(hashes) - 1
	t.nodes[tlog.StoredHashIndex(top, t.n>>top)] = hashes[top]
	t.n++
	return hashes, nil
}

func (t *tree) root() (tlog.Hash, error) { return tlog.TreeHash(t.n, t) }

// proofRoot returns the root of a tree of size t implied by proof p for
// leaf n with hash h (RFC 9162, section 2.1.3.2), or false if p has the
// wrong length. The caller confirms the result with tlog.CheckRecord, so
// this only finds the candidate root; tlog is the authority.
func proofRoot(p tlog.RecordProof, t, n int64, h tlog.Hash) (tlog.Hash, bool) {
	if n < 0 || n >= t || t > maxTreeSize {
		return tlog.Hash{}, false
	}
	var walk func(p tlog.RecordProof, lo, hi int64) (tlog.Hash, bool)
	walk = func(p tlog.RecordProof, lo, hi int64) (tlog.Hash, bool) {
		if lo+1 == hi {
			return h, len(p) == 0
		}
		if len(p) == 0 {
			return tlog.Hash{}, false
		}
		k := int64(1) // the largest power of two below hi-lo
		for 2*k < hi-lo {
			k *= 2
		}
		last, rest := p[len(p)-1], p[:len(p)-1]
		if n < lo+k {
			th, ok := walk(rest, lo, lo+k)
			return tlog.NodeHash(th, last), ok
		}
		th, ok := walk(rest, lo+k, hi)
		return tlog.NodeHash(last, th), ok
	}
	return walk(p, 0, t)
}

// maxLine caps one line of an export.
const maxLine = 1 << 20

// VerifyExport checks a JSON Lines export offline, with nothing but its
// contents, as described in the package documentation, section
// "Verifying an export". It reads r once, streaming; its memory does not
// grow with the number of entries. Any failure is a *TamperError naming the
// first bad entry or line; an error reading r is returned as is.
func VerifyExport(r io.Reader) (Summary, error) {
	return verifyExport(r, 0)
}

type headerJSON struct {
	Version  int64       `json:"tvault_audit_export"`
	Origin   string      `json:"origin"`
	TreeSize int64       `json:"tree_size"`
	Filter   *filterJSON `json:"filter"`
}

type filterJSON struct {
	Record string `json:"record"`
	Actor  string `json:"actor"`
	Since  string `json:"since"`
	Until  string `json:"until"`
}

type keysJSON struct {
	Keys []KeyInfo `json:"keys"`
}

type entryJSON struct {
	Seq      int64    `json:"seq"`
	Time     string   `json:"time"`
	Actor    string   `json:"actor"`
	ActorKey string   `json:"actor_key"`
	Action   string   `json:"action"`
	Record   string   `json:"record"`
	Class    string   `json:"class"`
	Outcome  string   `json:"outcome"`
	Detail   string   `json:"detail"`
	Sig      string   `json:"sig"`
	Hash     string   `json:"hash"`
	Proof    []string `json:"proof"`
}

type checkpointJSON struct {
	Checkpoint string `json:"checkpoint"`
}

var checkpointPrefix = []byte(`{"checkpoint":`)

// exportReader reads an export line by line.
type exportReader struct {
	sc   *bufio.Scanner
	line int
	buf  []byte // scratch for canonical re-encoding
}

// next returns the next line, or false at the end of the input.
func (x *exportReader) next() ([]byte, bool, error) {
	if !x.sc.Scan() {
		if err := x.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, false, tamperf(-1, x.line+1, "line %d: longer than %d bytes", x.line+1, maxLine)
			}
			return nil, false, err
		}
		return nil, false, nil
	}
	x.line++
	return x.sc.Bytes(), true, nil
}

// canonical checks that line is exactly what the encoder wrote.
func (x *exportReader) canonical(line []byte, seq int64, encode func([]byte) []byte) error {
	x.buf = encode(x.buf[:0])
	if !sameLine(x.buf, line) {
		if seq >= 0 {
			return tamperf(seq, x.line, "entry %d: line %d is not in canonical form", seq, x.line)
		}
		return tamperf(-1, x.line, "line %d is not in canonical form", x.line)
	}
	return nil
}

// sameLine reports whether line, as read without its line end, is the
// encoder's output enc, which ends in '\n'.
func sameLine(enc, line []byte) bool {
	return len(enc) == len(line)+1 && bytes.Equal(enc[:len(line)], line)
}

func verifyExport(r io.Reader, batch int) (Summary, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	x := &exportReader{sc: sc}

	// Line 1: the header.
	line, ok, err := x.next()
	if err != nil {
		return Summary{}, err
	}
	if !ok {
		return Summary{}, tamperf(-1, 1, "export is empty")
	}
	hdr, opts, err := parseHeader(line)
	if err != nil {
		return Summary{}, err
	}
	filtered := opts.filtered()
	sum := Summary{TreeSize: hdr.TreeSize, Filtered: filtered}

	// Line 2: the keys.
	if line, ok, err = x.next(); err != nil {
		return Summary{}, err
	}
	if !ok {
		return Summary{}, tamperf(-1, 2, "keys missing")
	}
	var keys keysJSON
	if err := decodeStrict(line, &keys); err != nil {
		return Summary{}, tamperf(-1, 2, "line 2: not a keys line: %s", jsonProblem(err))
	}
	kr, err := newKeyring(keys.Keys)
	if err != nil {
		return Summary{}, tamperf(-1, 2, "keys: %v", err)
	}
	if err := x.canonical(line, -1, func(b []byte) []byte { return appendKeysLine(b, keys.Keys) }); err != nil {
		return Summary{}, err
	}

	// Entries, up to the checkpoint.
	c := newChecker(kr, batch)
	t := newTree()
	prev := int64(-1)
	// Filtered: the root implied by the first entry's proof, and the first
	// entry whose proof implies another root.
	var (
		proofRoot0   tlog.Hash
		firstSeq     int64
		firstLine    int
		mismatchSeq  = int64(-1)
		mismatchLine int
	)
	for {
		if line, ok, err = x.next(); err != nil {
			return Summary{}, c.fail(err)
		}
		if !ok {
			return Summary{}, c.fail(tamperf(-1, x.line+1, "checkpoint missing"))
		}
		if bytes.HasPrefix(line, checkpointPrefix) {
			break
		}
		var ej entryJSON
		if err := decodeStrict(line, &ej); err != nil {
			return Summary{}, c.fail(tamperf(-1, x.line, "line %d: not an entry or checkpoint: %s", x.line, jsonProblem(err)))
		}
		seq := ej.Seq
		// Order first: "entry 18 missing" says more than anything about 19.
		switch {
		case seq < 0 || seq >= hdr.TreeSize:
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d is beyond the tree size %d", seq, hdr.TreeSize))
		case seq == prev:
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d appears twice", seq))
		case seq < prev:
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d out of order (after entry %d)", seq, prev))
		case !filtered && seq != prev+1 && prev < 0:
			return Summary{}, c.fail(tamperf(0, x.line, "entry 0 missing (export starts at entry %d)", seq))
		case !filtered && seq != prev+1:
			return Summary{}, c.fail(tamperf(prev+1, x.line, "entry %d missing (seq jumps from %d to %d)", prev+1, prev, seq))
		}
		prev = seq
		tm, err := parseTime(ej.Time)
		if err != nil {
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d: %v", seq, err))
		}
		e := Entry{Seq: seq, Time: tm, Actor: ej.Actor, ActorKey: ej.ActorKey, Action: ej.Action,
			Record: ej.Record, Class: ej.Class, Outcome: ej.Outcome, Detail: ej.Detail, Sig: ej.Sig}
		if err := e.validate(true); err != nil {
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d: %v", seq, err))
		}
		if filtered && !opts.match(&e) {
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d does not match the export's filter", seq))
		}
		h := tlog.RecordHash(e.Leaf())
		if ej.Hash != h.String() {
			return Summary{}, c.fail(tamperf(seq, x.line, "entry %d: hash does not match the entry", seq))
		}
		var proof tlog.RecordProof
		if filtered {
			if len(ej.Proof) > 64 {
				return Summary{}, c.fail(tamperf(seq, x.line, "entry %d: inclusion proof too long", seq))
			}
			for _, s := range ej.Proof {
				ph, err := tlog.ParseHash(s)
				if err != nil {
					return Summary{}, c.fail(tamperf(seq, x.line, "entry %d: malformed inclusion proof", seq))
				}
				proof = append(proof, ph)
			}
		}
		if err := x.canonical(line, seq, func(b []byte) []byte { return appendEntryLine(b, &e, h, proof, filtered) }); err != nil {
			return Summary{}, c.fail(err)
		}
		if err := c.entry(&e, x.line); err != nil {
			return Summary{}, err
		}
		if filtered {
			root, ok := proofRoot(proof, hdr.TreeSize, seq, h)
			if !ok || tlog.CheckRecord(proof, hdr.TreeSize, root, seq, h) != nil {
				return Summary{}, c.fail(tamperf(seq, x.line, "entry %d: malformed inclusion proof", seq))
			}
			switch {
			case sum.Entries == 0:
				proofRoot0, firstSeq, firstLine = root, seq, x.line
			case root != proofRoot0 && mismatchSeq < 0:
				mismatchSeq, mismatchLine = seq, x.line
			}
		} else if _, err := t.add(h); err != nil {
			return Summary{}, c.fail(err)
		}
		sum.count(&e)
	}
	if err := c.flush(); err != nil {
		return Summary{}, err
	}
	if !filtered && prev+1 != hdr.TreeSize {
		return Summary{}, tamperf(prev+1, x.line, "entry %d missing (export ends at entry %d, tree size %d)", prev+1, prev, hdr.TreeSize)
	}

	// The checkpoint.
	var cj checkpointJSON
	if err := decodeStrict(line, &cj); err != nil {
		return Summary{}, tamperf(-1, x.line, "line %d: malformed checkpoint line: %s", x.line, jsonProblem(err))
	}
	if err := x.canonical(line, -1, func(b []byte) []byte { return appendCheckpointLine(b, []byte(cj.Checkpoint)) }); err != nil {
		return Summary{}, err
	}
	cp, key, err := kr.open([]byte(cj.Checkpoint))
	if err != nil {
		return Summary{}, tamperf(-1, x.line, "checkpoint: %v", err)
	}
	if cp.Origin != hdr.Origin {
		return Summary{}, tamperf(-1, x.line, "checkpoint: origin %q does not match the header's %q", cp.Origin, hdr.Origin)
	}
	if cp.Size != hdr.TreeSize {
		return Summary{}, tamperf(-1, x.line, "checkpoint: tree size %d does not match the header's %d", cp.Size, hdr.TreeSize)
	}
	if filtered && sum.Entries > 0 {
		// Every proof so far implied proofRoot0, up to the entry at
		// mismatchSeq; the first entry whose root is not the checkpoint's
		// is the first bad one.
		if proofRoot0 != cp.Root {
			return Summary{}, tamperf(firstSeq, firstLine, "entry %d: inclusion proof does not match the checkpoint", firstSeq)
		}
		if mismatchSeq >= 0 {
			return Summary{}, tamperf(mismatchSeq, mismatchLine, "entry %d: inclusion proof does not match the checkpoint", mismatchSeq)
		}
	}
	if !filtered {
		root, err := t.root()
		if err != nil {
			return Summary{}, err
		}
		if root != cp.Root {
			return Summary{}, tamperf(-1, x.line, "checkpoint: root does not match entries")
		}
	}
	if _, ok, err = x.next(); err != nil {
		return Summary{}, err
	}
	if ok {
		return Summary{}, tamperf(-1, x.line, "line %d: data after the checkpoint", x.line)
	}
	sum.Root, sum.Signer, sum.SignerKey = cp.Root, cp.Signer, key
	return sum, nil
}

// parseHeader parses and checks an export's first line and returns it with
// the filter it states.
func parseHeader(line []byte) (headerJSON, ExportOptions, error) {
	var hdr headerJSON
	var opts ExportOptions
	if err := decodeStrict(line, &hdr); err != nil {
		return hdr, opts, tamperf(-1, 1, "line 1: not an audit export header: %s", jsonProblem(err))
	}
	if hdr.Version != ExportFormat {
		return hdr, opts, tamperf(-1, 1, "line 1: unsupported export format %d", hdr.Version)
	}
	if err := checkOrigin(hdr.Origin); err != nil {
		return hdr, opts, tamperf(-1, 1, "line 1: %v", err)
	}
	if hdr.TreeSize < 0 || hdr.TreeSize > maxTreeSize {
		return hdr, opts, tamperf(-1, 1, "line 1: tree size %d out of range", hdr.TreeSize)
	}
	if f := hdr.Filter; f != nil {
		opts.Record, opts.Actor = f.Record, f.Actor
		var err error
		if f.Since != "" {
			if opts.Since, err = parseTime(f.Since); err != nil {
				return hdr, opts, tamperf(-1, 1, "line 1: filter: %v", err)
			}
		}
		if f.Until != "" {
			if opts.Until, err = parseTime(f.Until); err != nil {
				return hdr, opts, tamperf(-1, 1, "line 1: filter: %v", err)
			}
		}
		if err := opts.check(); err != nil {
			return hdr, opts, tamperf(-1, 1, "line 1: %v", err)
		}
		if !opts.filtered() {
			return hdr, opts, tamperf(-1, 1, "line 1: empty filter")
		}
	}
	if !sameLine(appendHeaderLine(nil, hdr.Origin, hdr.TreeSize, opts), line) {
		return hdr, opts, tamperf(-1, 1, "line 1 is not in canonical form")
	}
	return hdr, opts, nil
}

// jsonProblem describes a decoding error without Go type names.
func jsonProblem(err error) string {
	var typ *json.UnmarshalTypeError
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "json: unknown field "):
		return "unknown field " + truncate(strings.TrimPrefix(msg, "json: unknown field "))
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("field %q has the wrong type", truncate(typ.Field))
	case errors.As(err, &typ):
		return "not a JSON object"
	default:
		return "malformed JSON"
	}
}

// VerifyLog checks the vault's own log as VerifyExport checks an
// unfiltered export: every entry well-formed, at its seq, signed by a key in
// keys listed under its actor's name; the tree recomputed from the entries
// equal to every stored tree hash; the latest checkpoint signed by a key in
// keys, for this origin, the log's size and the recomputed root. keys are
// the keys the vault knows (members of every policy version, and the keys
// of UnknownActor entries it accepts). A failure is a *TamperError naming
// the first bad entry; errors from b are returned wrapped.
func (l *Log) VerifyLog(b Backend, keys []KeyInfo) (Summary, error) {
	if err := checkOrigin(l.origin); err != nil {
		return Summary{}, err
	}
	kr, err := newKeyring(keys)
	if err != nil {
		return Summary{}, fmt.Errorf("invalid keys: %v", err)
	}
	n, err := b.Size()
	if err != nil {
		return Summary{}, fmt.Errorf("failed to read audit log size: %w", err)
	}
	msg, err := b.Checkpoint()
	if err != nil {
		return Summary{}, fmt.Errorf("failed to read audit checkpoint: %w", err)
	}
	if n == 0 && msg == nil {
		return Summary{}, ErrEmptyLog
	}
	if n < 0 || n > maxTreeSize {
		return Summary{}, tamperf(-1, 0, "audit log size %d out of range", n)
	}
	sum := Summary{TreeSize: n}
	c := newChecker(kr, 0)
	t := newTree()
	for seq := int64(0); seq < n; seq++ {
		e, leaf, err := readEntry(b, seq)
		if err != nil {
			return Summary{}, c.fail(err)
		}
		if err := c.entry(&e, 0); err != nil {
			return Summary{}, err
		}
		hashes, err := t.add(tlog.RecordHash(leaf))
		if err != nil {
			return Summary{}, c.fail(err)
		}
		indexes := make([]int64, len(hashes))
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, seq) + int64(i)
		}
		stored, err := b.ReadHashes(indexes)
		if err != nil {
			return Summary{}, c.fail(fmt.Errorf("failed to read audit tree: %w", err))
		}
		if len(stored) != len(hashes) {
			return Summary{}, c.fail(fmt.Errorf("failed to read audit tree: got %d hashes, want %d", len(stored), len(hashes)))
		}
		for i := range hashes {
			if stored[i] != hashes[i] {
				return Summary{}, c.fail(tamperf(seq, 0, "entry %d: stored tree hashes do not match the entries", seq))
			}
		}
		sum.count(&e)
	}
	if err := c.flush(); err != nil {
		return Summary{}, err
	}
	if msg == nil {
		return Summary{}, tamperf(-1, 0, "checkpoint missing")
	}
	cp, key, err := kr.open(msg)
	if err != nil {
		return Summary{}, tamperf(-1, 0, "checkpoint: %v", err)
	}
	if cp.Origin != l.origin {
		return Summary{}, tamperf(-1, 0, "checkpoint: origin %q is not this log's %q", truncate(cp.Origin), l.origin)
	}
	if cp.Size != n {
		return Summary{}, tamperf(-1, 0, "checkpoint: tree size %d does not match the log's %d entries", cp.Size, n)
	}
	root, err := t.root()
	if err != nil {
		return Summary{}, err
	}
	if root != cp.Root {
		return Summary{}, tamperf(-1, 0, "checkpoint: root does not match entries")
	}
	sum.Root, sum.Signer, sum.SignerKey = cp.Root, cp.Signer, key
	return sum, nil
}

// VerifyAgainst proves that the log extends an earlier checkpoint, kept
// off the machine: checkpoint must verify with one of keys and name this
// log's origin; the log's current head (see Head) must be at least as
// large, and a consistency proof (tlog.ProveTree, tlog.CheckTree) must show
// the earlier tree is a prefix of the current one. A smaller log (rolled
// back) or a different history is a *TamperError. VerifyAgainst checks
// tree hashes only: run VerifyLog too, to check the entries behind them.
func (l *Log) VerifyAgainst(b Backend, keys []KeyInfo, checkpoint []byte) error {
	kr, err := newKeyring(keys)
	if err != nil {
		return fmt.Errorf("invalid keys: %v", err)
	}
	old, _, err := kr.open(checkpoint)
	if err != nil {
		return tamperf(-1, 0, "earlier checkpoint: %v", err)
	}
	if old.Origin != l.origin {
		return tamperf(-1, 0, "earlier checkpoint: origin %q is not this log's %q", truncate(old.Origin), l.origin)
	}
	cur, err := l.Head(b)
	if errors.Is(err, ErrEmptyLog) {
		cur, err = Checkpoint{Origin: l.origin}, nil
	}
	if err != nil {
		return err
	}
	switch {
	case cur.Size < old.Size:
		return tamperf(-1, 0, "log has %d entries, fewer than the %d of the earlier checkpoint: it was rolled back", cur.Size, old.Size)
	case old.Size == 0:
		return nil
	case cur.Size == old.Size:
		if cur.Root != old.Root {
			return tamperf(-1, 0, "log differs from the earlier checkpoint of the same size: its history was rewritten")
		}
		return nil
	}
	p, err := tlog.ProveTree(cur.Size, old.Size, b)
	if err != nil {
		return fmt.Errorf("failed to read audit tree: %w", err)
	}
	if tlog.CheckTree(p, cur.Size, cur.Root, old.Size, old.Root) != nil {
		return tamperf(-1, 0, "log does not extend the earlier checkpoint of %d entries: its history was rewritten", old.Size)
	}
	return nil
}
