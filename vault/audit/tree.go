package audit

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

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

// proofRoots follows the roots that a filtered export's inclusion proofs
// imply, in constant memory: the first entry's, and the first entry whose
// proof implies another. If the first root is the checkpoint's, that other
// entry is the first bad one; if not, the first entry is.
type proofRoots struct {
	n            int64     // entries added
	first        tlog.Hash // the root implied by the first entry's proof
	firstSeq     int64
	firstLine    int
	mismatchSeq  int64 // the first entry implying another root, if mismatch
	mismatchLine int
	mismatch     bool
}

// checkedProofRoot returns the root that the inclusion proof of entry seq
// with leaf hash h in a tree of size entries implies, or false if the proof
// is malformed (rule E10).
func checkedProofRoot(proof tlog.RecordProof, size, seq int64, h tlog.Hash) (tlog.Hash, bool) {
	root, ok := proofRoot(proof, size, seq, h)
	if !ok || tlog.CheckRecord(proof, size, root, seq, h) != nil {
		return tlog.Hash{}, false
	}
	return root, true
}

// add records the root that entry seq's proof implies (checkedProofRoot).
func (pr *proofRoots) add(root tlog.Hash, seq int64, line int) {
	switch {
	case pr.n == 0:
		pr.first, pr.firstSeq, pr.firstLine = root, seq, line
	case root != pr.first && !pr.mismatch:
		pr.mismatch, pr.mismatchSeq, pr.mismatchLine = true, seq, line
	}
	pr.n++
}

// check requires every proof added to imply root, the checkpoint's (rule C8).
func (pr *proofRoots) check(root tlog.Hash) error {
	switch {
	case pr.n == 0:
		return nil
	case pr.first != root:
		return tamperf(pr.firstSeq, pr.firstLine, "entry %d: inclusion proof does not match the checkpoint", pr.firstSeq)
	case pr.mismatch:
		return tamperf(pr.mismatchSeq, pr.mismatchLine, "entry %d: inclusion proof does not match the checkpoint", pr.mismatchSeq)
	}
	return nil
}
