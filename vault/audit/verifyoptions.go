package audit

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// This file holds what a verifier brings from outside an export or a log:
// keys it trusts, an earlier checkpoint it kept, and the witnesses whose
// cosignatures it requires (VerifyOptions); and the summary of what they
// showed.

// VerifyOptions is what a verifier knows independently of the export or
// log it checks. The zero value trusts the export itself.
type VerifyOptions struct {
	// Trusted, when not nil, are the only keys that may sign entries and
	// checkpoints (from the members' cards or the vault's signed policy
	// chain): the export's keys line is still checked for form, and
	// otherwise ignored.
	Trusted []KeyInfo
	// TrustedFrom names where Trusted came from, for the summary (e.g. a
	// file name); "" says "the trusted keys".
	TrustedFrom string
	// Origin, when set, is the only log origin accepted ("tvault/<vault
	// id>", e.g. that of the policy chain the trusted keys came from).
	Origin string
	// Against is an earlier checkpoint (a signed note) kept off the
	// machine: the export must prove that its log extends it. An
	// unfiltered export is recomputed at the checkpoint's size; a filtered
	// one needs the consistency proof that an export made with
	// ExportOptions.Earlier carries.
	Against []byte
	// Witnesses are the cosigners whose cosignatures (C2SP tlog-cosignature)
	// are required on the export's checkpoint or on an earlier checkpoint it
	// proves consistent: at least Quorum of them (0: all). Cosignatures by
	// other keys are ignored.
	Witnesses []note.Verifier
	Quorum    int
	// Earlier, for VerifyLogWith only, are earlier checkpoints the vault
	// keeps (those its witnesses cosigned): each must verify and be a
	// prefix of the log, and their cosignatures count for Witnesses.
	Earlier [][]byte
}

// quorum is how many witnesses must have cosigned.
func (o *VerifyOptions) quorum() int {
	if o.Quorum <= 0 || o.Quorum > len(o.Witnesses) {
		return len(o.Witnesses)
	}
	return o.Quorum
}

// KeysFromExport is Summary.KeysFrom when the keys that verified an export
// came from the export itself.
const KeysFromExport = "the export itself"

// Witnessed is a witness whose cosignature verified, and the largest tree
// size it cosigned.
type Witnessed struct {
	Name string
	Size int64
}

// VerifyExportWith is VerifyExport with what the verifier knows from
// outside the export (see VerifyOptions). Failures are *TamperErrors, as
// for VerifyExport; invalid options are plain errors.
func VerifyExportWith(r io.Reader, o VerifyOptions) (Summary, error) {
	v := newExportVerifier(0)
	v.vo = o
	if err := o.checkWitnesses(); err != nil {
		return Summary{}, err
	}
	if o.Trusted != nil {
		kr, err := newKeySet(o.Trusted)
		if err != nil {
			return Summary{}, fmt.Errorf("invalid trusted keys: %v", err)
		}
		v.trusted = kr
	}
	return v.readAll(r)
}

// checkWitnesses refuses a witness given twice: its cosignature would
// count once toward a quorum that counts it twice.
func (o *VerifyOptions) checkWitnesses() error {
	for i, w := range o.Witnesses {
		if slices.ContainsFunc(o.Witnesses[:i], func(x note.Verifier) bool { return x.Name() == w.Name() }) {
			return fmt.Errorf("witness %s is given twice: give each witness once", w.Name())
		}
	}
	return nil
}

// maxEarlier caps an export's earlier-checkpoint lines (an auditor's kept
// checkpoint and one per witness): each costs up to 100 signature checks.
const maxEarlier = 64

// earlierPrefix begins an earlier-checkpoint line and no other line.
var earlierPrefix = []byte(`{"earlier_checkpoint":`)

// earlierJSON is an earlier-checkpoint line: a checkpoint of a smaller (or
// the same) tree and the consistency proof from it to the export's.
type earlierJSON struct {
	Checkpoint  string   `json:"earlier_checkpoint"`
	Consistency []string `json:"consistency"`
}

// earlier is a parsed earlier-checkpoint line.
type earlier struct {
	cp        Checkpoint
	proof     tlog.TreeProof
	cosigners []string
	line      int
}

func appendEarlierLine(dst []byte, text []byte, proof tlog.TreeProof) []byte {
	dst = append(dst, `{"earlier_checkpoint":`...)
	dst = appendString(dst, string(text))
	dst = append(dst, `,"consistency":[`...)
	for i, h := range proof {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, h.String())
	}
	return append(dst, "]}\n"...)
}

// earlierLine checks an earlier-checkpoint line (rules P0-P5, listed with
// expectEarlier) and keeps it for the checkpoint.
func (v *exportVerifier) earlierLine(line []byte) error {
	if len(v.earlier) == maxEarlier {
		return tamperf(-1, v.line, "line %d: more than %d earlier checkpoints", v.line, maxEarlier)
	}
	var ej earlierJSON
	if err := decodeStrict(line, &ej); err != nil {
		return tamperf(-1, v.line, "line %d: not an earlier-checkpoint line: %s", v.line, jsonProblem(err))
	}
	if len(ej.Consistency) > 2*64 {
		return tamperf(-1, v.line, "line %d: consistency proof too long", v.line)
	}
	var proof tlog.TreeProof
	for _, s := range ej.Consistency {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return tamperf(-1, v.line, "line %d: malformed consistency proof", v.line)
		}
		proof = append(proof, h)
	}
	if err := v.canonical(line, -1, func(b []byte) []byte { return appendEarlierLine(b, []byte(ej.Checkpoint), proof) }); err != nil {
		return err
	}
	cp, _, cosigners, err := v.kr.openWitnessed([]byte(ej.Checkpoint), v.vo.Witnesses)
	if err != nil {
		return tamperf(-1, v.line, "line %d: earlier checkpoint: %v", v.line, err)
	}
	if cp.Origin != v.hdr.Origin {
		return tamperf(-1, v.line, "line %d: earlier checkpoint of another log (%q)", v.line, truncate(cp.Origin))
	}
	if cp.Size > v.hdr.TreeSize {
		return tamperf(-1, v.line, "line %d: earlier checkpoint of %d entries is larger than the export's tree of %d: the log was truncated or rolled back",
			v.line, cp.Size, v.hdr.TreeSize)
	}
	if len(v.earlier) > 0 && cp.Size <= v.earlier[len(v.earlier)-1].cp.Size {
		return tamperf(-1, v.line, "line %d: earlier checkpoint of %d entries out of order", v.line, cp.Size)
	}
	cp.Text = nil // not needed, and up to a line long
	v.earlier = append(v.earlier, earlier{cp, proof, cosigners, v.line})
	return nil
}

// checkpoint checks the checkpoint line (rules C1-C8) and moves to done.
func (v *exportVerifier) checkpoint(line []byte) error {
	if err := v.drain(); err != nil {
		return err
	}
	if !v.filtered && v.prev+1 != v.hdr.TreeSize {
		return tamperf(v.prev+1, v.line, "entry %d missing (export ends at entry %d, tree size %d)", v.prev+1, v.prev, v.hdr.TreeSize)
	}
	var cj checkpointJSON
	if err := decodeStrict(line, &cj); err != nil {
		return tamperf(-1, v.line, "line %d: malformed checkpoint line: %s", v.line, jsonProblem(err))
	}
	if err := v.canonical(line, -1, func(b []byte) []byte { return appendCheckpointLine(b, []byte(cj.Checkpoint)) }); err != nil {
		return err
	}
	cp, key, cosigners, err := v.kr.openWitnessed([]byte(cj.Checkpoint), v.vo.Witnesses)
	if err != nil {
		return tamperf(-1, v.line, "checkpoint: %v", err)
	}
	if cp.Origin != v.hdr.Origin {
		return tamperf(-1, v.line, "checkpoint: origin %q does not match the header's %q", cp.Origin, v.hdr.Origin)
	}
	if cp.Size != v.hdr.TreeSize {
		return tamperf(-1, v.line, "checkpoint: tree size %d does not match the header's %d", cp.Size, v.hdr.TreeSize)
	}
	if v.filtered {
		if err := v.roots.check(cp.Root); err != nil {
			return err
		}
	} else {
		root, err := v.t.root()
		if err != nil {
			return err
		}
		if root != cp.Root {
			return tamperf(-1, v.line, "checkpoint: root does not match entries")
		}
	}
	if err := v.checkExtends(cp, cosigners); err != nil {
		return err
	}
	v.sum.Root, v.sum.Signer, v.sum.SignerKey = cp.Root, cp.Signer, key
	v.state = done
	return nil
}

// openAgainst verifies the checkpoint the verifier kept (rule K4).
func (v *exportVerifier) openAgainst() error {
	if v.vo.Against == nil {
		return nil
	}
	cp, _, _, err := v.kr.openWitnessed(v.vo.Against, v.vo.Witnesses)
	if err != nil {
		return tamperf(-1, 2, "earlier checkpoint given: %v", err)
	}
	if cp.Origin != v.hdr.Origin {
		return tamperf(-1, 2, "earlier checkpoint given is of another log (%q, the export is of %q)", truncate(cp.Origin), v.hdr.Origin)
	}
	if cp.Size > v.hdr.TreeSize {
		return tamperf(-1, 2, "export covers %d entries, fewer than the %d of the earlier checkpoint: it was truncated, or the log rolled back", v.hdr.TreeSize, cp.Size)
	}
	v.against = &cp
	return nil
}

// checkAgainstAt compares the tree of the first n entries, recomputed from
// an unfiltered export, with the kept checkpoint's (rule E11).
func (v *exportVerifier) checkAgainstAt(n int64, line int) error {
	if v.against == nil || v.against.Size != n {
		return nil
	}
	root, err := v.t.root()
	if err != nil {
		return err
	}
	if root != v.against.Root {
		return tamperf(n-1, line, "the first %d entries differ from the earlier checkpoint's: the log's history was rewritten", n)
	}
	v.againstOK = true
	return nil
}

// checkExtends checks, once the checkpoint's root is known, every earlier
// checkpoint's consistency proof, the kept checkpoint, and the witnesses
// (rules C9-C11).
func (v *exportVerifier) checkExtends(cp Checkpoint, cosigners []string) error {
	for _, e := range v.earlier {
		if e.cp.Size == 0 && len(e.proof) == 0 {
			continue // the empty tree is a prefix of every tree
		}
		if err := tlog.CheckTree(e.proof, cp.Size, cp.Root, e.cp.Size, e.cp.Root); err != nil {
			return tamperf(-1, e.line, "line %d: the checkpoint does not extend the earlier checkpoint of %d entries: the log's history was rewritten", e.line, e.cp.Size)
		}
	}
	if a := v.against; a != nil && !v.againstOK {
		switch i := slices.IndexFunc(v.earlier, func(e earlier) bool { return e.cp.Size == a.Size }); {
		case a.Size == 0 || a.Size == cp.Size && a.Root == cp.Root:
		case a.Size == cp.Size:
			return tamperf(-1, v.line, "checkpoint: differs from the earlier checkpoint of the same size: the log's history was rewritten")
		case i < 0:
			return tamperf(-1, v.line, "export carries no consistency proof from the earlier checkpoint of %d entries: export it with --from-checkpoint", a.Size)
		case v.earlier[i].cp.Root != a.Root:
			return tamperf(-1, v.earlier[i].line, "line %d: the export's history differs from the earlier checkpoint's: it was rewritten", v.earlier[i].line)
		}
	}
	v.sum.Against = v.against
	witnessed := tallyWitnesses(cp, cosigners, v.earlier)
	v.sum.Witnessed = witnessed
	return checkQuorum(&v.vo, witnessed, v.line)
}

// tallyWitnesses returns, per witness, the largest size it cosigned, among
// the checkpoint and the earlier ones proven consistent with it.
func tallyWitnesses(cp Checkpoint, cosigners []string, earlier []earlier) []Witnessed {
	var out []Witnessed
	add := func(names []string, size int64) {
		for _, n := range names {
			if i := slices.IndexFunc(out, func(w Witnessed) bool { return w.Name == n }); i >= 0 {
				out[i].Size = max(out[i].Size, size)
			} else {
				out = append(out, Witnessed{n, size})
			}
		}
	}
	add(cosigners, cp.Size)
	for _, e := range earlier {
		add(e.cosigners, e.cp.Size)
	}
	slices.SortFunc(out, func(a, b Witnessed) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// checkQuorum requires cosignatures from o's quorum of witnesses.
func checkQuorum(o *VerifyOptions, witnessed []Witnessed, line int) error {
	need := o.quorum()
	if len(witnessed) >= need {
		return nil
	}
	var missing []string
	for _, w := range o.Witnesses {
		if !slices.ContainsFunc(witnessed, func(x Witnessed) bool { return x.Name == w.Name() }) {
			missing = append(missing, w.Name())
		}
	}
	te := tamperf(-1, line, "checkpoint: cosigned by %d of the witnesses, %d required (no cosignature by %s)",
		len(witnessed), need, strings.Join(missing, ", "))
	te.kind = ErrMissingCosignatures
	return te
}

// proveEarlier checks earlier checkpoints for an export of the log up to
// cp: each signed by one of kr's keys (and, if witnesses are given, their
// cosignatures verified; other signatures are kept, not checked), of this
// log, no larger than cp and a prefix of it; and returns them with their
// consistency proofs and the witnesses that cosigned them, by size, notes
// of the same tree merged. A checkpoint the log does not extend is a
// *TamperError.
func (l *Log) proveEarlier(b Backend, kr *keySet, cp Checkpoint, notes [][]byte, witnesses []note.Verifier) ([]earlier, error) {
	var out []earlier
	for _, msg := range notes {
		e, _, cosigners, err := kr.openWitnessed(msg, witnesses)
		if err != nil {
			return nil, tamperf(-1, 0, "earlier checkpoint: %v", err)
		}
		if e.Origin != l.origin {
			return nil, tamperf(-1, 0, "earlier checkpoint: origin %q is not this log's %q", truncate(e.Origin), l.origin)
		}
		if e.Size > cp.Size {
			return nil, tamperf(-1, 0, "log has %d entries, fewer than the %d of the earlier checkpoint: it was rolled back", cp.Size, e.Size)
		}
		if i := slices.IndexFunc(out, func(x earlier) bool { return x.cp.Size == e.Size }); i >= 0 {
			if out[i].cp.Root != e.Root {
				return nil, tamperf(-1, 0, "two earlier checkpoints of %d entries differ: the log's history was forked", e.Size)
			}
			out[i].cp.Text = mergeNotes(out[i].cp.Text, e.Text)
			out[i].cosigners = append(out[i].cosigners, cosigners...)
			continue
		}
		var p tlog.TreeProof
		if e.Size > 0 && e.Size < cp.Size {
			if p, err = tlog.ProveTree(cp.Size, e.Size, b); err != nil {
				return nil, fmt.Errorf("failed to read audit tree: %w", err)
			}
		}
		if e.Size > 0 && tlog.CheckTree(p, cp.Size, cp.Root, e.Size, e.Root) != nil {
			return nil, tamperf(-1, 0, "log does not extend the earlier checkpoint of %d entries: its history was rewritten", e.Size)
		}
		out = append(out, earlier{cp: e, proof: p, cosigners: cosigners})
	}
	if len(out) > maxEarlier {
		return nil, fmt.Errorf("%d earlier checkpoints, more than an export may carry (%d)", len(out), maxEarlier)
	}
	slices.SortFunc(out, func(a, b earlier) int { return cmp.Compare(a.cp.Size, b.cp.Size) })
	return out, nil
}

// mergeNotes returns note a with the signature lines of b it lacks, if a
// and b are signed notes of the same text; else a.
func mergeNotes(a, b []byte) []byte {
	out := append([]byte(nil), a...)
	textA, sigsA, _ := bytes.Cut(a, []byte("\n\n"))
	textB, sigsB, _ := bytes.Cut(b, []byte("\n\n"))
	if !bytes.Equal(textA, textB) {
		return out
	}
	for _, sig := range bytes.SplitAfter(sigsB, []byte("\n")) {
		if len(sig) > 0 && !slices.ContainsFunc(bytes.SplitAfter(sigsA, []byte("\n")), func(x []byte) bool { return bytes.Equal(x, sig) }) {
			out = append(out, sig...)
		}
	}
	return out
}
