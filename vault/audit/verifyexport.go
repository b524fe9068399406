package audit

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// VerifyExport checks a JSON Lines export offline, with nothing but its
// contents, as described in the package documentation, section
// "Verifying an export". It reads r once, streaming; its memory does not
// grow with the number of entries. Any failure is a *TamperError naming the
// first bad entry or line; an error reading r is returned as is.
func VerifyExport(r io.Reader) (Summary, error) {
	return verifyExport(r, 0)
}

// verifyExport is VerifyExport with batch entry lines per chunk checked
// concurrently (0: newEntryPipe's default). It only splits r into lines: the exportVerifier
// decides. Lines may end in "\n" or "\r\n"; the last may lack its end.
func verifyExport(r io.Reader, batch int) (Summary, error) {
	return newExportVerifier(batch).readAll(r)
}

// readAll feeds v every line of r, then finishes it.
func (v *exportVerifier) readAll(r io.Reader) (Summary, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	sc.Split(scanLines)
	for sc.Scan() {
		if err := v.feed(sc.Bytes()); err != nil {
			return Summary{}, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = tamperf(-1, v.line+1, "line %d: longer than %d bytes", v.line+1, maxLine)
		}
		return Summary{}, v.abort(err)
	}
	return v.finish()
}

// exportState is where an exportVerifier is in an export: which line it
// expects next. Each state lists the rules it enforces, in the order it
// checks them; the first broken rule ends verification (state failed) with
// the *TamperError quoted. N is the line's number, S the entry's seq.
type exportState int

const (
	// expectHeader: nothing fed yet; the line is the header (parseHeader).
	//  H1 it decodes as a headerJSON object, no unknown members, right types
	//     ("line 1: not an audit export header: …");
	//  H2 tvault_audit_export is ExportFormat ("line 1: unsupported export format …");
	//  H3 the origin is valid: checkOrigin ("line 1: invalid origin …");
	//  H4 0 <= tree_size <= maxTreeSize ("line 1: tree size … out of range");
	//  H5 a filter, if present, has canonical times ("line 1: filter: …"),
	//     valid criteria ("line 1: invalid … filter") and at least one
	//     ("line 1: empty filter");
	//  H6 the line is what appendHeaderLine writes ("line 1 is not in canonical form");
	//  H7 with VerifyOptions.Origin, the origin is that ("line 1: the export is of the log …").
	// End of input: "export is empty".
	expectHeader exportState = iota

	// expectKeys: the line is the keys line.
	//  K1 it decodes as a keysJSON object ("line 2: not a keys line: …");
	//  K2 every key is valid and no (name, key) pair, nor (name, key hash),
	//     is listed twice: newKeySet ("keys: …");
	//  K3 the line is what appendKeysLine writes ("line 2 is not in canonical form");
	//  K4 with VerifyOptions.Trusted, those keys replace the line's; with
	//     Against, that checkpoint verifies with them, names the header's
	//     origin and no more than tree_size entries (openAgainst: "earlier
	//     checkpoint given: …", "export covers N entries, fewer than …").
	// End of input: "keys missing".
	expectKeys

	// expectEarlier: earlier-checkpoint lines, each beginning with
	// earlierPrefix (earlierLine); any other line moves to expectEntries.
	//  P0 there are at most maxEarlier ("line N: more than 64 earlier checkpoints");
	//  P1 it decodes as an earlierJSON object ("line N: not an earlier-checkpoint line: …");
	//  P2 the proof has at most 128 hashes, each canonical ("line N: … consistency proof");
	//  P3 the line is what appendEarlierLine writes ("line N is not in canonical form");
	//  P4 the note verifies as in C5, witnesses' cosignatures too ("line N: earlier checkpoint: …"),
	//     and names the header's origin ("… of another log");
	//  P5 sizes are at most tree_size ("… is larger than the export's tree …")
	//     and strictly increasing ("… out of order").
	expectEarlier

	// expectEntries: the line is an entry, or the checkpoint if it begins
	// with checkpointPrefix. Entry lines are checked concurrently, in
	// chunks (verifyentries.go), and their results applied in line order:
	// the failure reported is the first line's first broken rule, as if
	// lines were checked one by one; a failure after the entries goes
	// through fail, so that an entry's comes first. An entry line:
	//  E1 decodes as an entryJSON object ("line N: not an entry or checkpoint: …");
	//  E2 its seq is in order, checked before its content, so that "entry
	//     18 missing" comes before anything about entry 19 (order):
	//     0 <= S < tree_size ("entry S is beyond the tree size …");
	//     S is not the previous seq ("entry S appears twice");
	//     S is above it ("entry S out of order (after entry P)");
	//     unfiltered, the first is 0 ("entry 0 missing (export starts at entry S)")
	//     and each the previous plus 1 ("entry P+1 missing (seq jumps from P to S)");
	//  E3 time is canonical RFC 3339 ("entry S: time …");
	//  E4 every field is valid, sig a well-formed signature: Entry.validate ("entry S: …");
	//  E5 filtered, the entry matches the filter ("entry S does not match the export's filter");
	//  E6 hash is the leaf hash of the fields ("entry S: hash does not match the entry");
	//  E7 filtered, the proof has at most 64 hashes ("entry S: inclusion proof too long"),
	//     each canonical base64 of 32 bytes ("entry S: malformed inclusion proof");
	//  E8 the line is what appendEntryLine writes: an unfiltered entry has
	//     no proof member, a filtered one always has one ("entry S: line N is not in canonical form");
	//  E9 actor_key is listed under actor ("entry S: key … is not listed for …"),
	//     its time is not before the previous entry's ("entry S: its time … precedes …"),
	//     and the signature verifies ("entry S: signature does not verify");
	//  E10 filtered, the proof leads from the hash to a root of a tree of
	//     tree_size ("entry S: malformed inclusion proof"); the first entry's
	//     root and the first entry with another root are kept for C8;
	//     unfiltered, the hash is added to the recomputed tree;
	//  E11 unfiltered, at the size of the checkpoint given as Against, the
	//     recomputed root is its root ("the first N entries differ from …").
	// The checkpoint line (checkpoint):
	//  C1 every queued signature verifies ("entry S: signature does not verify");
	//  C2 unfiltered, the last entry was tree_size-1
	//     ("entry S missing (export ends at entry P, tree size …)");
	//  C3 it decodes as a checkpointJSON object ("line N: malformed checkpoint line: …");
	//  C4 the line is what appendCheckpointLine writes ("line N is not in canonical form");
	//  C5 the note is signed by a listed key under its name and by no
	//     other, and its text is a checkpoint: keySet.open ("checkpoint: …");
	//  C6 its origin is the header's ("checkpoint: origin … does not match the header's …");
	//  C7 its size is the header's tree_size ("checkpoint: tree size … does not match the header's …");
	//  C8 filtered, every entry's proof led to its root, else the first entry
	//     whose proof did not ("entry S: inclusion proof does not match the checkpoint");
	//     unfiltered, its root is the recomputed tree's ("checkpoint: root does not match entries");
	//  C9 every earlier checkpoint's consistency proof leads to it, but an
	//     empty proof from size 0 ("line N: the checkpoint does not extend …");
	//  C10 the checkpoint given as Against was recomputed (E11), or is the
	//     checkpoint, or an earlier one of its size has its root ("… rewritten",
	//     "export carries no consistency proof from …");
	//  C11 a quorum of the witnesses cosigned it or an earlier checkpoint
	//     ("checkpoint: cosigned by K of the witnesses, Q required …").
	// End of input: the checkpoint is missing ("checkpoint missing", after C1).
	expectEntries

	// done: the checkpoint verified.
	//  D1 there is no other line, blank or a second checkpoint included
	//     ("line N: data after the checkpoint").
	// End of input: the export verified; finish returns the Summary.
	done

	// failed: a rule was broken or the input could not be read; feed and
	// finish return that first error again.
	failed
)

// exportVerifier verifies an export fed to it one line at a time, without
// its line end. It keeps the header, the key set and O(log n) tree hashes,
// and never a line beyond those in its chunks in flight, which are
// bounded: its memory does not grow with the number of entries.
//
// After feed returns an error, or after finish or abort, no worker is
// running. An exportVerifier is used by one goroutine.
type exportVerifier struct {
	state exportState
	err   error  // in state failed, the error that ended verification
	line  int    // lines fed so far, so the number of the line being fed
	buf   []byte // scratch for the canonical encoding of the line
	batch int    // entry lines per chunk, for newEntryPipe (0: its default)

	vo        VerifyOptions // what the verifier knows from outside the export
	trusted   *keySet       // vo.Trusted, if given
	against   *Checkpoint   // vo.Against, once verified (K4)
	againstOK bool          // unfiltered: the entries were recomputed at against's size (E11)
	earlier   []earlier     // earlier-checkpoint lines (P1-P5)

	hdr      headerJSON    // line 1
	opts     ExportOptions // the header's filter
	filtered bool          // opts.filtered()
	kr       *keySet       // line 2
	pipe     *entryPipe    // entry lines being checked
	t        *tree         // unfiltered: the tree of the entries so far
	roots    proofRoots    // filtered: the roots the entries' proofs imply
	prev     int64         // the seq of the last entry, -1 before the first
	seen     bool          // an entry was added: lastSeq and lastTime are set
	lastSeq  int64         // the last entry added, whose time the next may not precede
	lastTime time.Time
	sum      Summary
}

func newExportVerifier(batch int) *exportVerifier {
	return &exportVerifier{state: expectHeader, batch: batch, prev: -1}
}

// feed checks the next line, given without its line end; line is not kept
// after feed returns. The first error ends verification and is returned by
// every later call.
func (v *exportVerifier) feed(line []byte) error {
	if v.state == failed {
		return v.err
	}
	v.line++
	var err error
	switch v.state {
	case expectHeader:
		err = v.header(line)
	case expectKeys:
		err = v.keys(line)
	case expectEarlier:
		if bytes.HasPrefix(line, earlierPrefix) {
			err = v.earlierLine(line)
			break
		}
		v.state = expectEntries
		fallthrough
	case expectEntries:
		if bytes.HasPrefix(line, checkpointPrefix) {
			err = v.checkpoint(line)
		} else {
			err = v.queueEntry(line)
		}
	case done:
		err = tamperf(-1, v.line, "line %d: data after the checkpoint", v.line)
	}
	if err != nil {
		v.state, v.err = failed, err
	}
	return err
}

// finish ends verification at the end of the input, and returns the
// summary if the export verified.
func (v *exportVerifier) finish() (Summary, error) {
	var err error
	switch v.state {
	case failed:
		return Summary{}, v.err
	case done:
		return v.sum, nil
	case expectHeader:
		err = tamperf(-1, 1, "export is empty")
	case expectKeys:
		err = tamperf(-1, 2, "keys missing")
	case expectEarlier, expectEntries:
		err = v.fail(tamperf(-1, v.line+1, "checkpoint missing"))
	}
	v.state, v.err = failed, err
	return Summary{}, err
}

// abort ends verification on err, an error reading the input, and returns
// it, or the first bad signature of the entries before, which comes first.
func (v *exportVerifier) abort(err error) error {
	switch v.state {
	case failed:
		return v.err
	case expectEarlier, expectEntries:
		err = v.fail(err)
	}
	v.state, v.err = failed, err
	return err
}

// canonical checks that line is exactly what encode writes (rules H6, K3,
// E8, C4); seq is the entry's, or -1 for a line that is not an entry.
func (v *exportVerifier) canonical(line []byte, seq int64, encode func([]byte) []byte) error {
	v.buf = encode(v.buf[:0])
	if !sameLine(v.buf, line) {
		if seq >= 0 {
			return tamperf(seq, v.line, "entry %d: line %d is not in canonical form", seq, v.line)
		}
		return tamperf(-1, v.line, "line %d is not in canonical form", v.line)
	}
	return nil
}

// header checks line 1 (rules H1-H6).
func (v *exportVerifier) header(line []byte) error {
	hdr, opts, err := parseHeader(line)
	if err != nil {
		return err
	}
	if v.vo.Origin != "" && hdr.Origin != v.vo.Origin {
		return tamperf(-1, 1, "line 1: the export is of the log %q, not %q", truncate(hdr.Origin), truncate(v.vo.Origin))
	}
	v.hdr, v.opts, v.filtered = hdr, opts, opts.filtered()
	v.sum = Summary{Origin: hdr.Origin, TreeSize: hdr.TreeSize, Filtered: v.filtered}
	v.state = expectKeys
	return nil
}

// keys checks line 2 (rules K1-K3).
func (v *exportVerifier) keys(line []byte) error {
	var keys keysJSON
	if err := decodeStrict(line, &keys); err != nil {
		return tamperf(-1, 2, "line 2: not a keys line: %s", jsonProblem(err))
	}
	kr, err := newKeySet(keys.Keys)
	if err != nil {
		return tamperf(-1, 2, "keys: %v", err)
	}
	if err := v.canonical(line, -1, func(b []byte) []byte { return appendKeysLine(b, keys.Keys) }); err != nil {
		return err
	}
	v.sum.KeysFrom = KeysFromExport
	if v.trusted != nil {
		kr, v.sum.KeysFrom = v.trusted, v.vo.TrustedFrom
		if v.sum.KeysFrom == "" {
			v.sum.KeysFrom = "the trusted keys"
		}
	}
	v.kr, v.t = kr, newTree()
	v.pipe = newEntryPipe(&entryRules{kr: kr, filtered: v.filtered, opts: v.opts, size: v.hdr.TreeSize}, v.batch)
	v.state = expectEarlier
	return v.openAgainst()
}

// order checks an entry's seq against the one before and the tree size
// (rule E2).
func (v *exportVerifier) order(seq int64, line int) error {
	prev, size := v.prev, v.hdr.TreeSize
	switch {
	case seq < 0 || seq >= size:
		return tamperf(seq, line, "entry %d is beyond the tree size %d", seq, size)
	case seq == prev:
		return tamperf(seq, line, "entry %d appears twice", seq)
	case seq < prev:
		return tamperf(seq, line, "entry %d out of order (after entry %d)", seq, prev)
	case !v.filtered && seq != prev+1 && prev < 0:
		return tamperf(0, line, "entry 0 missing (export starts at entry %d)", seq)
	case !v.filtered && seq != prev+1:
		return tamperf(prev+1, line, "entry %d missing (seq jumps from %d to %d)", prev+1, prev, seq)
	}
	v.prev = seq
	return nil
}

// parseEntry turns decoded entry line number line into the entry, its leaf
// hash and, filtered, its inclusion proof (rules E3-E7).
func (v *entryRules) parseEntry(ej *entryJSON, line int) (Entry, tlog.Hash, tlog.RecordProof, error) {
	seq := ej.Seq
	tm, err := parseTime(ej.Time)
	if err != nil {
		return Entry{}, tlog.Hash{}, nil, tamperf(seq, line, "entry %d: %v", seq, err)
	}
	e := ej.entry(tm)
	if err := e.validateKnown(true, v.kr.pubs); err != nil {
		return Entry{}, tlog.Hash{}, nil, tamperf(seq, line, "entry %d: %v", seq, err)
	}
	if v.filtered && !v.opts.match(&e) {
		return Entry{}, tlog.Hash{}, nil, tamperf(seq, line, "entry %d does not match the export's filter", seq)
	}
	h := tlog.RecordHash(e.Leaf())
	if ej.Hash != h.String() {
		return Entry{}, tlog.Hash{}, nil, tamperf(seq, line, "entry %d: hash does not match the entry", seq)
	}
	if !v.filtered {
		return e, h, nil, nil
	}
	if len(ej.Proof) > 64 {
		return Entry{}, tlog.Hash{}, nil, tamperf(seq, line, "entry %d: inclusion proof too long", seq)
	}
	var proof tlog.RecordProof
	for _, s := range ej.Proof {
		ph, err := tlog.ParseHash(s)
		if err != nil {
			return Entry{}, tlog.Hash{}, nil, tamperf(seq, line, "entry %d: malformed inclusion proof", seq)
		}
		proof = append(proof, ph)
	}
	return e, h, proof, nil
}
