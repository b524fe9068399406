package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Backend is the audit log's storage, one transaction's view of it. The
// vault implements it on its store; tests use MemBackend.
//
// A Backend is used by one goroutine at a time. Its methods return an error
// rather than partial results; the log fails closed on any of them.
type Backend interface {
	// Size returns the number of entries.
	Size() (int64, error)
	// ReadHashes returns the stored tree hashes at the given stored-hash
	// indexes (tlog.StoredHashIndex), one per index, in order.
	ReadHashes(indexes []int64) ([]tlog.Hash, error)
	// ReadEntry returns the leaf (the encoded entry) of entry seq.
	ReadEntry(seq int64) ([]byte, error)
	// Append stores entry seq, which equals Size(), and its stored hashes,
	// which begin at tlog.StoredHashIndex(0, seq); afterwards Size() is seq+1.
	Append(seq int64, leaf []byte, hashes []tlog.Hash) error
	// Checkpoint returns the latest signed checkpoint note, nil if none.
	Checkpoint() ([]byte, error)
	// SetCheckpoint replaces the latest signed checkpoint note.
	SetCheckpoint(note []byte) error
}

var _ tlog.HashReader = Backend(nil)

// ErrEmptyLog is returned by Head, Export and VerifyLog for a log without
// entries. A vault's log is never empty: init is its first entry.
var ErrEmptyLog = errors.New("audit log is empty")

// Actor is the member on whose behalf an entry is appended: their name in
// the policy and their Ed25519 signing key, which signs the entry and the
// checkpoint. A vault never appends on behalf of a non-member: a
// non-member's refused attempt leaves no entry, since anyone can make a
// key and fill the log with them.
type Actor struct {
	Name string
	Key  ed25519.PrivateKey
}

// Log is a vault's audit log. It holds only the origin; the entries live in
// a Backend passed to each call. A Log is safe for concurrent use.
type Log struct {
	origin string
}

// New returns the log whose checkpoints name origin on their first line,
// e.g. "tvault/<vault id>". An invalid origin (empty, multi-line, starting
// with '{') makes every method fail.
func New(origin string) *Log {
	return &Log{origin: origin}
}

// Origin returns the log's origin.
func (l *Log) Origin() string { return l.origin }

// Append appends e, signed as actor, and a new checkpoint signed as actor,
// and returns the entry as stored.
//
// Append sets Seq to the log's size, Actor and ActorKey from actor (a
// non-empty value that disagrees is an error), Time to now if it is zero
// (and to UTC in any case), and Sig. It checks the entry against the rules
// in the package documentation and returns an error wrapping
// ErrInvalidEntry, before touching b, if it breaks one.
//
// Append fails closed: the first error from b is returned and nothing
// further is attempted. The caller must then abandon the transaction, so
// that the operation being audited does not happen either.
func (l *Log) Append(b Backend, actor Actor, e Entry) (Entry, error) {
	if err := checkOrigin(l.origin); err != nil {
		return Entry{}, err
	}
	s, err := newSigner(actor)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %v", ErrInvalidEntry, err)
	}
	e, root, err := appendEntry(b, s, e)
	if err != nil {
		return Entry{}, err
	}
	cp, err := signCheckpoint(l.origin, e.Seq+1, root, s)
	if err != nil {
		return Entry{}, fmt.Errorf("failed to sign audit checkpoint: %w", err)
	}
	if err := b.SetCheckpoint(cp); err != nil {
		return Entry{}, fmt.Errorf("failed to store audit checkpoint: %w", err)
	}
	return e, nil
}

// Stamp returns the time for an entry about to be appended to b: now, or
// the time of the log's last entry if now precedes it (the writer's clock
// is behind an earlier writer's), in UTC. An entry's time never precedes
// the previous entry's: Append refuses one that would, and every verifier
// reports it as tampering. Stamp the time an operation also writes
// elsewhere (a seal's header) with it, inside the same transaction.
func (l *Log) Stamp(b Backend, now time.Time) (time.Time, error) {
	n, err := b.Size()
	if err != nil {
		return time.Time{}, fmt.Errorf("failed to read audit log size: %w", err)
	}
	last, err := lastTime(b, n)
	if err != nil {
		return time.Time{}, err
	}
	return later(now, last).UTC(), nil
}

// lastTime returns the time of the last of b's n entries, or the zero time
// if there is none or it is damaged: a damaged log is for the verifiers to
// report, and must not stop check from recording that it ran. It reads
// only the time, the leaf's last member (see the package documentation),
// without parsing the rest: Append calls it for every entry.
func lastTime(b Backend, n int64) (time.Time, error) {
	if n <= 0 {
		return time.Time{}, nil
	}
	leaf, err := b.ReadEntry(n - 1)
	if err != nil {
		return time.Time{}, fmt.Errorf("failed to read audit entry %d: %w", n-1, err)
	}
	rest, ok := bytes.CutSuffix(leaf, []byte(`"}`))
	i := bytes.LastIndex(rest, []byte(`,"time":"`))
	if !ok || i < 0 {
		return time.Time{}, nil
	}
	t, err := parseTime(string(rest[i+len(`,"time":"`):]))
	if err != nil {
		return time.Time{}, nil
	}
	return t, nil
}

// later returns the later of a and b, dropping a's monotonic reading.
func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a.Round(0)
}

// appendEntry is Append without the checkpoint: it completes, checks,
// signs and stores e, and returns it with the new tree root.
func appendEntry(b Backend, s *signer, e Entry) (Entry, tlog.Hash, error) {
	key := formatKey(s.pub)
	if e.Actor != "" && e.Actor != s.name || e.ActorKey != "" && e.ActorKey != key {
		return Entry{}, tlog.Hash{}, fmt.Errorf("%w: actor or actor_key differs from the signing actor", ErrInvalidEntry)
	}
	e.Actor, e.ActorKey = s.name, key
	n, err := b.Size()
	if err != nil {
		return Entry{}, tlog.Hash{}, fmt.Errorf("failed to read audit log size: %w", err)
	}
	if n < 0 || n >= maxTreeSize {
		return Entry{}, tlog.Hash{}, fmt.Errorf("audit log size %d out of range", n)
	}
	last, err := lastTime(b, n)
	if err != nil {
		return Entry{}, tlog.Hash{}, err
	}
	if e.Time.IsZero() {
		e.Time = later(time.Now(), last)
	}
	e.Time = e.Time.UTC() // also drops the monotonic reading
	if e.Time.Before(last) {
		return Entry{}, tlog.Hash{}, fmt.Errorf("%w: its time %s precedes the previous entry's %s (stamp entries with Log.Stamp)",
			ErrInvalidEntry, formatTime(e.Time), formatTime(last))
	}
	e.Seq, e.Sig = 0, ""
	if err := e.validate(false); err != nil {
		return Entry{}, tlog.Hash{}, fmt.Errorf("%w: %v", ErrInvalidEntry, err)
	}
	e.Seq = n
	e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, e.SignedBytes()))
	root, err := appendLeaf(b, n, e.Leaf())
	if err != nil {
		return Entry{}, tlog.Hash{}, err
	}
	return e, root, nil
}

// appendLeaf stores leaf as entry n with its tree hashes and returns the
// root of the tree of n+1 entries.
func appendLeaf(b Backend, n int64, leaf []byte) (tlog.Hash, error) {
	hashes, err := tlog.StoredHashes(n, leaf, b)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("failed to read audit tree: %w", err)
	}
	if err := b.Append(n, leaf, hashes); err != nil {
		return tlog.Hash{}, fmt.Errorf("failed to append audit entry: %w", err)
	}
	// Compute the root from the hashes just computed plus older ones read
	// from b, rather than relying on b reading back its own writes.
	root, err := tlog.TreeHash(n+1, overlay{b, tlog.StoredHashIndex(0, n), hashes})
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("failed to read audit tree: %w", err)
	}
	return root, nil
}

// overlay reads hashes [base, base+len(hashes)) from hashes and the rest
// from r.
type overlay struct {
	r      tlog.HashReader
	base   int64
	hashes []tlog.Hash
}

func (o overlay) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var miss []int64
	for _, x := range indexes {
		if x < o.base || x >= o.base+int64(len(o.hashes)) {
			miss = append(miss, x)
		}
	}
	var got []tlog.Hash
	if len(miss) > 0 {
		var err error
		if got, err = o.r.ReadHashes(miss); err != nil {
			return nil, err
		}
		if len(got) != len(miss) {
			return nil, fmt.Errorf("read %d hashes, want %d", len(got), len(miss))
		}
	}
	for i, x := range indexes {
		if x >= o.base && x < o.base+int64(len(o.hashes)) {
			out[i] = o.hashes[x-o.base]
		} else {
			out[i], got = got[0], got[1:]
		}
	}
	return out, nil
}

// Head returns the log's latest checkpoint after checking it against b: it
// must be signed by the key of the last entry's actor (who appended it),
// name this log's origin, and match b's size and stored tree. It does not
// re-read the entries: VerifyLog does. A log without entries returns
// ErrEmptyLog; a mismatch returns a *TamperError.
func (l *Log) Head(b Backend) (Checkpoint, error) {
	if err := checkOrigin(l.origin); err != nil {
		return Checkpoint{}, err
	}
	n, err := b.Size()
	if err != nil {
		return Checkpoint{}, fmt.Errorf("failed to read audit log size: %w", err)
	}
	msg, err := b.Checkpoint()
	if err != nil {
		return Checkpoint{}, fmt.Errorf("failed to read audit checkpoint: %w", err)
	}
	if n == 0 && msg == nil {
		return Checkpoint{}, ErrEmptyLog
	}
	if n == 0 {
		return Checkpoint{}, tamperf(-1, 0, "checkpoint: the log has a checkpoint but no entries")
	}
	if n < 0 || n > maxTreeSize {
		return Checkpoint{}, tamperf(-1, 0, "audit log size %d out of range", n)
	}
	if msg == nil {
		return Checkpoint{}, tamperf(-1, 0, "checkpoint missing")
	}
	leaf, err := b.ReadEntry(n - 1)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("failed to read audit entry %d: %w", n-1, err)
	}
	last, err := ParseLeaf(leaf)
	if err != nil {
		return Checkpoint{}, tamperf(n-1, 0, "entry %d: %v", n-1, err)
	}
	kr, err := newKeySet([]KeyInfo{{Name: last.Actor, Key: last.ActorKey}})
	if err != nil {
		return Checkpoint{}, tamperf(n-1, 0, "entry %d: %v", n-1, err)
	}
	cp, _, err := kr.open(msg)
	if err != nil {
		return Checkpoint{}, tamperf(-1, 0, "checkpoint: %v (want the signature of %s, the last entry's actor)", err, last.Actor)
	}
	if err := l.checkHead(b, cp, n); err != nil {
		return Checkpoint{}, err
	}
	return cp, nil
}

// checkHead checks a verified checkpoint against the log's origin, size n
// and stored tree.
func (l *Log) checkHead(b Backend, cp Checkpoint, n int64) error {
	if cp.Origin != l.origin {
		return tamperf(-1, 0, "checkpoint: origin %q is not this log's %q", truncate(cp.Origin), l.origin)
	}
	if cp.Size != n {
		return tamperf(-1, 0, "checkpoint: size %d does not match the log's %d entries", cp.Size, n)
	}
	root, err := tlog.TreeHash(n, b)
	if err != nil {
		return fmt.Errorf("failed to read audit tree: %w", err)
	}
	if root != cp.Root {
		return tamperf(-1, 0, "checkpoint: root does not match the stored tree")
	}
	return nil
}
