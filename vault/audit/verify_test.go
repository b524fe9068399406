package audit

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestVerifyLog(t *testing.T) {
	l, b := buildLog(t, 30)
	sum, err := l.VerifyLog(b, testKeys())
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := l.Head(b)
	if sum.Entries != 30 || sum.TreeSize != 30 || sum.Root != cp.Root || sum.Signer != cp.Signer {
		t.Errorf("summary %+v", sum)
	}

	tamper := func(name string, edit func(m *MemBackend), keys []KeyInfo, want string) {
		t.Helper()
		m := b.Clone()
		edit(m)
		_, err := l.VerifyLog(m, keys)
		if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, want)
		}
	}
	// Entry 7 replaced by a validly signed entry with other content.
	leaf, _ := b.ReadEntry(7)
	e, _ := ParseLeaf(leaf)
	e.Detail = "rewritten"
	resign(&e, olena)
	tamper("entry rewritten", func(m *MemBackend) { m.entries[7] = e.Leaf() }, testKeys(), "entry 7: stored tree hashes do not match")
	e.Sig = b64(make([]byte, 64))
	tamper("signature broken", func(m *MemBackend) { m.entries[7] = e.Leaf() }, testKeys(), "entry 7: signature does not verify")
	tamper("leaf garbled", func(m *MemBackend) { m.entries[4] = []byte("{}") }, testKeys(), "entry 4:")
	tamper("entry moved", func(m *MemBackend) { m.entries[4] = m.entries[5] }, testKeys(), "entry 4: stored entry says seq 5")
	tamper("hash changed", func(m *MemBackend) { m.hashes[tlog.StoredHashIndex(1, 3)][0] ^= 1 }, testKeys(), "entry 7: stored tree hashes")
	tamper("key unknown", func(*MemBackend) {}, []KeyInfo{memberKey(iryna), memberKey(mykola)}, "entry 1: key")
	_, b29 := buildLog(t, 29)
	tamper("checkpoint stale", func(m *MemBackend) { m.checkpoint, _ = b29.Checkpoint() }, testKeys(), "checkpoint: tree size 29 does not match")
	tamper("checkpoint missing", func(m *MemBackend) { m.checkpoint = nil }, testKeys(), "checkpoint missing")

	if _, err := l.VerifyLog(NewMemBackend(), testKeys()); !errors.Is(err, ErrEmptyLog) {
		t.Errorf("empty log: %v", err)
	}
	if _, err := l.VerifyLog(b, []KeyInfo{{Name: "x", Key: "y"}}); err == nil || errors.Is(err, ErrTampered) {
		t.Errorf("bad keys: %v", err)
	}
}

func TestVerifyAgainst(t *testing.T) {
	l, b := buildLog(t, 10)
	old, _ := b.Checkpoint()
	early := b.Clone()
	appendN(t, l, b, 10, 25)
	cur, _ := b.Checkpoint()

	for _, n := range []int{1, 2, 7, 10, 16, 24, 25} {
		_, bn := buildLog(t, n)
		cp, _ := bn.Checkpoint()
		if err := l.VerifyAgainst(b, testKeys(), cp); err != nil {
			t.Errorf("checkpoint of %d entries: %v", n, err)
		}
	}
	if err := l.VerifyAgainst(b, testKeys(), old); err != nil {
		t.Errorf("old checkpoint: %v", err)
	}
	if err := l.VerifyAgainst(b, testKeys(), cur); err != nil {
		t.Errorf("current checkpoint: %v", err)
	}

	// A rolled-back backend against a newer checkpoint.
	err := l.VerifyAgainst(early, testKeys(), cur)
	if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "rolled back") {
		t.Errorf("rollback: %v", err)
	}

	// Rewritten histories, of the same size and longer: the same entries
	// but entry 3's detail changed, everything validly re-signed.
	rewrite := func(n int) *MemBackend {
		m := NewMemBackend()
		for i := range n {
			a, e := testEntry(i)
			if i == 3 {
				e.Detail = "rewritten"
			}
			if _, err := l.Append(m, a, e); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	for _, n := range []int{25, 30} {
		err := l.VerifyAgainst(rewrite(n), testKeys(), cur)
		if !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "rewritten") {
			t.Errorf("history rewritten, %d entries: %v", n, err)
		}
	}

	// The earlier checkpoint must verify and be this log's.
	for name, tc := range map[string]struct {
		log  *Log
		keys []KeyInfo
		cp   []byte
	}{
		"unlisted signer": {l, []KeyInfo{memberKey(olena), memberKey(mykola)}, cur},
		"altered":         {l, testKeys(), []byte(strings.Replace(string(cur), "\n25\n", "\n24\n", 1))},
		"other origin":    {New("tvault/other"), testKeys(), cur},
		"garbage":         {l, testKeys(), []byte("hello")},
	} {
		if err := tc.log.VerifyAgainst(b, tc.keys, tc.cp); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The first bad signature is reported whatever the batching.
func TestFirstBadSignature(t *testing.T) {
	l, b := buildLog(t, 200)
	g := lines(export(t, l, b, ExportOptions{}))
	corrupt := func(seqs ...int) string {
		c := append([]string(nil), g...)
		for _, seq := range seqs {
			c[2+seq] = reencode(t, c[2+seq], func(e *Entry) {
				sig := []byte(e.Sig)
				sig[3] ^= 1
				e.Sig = string(sig)
				if _, err := decodeSig(e.Sig); err != nil {
					e.Sig = b64(make([]byte, 64))
				}
			})
		}
		return strings.Join(c, "")
	}
	for _, tc := range []struct {
		text string
		want string
	}{
		{corrupt(150), "entry 150: signature does not verify"},
		{corrupt(150, 40), "entry 40: signature does not verify"},
		{corrupt(199, 198, 3), "entry 3: signature does not verify"},
		// A bad signature precedes a later structural error in the same batch.
		{strings.Replace(corrupt(40), g[2+120], "", 1), "entry 40: signature does not verify"},
		{strings.Replace(corrupt(140), g[2+120], "", 1), "entry 120 missing"},
	} {
		for _, batch := range []int{1, 7, 64, 1000, 0} {
			_, err := verifyExport(strings.NewReader(tc.text), batch)
			var te *TamperError
			if !errors.As(err, &te) || te.Error() != tc.want && !strings.HasPrefix(te.Error(), tc.want) {
				t.Errorf("batch %d: error %v, want %q", batch, err, tc.want)
			}
		}
	}
	// TamperError fields locate the entry.
	_, err := VerifyExport(strings.NewReader(corrupt(40)))
	var te *TamperError
	if !errors.As(err, &te) || te.Seq != 40 || te.Line != 43 {
		t.Errorf("TamperError %+v", te)
	}
}

// The tree that keeps only its right edge computes what tlog computes over
// all stored hashes.
func TestTree(t *testing.T) {
	var all []tlog.Hash
	r := tlog.HashReaderFunc(func(x []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(x))
		for i, j := range x {
			out[i] = all[j]
		}
		return out, nil
	})
	tr := newTree()
	for n := int64(0); n < 300; n++ {
		want, _ := tlog.TreeHash(n, r)
		got, err := tr.root()
		if err != nil || got != want {
			t.Fatalf("root of %d: %v, %v; want %v", n, got, err, want)
		}
		leaf := tlog.RecordHash([]byte{byte(n), byte(n >> 8)})
		wantH, _ := tlog.StoredHashesForRecordHash(n, leaf, r)
		gotH, err := tr.add(leaf)
		if err != nil || len(gotH) != len(wantH) {
			t.Fatalf("add %d: %v", n, err)
		}
		for i := range gotH {
			if gotH[i] != wantH[i] {
				t.Fatalf("add %d: hash %d differs", n, i)
			}
		}
		all = append(all, wantH...)
		if len(tr.nodes) > 9 {
			t.Fatalf("tree of %d keeps %d hashes", n+1, len(tr.nodes))
		}
	}
}

func TestProofRoot(t *testing.T) {
	var all []tlog.Hash
	r := tlog.HashReaderFunc(func(x []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(x))
		for i, j := range x {
			out[i] = all[j]
		}
		return out, nil
	})
	leaves := []tlog.Hash{}
	for n := int64(0); n < 70; n++ {
		leaf := tlog.RecordHash([]byte{byte(n)})
		h, _ := tlog.StoredHashesForRecordHash(n, leaf, r)
		all = append(all, h...)
		leaves = append(leaves, leaf)
		size := n + 1
		root, _ := tlog.TreeHash(size, r)
		for i := int64(0); i < size; i++ {
			p, err := tlog.ProveRecord(size, i, r)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := proofRoot(p, size, i, leaves[i])
			if !ok || got != root {
				t.Fatalf("proof of %d in %d: root %v %v, want %v", i, size, got, ok, root)
			}
			if _, ok := proofRoot(append(p, root), size, i, leaves[i]); ok {
				t.Fatalf("proof of %d in %d: accepted an extra hash", i, size)
			}
			if len(p) > 0 {
				if _, ok := proofRoot(p[1:], size, i, leaves[i]); ok {
					t.Fatalf("proof of %d in %d: accepted a missing hash", i, size)
				}
			}
		}
	}
	if _, ok := proofRoot(nil, 5, 5, tlog.Hash{}); ok {
		t.Error("accepted n == t")
	}
}
