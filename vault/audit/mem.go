package audit

import (
	"fmt"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// MemBackend is a Backend in memory, for tests of this package and of
// others. Its zero value is an empty log. It is safe for concurrent use,
// copies what it is given and what it returns, and checks that Append is
// called with the next seq and the right number of hashes.
type MemBackend struct {
	mu         sync.Mutex
	entries    [][]byte
	hashes     []tlog.Hash
	checkpoint []byte
}

var _ Backend = (*MemBackend)(nil)

// NewMemBackend returns an empty MemBackend.
func NewMemBackend() *MemBackend { return new(MemBackend) }

// Clone returns an independent copy of m, e.g. to simulate a rollback.
func (m *MemBackend) Clone() *MemBackend {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &MemBackend{
		entries:    slices.Clone(m.entries), // the leaves themselves are never modified
		hashes:     slices.Clone(m.hashes),
		checkpoint: slices.Clone(m.checkpoint),
	}
}

// Size implements Backend.
func (m *MemBackend) Size() (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.entries)), nil
}

// ReadHashes implements Backend.
func (m *MemBackend) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("audit tree hash %d not found", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// ReadEntry implements Backend.
func (m *MemBackend) ReadEntry(seq int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq < 0 || seq >= int64(len(m.entries)) {
		return nil, fmt.Errorf("audit entry %d not found", seq)
	}
	return slices.Clone(m.entries[seq]), nil
}

// Append implements Backend.
func (m *MemBackend) Append(seq int64, leaf []byte, hashes []tlog.Hash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq != int64(len(m.entries)) {
		return fmt.Errorf("append of audit entry %d to a log of %d", seq, len(m.entries))
	}
	if tlog.StoredHashIndex(0, seq) != int64(len(m.hashes)) || tlog.StoredHashCount(seq+1) != int64(len(m.hashes)+len(hashes)) {
		return fmt.Errorf("append of audit entry %d with %d hashes to a tree of %d", seq, len(hashes), len(m.hashes))
	}
	m.entries = append(m.entries, slices.Clone(leaf))
	m.hashes = append(m.hashes, hashes...)
	return nil
}

// Checkpoint implements Backend.
func (m *MemBackend) Checkpoint() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.checkpoint), nil
}

// SetCheckpoint implements Backend.
func (m *MemBackend) SetCheckpoint(note []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checkpoint = slices.Clone(note)
	return nil
}
