package shamir

import (
	"bytes"
	"errors"
	"testing"
)

// TestSplitAtMatchesSplit: at x = 1..n, SplitAt is Split, byte for byte,
// from the same randomness.
func TestSplitAtMatchesSplit(t *testing.T) {
	secret := []byte("redistribute me, one share at a time")
	want, err := SplitWithRand(newDetReader("splitat"), secret, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SplitAtWithRand(newDetReader("splitat"), secret, []byte{1, 2, 3, 4, 5}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("share %d: %x, want %x", i, got[i], want[i])
		}
	}
}

// TestSplitAtKnownAnswer evaluates the polynomial the randomness defines
// at arbitrary x's with the reference arithmetic, and recovers the secret
// from every k of them.
func TestSplitAtKnownAnswer(t *testing.T) {
	secret := []byte{0x00, 0x42, 0xff}
	xs := []byte{7, 200, 3, 255}
	const k = 2
	rnd := newDetReader("kat")
	coeffs := make([]byte, len(secret)*(k-1))
	if _, err := newDetReader("kat").Read(coeffs); err != nil {
		t.Fatal(err)
	}
	shares, err := SplitAtWithRand(rnd, secret, xs, k)
	if err != nil {
		t.Fatal(err)
	}
	for s, x := range xs {
		if shares[s][len(secret)] != x {
			t.Fatalf("share %d carries x %d, want %d", s, shares[s][len(secret)], x)
		}
		for i, c0 := range secret {
			if y := refEval([]byte{c0, coeffs[i]}, x); shares[s][i] != y {
				t.Fatalf("share %d byte %d = %#x, want %#x", s, i, shares[s][i], y)
			}
		}
	}
	combinations(len(xs), k, func(idx []int) {
		got, err := Combine(pick(shares, idx))
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("shares %v: %x, %v", idx, got, err)
		}
	})
}

// TestSplitAtK1IsConstant: with k = 1 every share is the secret.
func TestSplitAtK1IsConstant(t *testing.T) {
	shares, err := SplitAtWithRand(errReader{}, []byte("abc"), []byte{9, 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shares {
		if !bytes.Equal(s[:3], []byte("abc")) {
			t.Fatalf("share %x is not the secret", s)
		}
	}
}

func TestSplitAtErrors(t *testing.T) {
	for name, c := range map[string]struct {
		xs []byte
		k  int
	}{
		"zero x":      {[]byte{1, 0, 2}, 2},
		"duplicate x": {[]byte{1, 2, 2}, 2},
		"k above n":   {[]byte{1, 2}, 3},
		"k zero":      {[]byte{1, 2}, 0},
		"no x":        {nil, 1},
	} {
		if _, err := SplitAt([]byte("s"), c.xs, c.k); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%s: err = %v, want ErrInvalidParams", name, err)
		}
	}
	if _, err := SplitAt(nil, []byte{1}, 1); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("empty secret: err = %v", err)
	}
}
