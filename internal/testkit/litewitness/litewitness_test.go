package litewitness

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"net/url"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/tvault/tvault/internal/witness"
)

// TestClientAgainstLitewitness drives the protocol client alone against
// the real witness: a first checkpoint, a consistent second one, a stale
// old size (409 with the witness's size) and a fork (422).
func TestClientAgainstLitewitness(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("litewitness needs a Unix ssh-agent socket")
	}
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	vkey, err := note.NewEd25519VerifierKey("iryna", priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	const origin = "tvault/harness-test"
	w := Start(t, "witness.test/lw", origin, []string{vkey})
	v, err := witness.ParseVerifierKey(w.VKey)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(w.URL)

	var leaves [][]byte
	hashes := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return storedHashes(leaves, idx) })
	grow := func(s string) { leaves = append(leaves, []byte(s)) }
	send := func(old int64) ([]byte, error) {
		n := int64(len(leaves))
		root, err := tlog.TreeHash(n, hashes)
		if err != nil {
			t.Fatal(err)
		}
		cp := signCheckpoint(t, priv, origin, n, root)
		var proof tlog.TreeProof
		if old > 0 && old < n {
			if proof, err = tlog.ProveTree(n, old, hashes); err != nil {
				t.Fatal(err)
			}
		}
		answer, err := witness.AddCheckpoint(context.Background(), nil, u, witness.Request{Checkpoint: cp, OldSize: old, Proof: proof})
		if err != nil {
			return nil, err
		}
		return witness.Cosign(cp, answer, v)
	}

	grow("a")
	grow("b")
	if _, err := send(0); err != nil {
		t.Fatalf("first checkpoint: %v", err)
	}
	grow("c")
	if _, err := send(0); !isConflict(err, 2) {
		t.Fatalf("stale old size: err = %v, want a conflict at 2", err)
	}
	if _, err := send(2); err != nil {
		t.Fatalf("consistent checkpoint: %v", err)
	}
	// A fork: the same size, another history.
	leaves[2] = []byte("C")
	grow("d")
	if _, err := send(3); !errors.Is(err, witness.ErrInconsistent) {
		t.Fatalf("forked log: err = %v, want ErrInconsistent", err)
	}
}

func isConflict(err error, size int64) bool {
	var c *witness.ConflictError
	return errors.As(err, &c) && c.Size == size
}

func signCheckpoint(t *testing.T, priv ed25519.PrivateKey, origin string, n int64, root tlog.Hash) []byte {
	skey, _, err := note.GenerateKey(bytes.NewReader(append(priv.Seed(), make([]byte, 32)...)), "iryna")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: origin + "\n" + itoa(n) + "\n" + root.String() + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// storedHashes builds the tree of leaves and reads its stored hashes.
func storedHashes(leaves [][]byte, idx []int64) ([]tlog.Hash, error) {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, l := range leaves {
		hs, err := tlog.StoredHashes(int64(i), l, r)
		if err != nil {
			return nil, err
		}
		stored = append(stored, hs...)
	}
	return r.ReadHashes(idx)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
