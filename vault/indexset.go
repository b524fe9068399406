package vault

import (
	"bytes"
	"crypto/rand"
	"slices"

	"github.com/zeebo/blake3"
)

// indexSet is the index that check expects, kept as 16 bytes per entry
// instead of the entries themselves: a keyed BLAKE3 of each (field, value,
// id), the key drawn afresh for every check, so that nobody who writes to
// the vault folder can plant an entry that collides with an expected one.
// A million records imply some seven million entries: 110 MiB this way,
// gigabytes as strings in a map.
type indexSet struct {
	h     *blake3.Hasher // keyed
	sums  [][16]byte
	taken []bool
}

func newIndexSet() *indexSet {
	var key [32]byte
	rand.Read(key[:])
	h, _ := blake3.NewKeyed(key[:]) // fails only for a key of another length
	return &indexSet{h: h}
}

func (s *indexSet) sum(e indexEntry) [16]byte {
	h := s.h
	h.Reset()
	// Each part ends with a 0 byte, which no field, value or id holds, so
	// (a, b0c) and (ab, 0c) cannot hash alike.
	h.WriteString(e.field)
	h.Write([]byte{0})
	h.WriteString(e.value)
	h.Write([]byte{0})
	h.WriteString(e.id)
	var out [16]byte
	h.Digest().Read(out[:])
	return out
}

// add notes the entries one verified header implies.
func (s *indexSet) add(entries []indexEntry) {
	for _, e := range entries {
		s.sums = append(s.sums, s.sum(e))
	}
}

// seal sorts the set and drops duplicates (a list value named twice);
// call it once, after the last add.
func (s *indexSet) seal() {
	slices.SortFunc(s.sums, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	s.sums = slices.Compact(s.sums)
	s.taken = make([]bool, len(s.sums))
}

// take reports whether a stored entry is expected, and marks it found.
func (s *indexSet) take(e indexEntry) bool {
	sum := s.sum(e)
	i, ok := slices.BinarySearchFunc(s.sums, sum, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	if !ok || s.taken[i] {
		return false
	}
	s.taken[i] = true
	return true
}

// missing is how many expected entries take never found.
func (s *indexSet) missing() int {
	n := 0
	for _, t := range s.taken {
		if !t {
			n++
		}
	}
	return n
}
