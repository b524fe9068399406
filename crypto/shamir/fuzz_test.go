package shamir

import (
	"bytes"
	"errors"
	"testing"
)

// encodeShares packs shares as length-prefixed records, the input format of
// FuzzCombine.
func encodeShares(shares [][]byte) []byte {
	var out []byte
	for _, s := range shares {
		out = append(out, byte(len(s)))
		out = append(out, s...)
	}
	return out
}

// decodeShares is the inverse of encodeShares; a truncated last record is
// kept short.
func decodeShares(data []byte) [][]byte {
	var shares [][]byte
	for len(data) > 0 {
		l := int(data[0])
		data = data[1:]
		l = min(l, len(data))
		shares = append(shares, data[:l:l])
		data = data[l:]
	}
	return shares
}

func FuzzCombine(f *testing.F) {
	for _, v := range katVectors {
		var shares [][]byte
		for _, s := range v.shares {
			shares = append(shares, mustHex(f, s))
		}
		f.Add(encodeShares(shares))
		f.Add(encodeShares(shares[:1]))
		f.Add(encodeShares(append(shares, shares[0])))
	}
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add([]byte{1, 1})
	f.Add([]byte{2, 5, 0})
	f.Add([]byte{2, 5, 1, 3, 5, 6, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		shares := decodeShares(data)
		in := make([][]byte, len(shares))
		for i, s := range shares {
			in[i] = bytes.Clone(s)
		}
		got, err := Combine(shares)
		for i := range shares {
			if !bytes.Equal(shares[i], in[i]) {
				t.Fatalf("Combine modified share %d", i)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidShares) {
				t.Fatalf("unexpected error type: %v", err)
			}
			if got != nil {
				t.Fatalf("non-nil secret with error")
			}
			return
		}
		if len(got) != len(shares[0])-1 {
			t.Fatalf("secret length %d, share length %d", len(got), len(shares[0]))
		}
		// Interpolation does not depend on the order of the shares.
		rev := make([][]byte, len(shares))
		for i, s := range shares {
			rev[len(shares)-1-i] = s
		}
		got2, err := Combine(rev)
		if err != nil || !bytes.Equal(got, got2) {
			t.Fatalf("reversed order: %x, %v; want %x", got2, err, got)
		}
		// A single share is a constant polynomial: its values are the secret.
		if len(shares) == 1 && !bytes.Equal(got, shares[0][:len(shares[0])-1]) {
			t.Fatalf("single share: got %x", got)
		}
	})
}

func FuzzSplitCombine(f *testing.F) {
	for _, v := range katVectors {
		f.Add(mustHex(f, v.secret), uint8(v.n), uint8(v.k), mustHex(f, v.rand))
	}
	f.Add([]byte("0123456789abcdef0123456789abcdef"), uint8(20), uint8(11), []byte("seed"))
	f.Add([]byte{0}, uint8(255), uint8(255), []byte{})
	f.Add([]byte{}, uint8(3), uint8(2), []byte{})
	f.Add([]byte{1}, uint8(2), uint8(3), []byte{})
	f.Fuzz(func(t *testing.T, secret []byte, n, k uint8, seed []byte) {
		if len(secret) > 64 {
			secret = secret[:64] // bound the cost of n=k=255
		}
		shares, err := SplitWithRand(newDetReader(string(seed)), secret, int(n), int(k))
		if len(secret) == 0 || k < 1 || k > n {
			if !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("Split(len=%d, n=%d, k=%d) err = %v, want ErrInvalidParams", len(secret), n, k, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(shares) != int(n) {
			t.Fatalf("%d shares, want %d", len(shares), n)
		}
		for i, s := range shares {
			if len(s) != len(secret)+1 || s[len(secret)] != byte(i+1) {
				t.Fatalf("share %d malformed: %x", i, s)
			}
			if k == 1 && !bytes.Equal(s[:len(secret)], secret) {
				t.Fatalf("k=1 share %d = %x, want secret", i, s)
			}
		}
		// A pseudo-random k-subset chosen by the seed, plus fixed ones.
		mid := make([][]byte, 0, k)
		step := 1
		if len(seed) > 0 {
			step = 1 + int(seed[0])
		}
		for i, j := 0, 0; i < int(k); i, j = i+1, j+step {
			for contains(mid, shares[j%int(n)]) {
				j++
			}
			mid = append(mid, shares[j%int(n)])
		}
		for _, sub := range [][][]byte{shares[:k], shares[int(n)-int(k):], shares, mid} {
			got, err := Combine(sub)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, secret) {
				t.Fatalf("n=%d k=%d: Combine(%d shares) = %x, want %x", n, k, len(sub), got, secret)
			}
		}
	})
}

func contains(shares [][]byte, s []byte) bool {
	for _, t := range shares {
		if &t[0] == &s[0] {
			return true
		}
	}
	return false
}
