package audit

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// VerifyLog checks the vault's own log as VerifyExport checks an
// unfiltered export: every entry well-formed, at its seq, signed by a key in
// keys listed under its actor's name; the tree recomputed from the entries
// equal to every stored tree hash; the latest checkpoint signed by a key in
// keys, for this origin, the log's size and the recomputed root. keys are
// the keys the vault knows (members of every policy version). A failure is a *TamperError naming
// the first bad entry; errors from b are returned wrapped.
func (l *Log) VerifyLog(b Backend, keys []KeyInfo) (Summary, error) {
	return l.VerifyLogEach(b, keys, nil)
}

// VerifyLogEach is VerifyLog, calling visit (if not nil) with each entry
// in seq order once it is well-formed, so that a caller can check what the
// entries say in the same pass. Signatures are verified in batches: an
// entry visited may still turn out to be badly signed, and then
// VerifyLogEach fails.
func (l *Log) VerifyLogEach(b Backend, keys []KeyInfo, visit func(*Entry)) (Summary, error) {
	if err := checkOrigin(l.origin); err != nil {
		return Summary{}, err
	}
	kr, err := newKeySet(keys)
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
		if visit != nil {
			visit(&e)
		}
		hashes, err := t.add(tlog.RecordHash(leaf))
		if err != nil {
			return Summary{}, c.fail(err)
		}
		if err := checkStoredHashes(b, seq, hashes); err != nil {
			return Summary{}, c.fail(err)
		}
		sum.count(e.Time)
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
	if err := l.checkLogHead(cp, n, t); err != nil {
		return Summary{}, err
	}
	sum.Root, sum.Signer, sum.SignerKey = cp.Root, cp.Signer, key
	return sum, nil
}

// checkStoredHashes compares the tree hashes that appending entry seq
// stores, recomputed from the entries, with those b holds.
func checkStoredHashes(b Backend, seq int64, hashes []tlog.Hash) error {
	indexes := make([]int64, len(hashes))
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, seq) + int64(i)
	}
	stored, err := b.ReadHashes(indexes)
	if err != nil {
		return fmt.Errorf("failed to read audit tree: %w", err)
	}
	if len(stored) != len(hashes) {
		return fmt.Errorf("failed to read audit tree: got %d hashes, want %d", len(stored), len(hashes))
	}
	for i := range hashes {
		if stored[i] != hashes[i] {
			return tamperf(seq, 0, "entry %d: stored tree hashes do not match the entries", seq)
		}
	}
	return nil
}

// checkLogHead checks a verified checkpoint against the log's origin, its
// n entries and the tree t recomputed from them.
func (l *Log) checkLogHead(cp Checkpoint, n int64, t *tree) error {
	if cp.Origin != l.origin {
		return tamperf(-1, 0, "checkpoint: origin %q is not this log's %q", truncate(cp.Origin), l.origin)
	}
	if cp.Size != n {
		return tamperf(-1, 0, "checkpoint: tree size %d does not match the log's %d entries", cp.Size, n)
	}
	root, err := t.root()
	if err != nil {
		return err
	}
	if root != cp.Root {
		return tamperf(-1, 0, "checkpoint: root does not match entries")
	}
	return nil
}

// VerifyAgainst proves that the log extends an earlier checkpoint, kept
// off the machine: checkpoint must verify with one of keys and name this
// log's origin; the log's current head (see Head) must be at least as
// large, and a consistency proof (tlog.ProveTree, tlog.CheckTree) must show
// the earlier tree is a prefix of the current one. A smaller log (rolled
// back) or a different history is a *TamperError. VerifyAgainst checks
// tree hashes only: run VerifyLog too, to check the entries behind them.
func (l *Log) VerifyAgainst(b Backend, keys []KeyInfo, checkpoint []byte) error {
	kr, err := newKeySet(keys)
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

// VerifyLogWith is VerifyLog with what the verifier knows from outside
// the vault (VerifyOptions): keys replaced by o.Trusted if given; the log
// proven to extend o.Against (VerifyAgainst); each of o.Earlier verified
// and proven a prefix of the log, its cosignatures counted toward a quorum
// of o.Witnesses.
func (l *Log) VerifyLogWith(b Backend, keys []KeyInfo, o VerifyOptions) (Summary, error) {
	if err := o.checkWitnesses(); err != nil {
		return Summary{}, err
	}
	if o.Trusted != nil {
		keys = o.Trusted
	}
	if o.Origin != "" && o.Origin != l.origin {
		return Summary{}, tamperf(-1, 0, "the log is %q, not %q", l.origin, truncate(o.Origin))
	}
	sum, err := l.VerifyLog(b, keys)
	if err != nil {
		return Summary{}, err
	}
	if o.Trusted != nil {
		sum.KeysFrom = o.TrustedFrom
		if sum.KeysFrom == "" {
			sum.KeysFrom = "the trusted keys"
		}
	}
	kr, _ := newKeySet(keys) // checked by VerifyLog
	if o.Against != nil {
		if err := l.VerifyAgainst(b, keys, o.Against); err != nil {
			return Summary{}, err
		}
		against, _, _ := kr.open(o.Against)
		sum.Against = &against
	}
	head := Checkpoint{Origin: l.origin, Size: sum.TreeSize, Root: sum.Root}
	earlier, err := l.proveEarlier(b, kr, head, o.Earlier, o.Witnesses)
	if err != nil {
		return Summary{}, err
	}
	sum.Witnessed = tallyWitnesses(head, nil, earlier)
	if err := checkQuorum(&o, sum.Witnessed, 0); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// VerifyEarlier proves that the log extends each of notes, earlier
// checkpoints (those witnesses cosigned, kept by the vault), each signed by
// one of keys; another signature on them is not checked. A note the log
// does not extend is a *TamperError.
func (l *Log) VerifyEarlier(b Backend, keys []KeyInfo, notes [][]byte) error {
	if len(notes) == 0 {
		return nil
	}
	head, err := l.Head(b)
	if err != nil {
		return err
	}
	kr, err := newKeySet(keys)
	if err != nil {
		return err
	}
	_, err = l.proveEarlier(b, kr, head, notes, nil)
	return err
}
