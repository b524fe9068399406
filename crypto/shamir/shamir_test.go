package shamir

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"testing"
)

// ---------------------------------------------------------------------------
// Independent reference arithmetic (deliberately a different algorithm from
// gfMul: carry-less product into 16 bits, then polynomial long division).

func refMul(a, b byte) byte {
	var p uint16
	for i := range 8 {
		if b&(1<<i) != 0 {
			p ^= uint16(a) << i
		}
	}
	for i := 15; i >= 8; i-- {
		if p&(1<<i) != 0 {
			p ^= 0x11b << (i - 8)
		}
	}
	return byte(p)
}

// refEval evaluates c[0] + c[1]*x + c[2]*x^2 + ... term by term.
func refEval(c []byte, x byte) byte {
	var y byte
	xp := byte(1)
	for _, ci := range c {
		y ^= refMul(ci, xp)
		xp = refMul(xp, x)
	}
	return y
}

// detReader is a deterministic byte stream: SHA-256(seed || counter) blocks.
type detReader struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func newDetReader(seed string) *detReader { return &detReader{seed: []byte(seed)} }

func (r *detReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.ctr)
			r.ctr++
			h := sha256.Sum256(append(append([]byte{}, r.seed...), c[:]...))
			r.buf = h[:]
		}
		m := copy(p[n:], r.buf)
		r.buf = r.buf[m:]
		n += m
	}
	return n, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("rand must not be read") }

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// combinations calls f with every k-subset of {0..n-1}, in lexicographic order.
func combinations(n, k int, f func(idx []int)) {
	idx := make([]int, k)
	var rec func(pos, start int)
	rec = func(pos, start int) {
		if pos == k {
			f(idx)
			return
		}
		for i := start; i <= n-(k-pos); i++ {
			idx[pos] = i
			rec(pos+1, i+1)
		}
	}
	rec(0, 0)
}

func pick(shares [][]byte, idx []int) [][]byte {
	out := make([][]byte, len(idx))
	for i, j := range idx {
		out[i] = shares[j]
	}
	return out
}

// ---------------------------------------------------------------------------
// GF(2^8)

func TestGFKnownProducts(t *testing.T) {
	for _, tc := range []struct{ a, b, want byte }{
		{0x53, 0xca, 0x01}, // inverse pair (FIPS-197 / AES S-box)
		{0x57, 0x83, 0xc1}, // FIPS-197 section 4.2
		{0x57, 0x13, 0xfe}, // FIPS-197 section 4.2.1
		{0x57, 0x02, 0xae},
		{0x57, 0x04, 0x47},
		{0x57, 0x08, 0x8e},
		{0x57, 0x10, 0x07},
		{0x80, 0x02, 0x1b}, // x^8 = x^4+x^3+x+1
		{0x00, 0xff, 0x00},
		{0x01, 0xff, 0xff},
	} {
		for _, f := range []struct {
			name string
			mul  func(a, b byte) byte
		}{{"gfMul", gfMul}, {"refMul", refMul}} {
			if got := f.mul(tc.a, tc.b); got != tc.want {
				t.Errorf("%s(%#02x, %#02x) = %#02x, want %#02x", f.name, tc.a, tc.b, got, tc.want)
			}
			if got := f.mul(tc.b, tc.a); got != tc.want {
				t.Errorf("%s(%#02x, %#02x) = %#02x, want %#02x", f.name, tc.b, tc.a, got, tc.want)
			}
		}
	}
	if got := gfInv(0x53); got != 0xca {
		t.Errorf("gfInv(0x53) = %#02x, want 0xca", got)
	}
	if got := gfInv(0xca); got != 0x53 {
		t.Errorf("gfInv(0xca) = %#02x, want 0x53", got)
	}
}

func TestGFMulExhaustive(t *testing.T) {
	for a := range 256 {
		for b := range 256 {
			if got, want := gfMul(byte(a), byte(b)), refMul(byte(a), byte(b)); got != want {
				t.Fatalf("gfMul(%#02x, %#02x) = %#02x, reference %#02x", a, b, got, want)
			}
		}
	}
}

func TestMulByExhaustive(t *testing.T) {
	for c := range 256 {
		m := newMulBy(byte(c))
		for y := range 256 {
			if got, want := m.mul(byte(y)), refMul(byte(c), byte(y)); got != want {
				t.Fatalf("newMulBy(%#02x).mul(%#02x) = %#02x, reference %#02x", c, y, got, want)
			}
		}
	}
}

func TestGFInvExhaustive(t *testing.T) {
	if got := gfInv(0); got != 0 {
		t.Errorf("gfInv(0) = %#02x, want 0", got)
	}
	for a := 1; a < 256; a++ {
		inv := gfInv(byte(a))
		if p := refMul(byte(a), inv); p != 1 {
			t.Errorf("%#02x * gfInv(%#02x)=%#02x = %#02x, want 1", a, a, inv, p)
		}
	}
}

// ---------------------------------------------------------------------------
// Known-answer tests

type katVector struct {
	name   string
	secret string // hex
	rand   string // hex; consumed exactly
	n, k   int
	shares []string // hex, value bytes then x
}

var katVectors = []katVector{
	{
		// Fully hand-checkable: f(x) = 0x42 + 0x57*x.
		// f(1) = 0x42^0x57 = 0x15; f(2) = 0x42^0xae = 0xec;
		// f(3) = 0x42^(0xae^0x57) = 0x42^0xf9 = 0xbb.
		name:   "hand 1-byte k=2 n=3",
		secret: "42",
		rand:   "57",
		n:      3, k: 2,
		shares: []string{"1501", "ec02", "bb03"},
	},
	{
		name:   "constant k=1 n=3",
		secret: "74766175",
		rand:   "",
		n:      3, k: 1,
		shares: []string{"7476617501", "7476617502", "7476617503"},
	},
	{
		// secret "tvault"; rand = first 12 bytes of the 32-byte vector below.
		name:   "tvault k=3 n=4",
		secret: "747661756c74",
		rand:   "69a6e4ae3dffe40d58fd9cd9",
		n:      4, k: 3,
		shares: []string{
			"bb3ca39cc93101",
			"082bca92051e02",
			"c761087ba05b03",
			"45c5fc185e0d04",
		},
	},
	{
		// 32-byte data key, 3-of-5. rand = SHA-256("tvault shamir kat rand 1")
		// || SHA-256("tvault shamir kat rand 2").
		name:   "32-byte k=3 n=5",
		secret: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		rand:   "69a6e4ae3dffe40d58fd9cd968dddd7025df7fb491fc874188d2f89272bdd923" + "75ee29faffcf77ae1bd7e4ce1c93922a2a58542dc83647882cb5e0cb67c82ce5",
		n:      5, k: 3,
		shares: []string{
			"cf4bc0eaa140b3aaf2c267cd5667c1f58bc222cad83f99af6a60e4d48536b1d601",
			"7c5ca9e46d6f8f7d1311ee016298282a6f86e67353d3548037054983a6c7ddfe02",
			"b3166b0dc82a3ad0e9da83c738f2e7d0f455d6aa9ff9db38457cb74c3fec723703",
			"31b29f6e367cc21fc35b215d9523f840bd8c87daa7fc95ff47b45a4409b4ad7d04",
			"fef85d87933977b239904c9bcf4937ba265fb7036bd61a4735cda48b909f02b405",
		},
	},
}

func TestKAT(t *testing.T) {
	for _, v := range katVectors {
		t.Run(v.name, func(t *testing.T) {
			secret := mustHex(t, v.secret)
			rnd := mustHex(t, v.rand)
			if len(rnd) != len(secret)*(v.k-1) {
				t.Fatalf("bad vector: %d rand bytes, want %d", len(rnd), len(secret)*(v.k-1))
			}
			r := bytes.NewReader(rnd)
			shares, err := SplitWithRand(r, secret, v.n, v.k)
			if err != nil {
				t.Fatal(err)
			}
			if r.Len() != 0 {
				t.Errorf("%d rand bytes left unread", r.Len())
			}
			if len(shares) != v.n {
				t.Fatalf("got %d shares, want %d", len(shares), v.n)
			}
			for i, s := range shares {
				if got := hex.EncodeToString(s); got != v.shares[i] {
					t.Errorf("share %d = %s, want %s", i, got, v.shares[i])
				}
			}

			// Independently re-derive every expected share from the
			// documented layout with the reference arithmetic, so the
			// hard-coded vectors cannot silently encode a bug.
			d := v.k - 1
			for i, want := range v.shares {
				x := byte(i + 1)
				exp := make([]byte, 0, len(secret)+1)
				for b := range secret {
					c := append([]byte{secret[b]}, rnd[b*d:(b+1)*d]...)
					exp = append(exp, refEval(c, x))
				}
				exp = append(exp, x)
				if got := hex.EncodeToString(exp); got != want {
					t.Errorf("reference share %d = %s, vector says %s", i, got, want)
				}
			}

			// Any k of the vector shares recover the secret.
			vs := make([][]byte, v.n)
			for i, s := range v.shares {
				vs[i] = mustHex(t, s)
			}
			combinations(v.n, v.k, func(idx []int) {
				got, err := Combine(pick(vs, idx))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, secret) {
					t.Errorf("Combine(%v) = %x, want %x", idx, got, secret)
				}
			})
		})
	}
}

func TestSplitK1ReadsNoRandomness(t *testing.T) {
	secret := []byte("data key")
	shares, err := SplitWithRand(errReader{}, secret, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range shares {
		want := append(append([]byte{}, secret...), byte(i+1))
		if !bytes.Equal(s, want) {
			t.Errorf("share %d = %x, want %x", i, s, want)
		}
	}
}

// ---------------------------------------------------------------------------
// Properties

func TestSplitDefaultRand(t *testing.T) {
	secret := make([]byte, 32)
	copy(secret, "a 32-byte data key for testing!!")
	a, err := Split(secret, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Split(secret, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[0], b[0]) {
		t.Error("two splits with crypto/rand produced the same share")
	}
	for _, shares := range [][][]byte{a, b} {
		for i, s := range shares {
			if len(s) != len(secret)+1 || s[len(s)-1] != byte(i+1) {
				t.Fatalf("share %d has bad format: %x", i, s)
			}
		}
		got, err := Combine(shares[2:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, secret) {
			t.Errorf("Combine = %x, want %x", got, secret)
		}
	}
}

func TestEverySubsetRecovers(t *testing.T) {
	rnd := newDetReader("subsets")
	for _, n := range []int{1, 2, 3, 5, 7} {
		for k := 1; k <= n; k++ {
			t.Run(fmt.Sprintf("n=%d,k=%d", n, k), func(t *testing.T) {
				secret := make([]byte, 32)
				rnd.Read(secret)
				shares, err := SplitWithRand(rnd, secret, n, k)
				if err != nil {
					t.Fatal(err)
				}
				// Every subset of size >= k recovers the secret.
				for m := k; m <= n; m++ {
					combinations(n, m, func(idx []int) {
						sub := pick(shares, idx)
						got, err := Combine(sub)
						if err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got, secret) {
							t.Errorf("Combine(%v) = %x, want %x", idx, got, secret)
						}
						// Order must not matter.
						for i, j := 0, len(sub)-1; i < j; i, j = i+1, j-1 {
							sub[i], sub[j] = sub[j], sub[i]
						}
						if got, _ := Combine(sub); !bytes.Equal(got, secret) {
							t.Errorf("Combine(reversed %v) = %x, want %x", idx, got, secret)
						}
					})
				}
				// No (k-1)-subset does (probability 2^-256 per subset).
				if k >= 2 {
					combinations(n, k-1, func(idx []int) {
						got, err := Combine(pick(shares, idx))
						if err != nil {
							t.Fatal(err)
						}
						if bytes.Equal(got, secret) {
							t.Errorf("Combine of %d < k shares %v recovered the secret", k-1, idx)
						}
					})
				}
			})
		}
	}
}

func TestMaxShares(t *testing.T) {
	secret := []byte("max")
	for _, k := range []int{1, 2, 128, 255} {
		shares, err := SplitWithRand(newDetReader("max"), secret, 255, k)
		if err != nil {
			t.Fatal(err)
		}
		if got := shares[254][len(secret)]; got != 255 {
			t.Fatalf("last share x = %d, want 255", got)
		}
		for _, sub := range [][][]byte{shares[:k], shares[255-k:], shares} {
			got, err := Combine(sub)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, secret) {
				t.Errorf("k=%d: Combine(%d shares) = %x, want %x", k, len(sub), got, secret)
			}
		}
	}
}

func TestNoAliasing(t *testing.T) {
	secret := []byte{1, 2, 3, 4}
	shares, err := SplitWithRand(newDetReader("alias"), secret, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := make([][]byte, len(shares))
	for i, s := range shares {
		snapshot[i] = bytes.Clone(s)
	}
	secret[0] = 0xff
	// Appending to one share must not clobber its neighbour.
	_ = append(shares[0], 0xee)
	for i, s := range shares {
		if !bytes.Equal(s, snapshot[i]) {
			t.Errorf("share %d changed: %x -> %x", i, snapshot[i], s)
		}
	}
	got, err := Combine(shares[:2])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Errorf("Combine = %x", got)
	}
	for i, s := range shares {
		if !bytes.Equal(s, snapshot[i]) {
			t.Errorf("Combine modified share %d", i)
		}
	}
}

// chiSquareUniform returns the chi-square statistic of counts against the
// uniform distribution (255 degrees of freedom).
func chiSquareUniform(counts *[256]int, total int) float64 {
	exp := float64(total) / 256
	var chi float64
	for _, c := range counts {
		d := float64(c) - exp
		chi += d * d / exp
	}
	return chi
}

// With k=2, a single share is uniformly distributed whatever the secret.
func TestSingleShareUniform(t *testing.T) {
	const trials = 20000
	// For 255 degrees of freedom the statistic has mean 255 and standard
	// deviation ~22.6; 400 is >6 sigma, so only a real bias fails. The
	// stream is deterministic anyway, so the test cannot flake.
	const threshold = 400.0
	var hists [2][256]int
	for si, secret := range []byte{0x00, 0xa5} {
		rnd := newDetReader(fmt.Sprintf("uniform-%d", si))
		for range trials {
			shares, err := SplitWithRand(rnd, []byte{secret}, 3, 2)
			if err != nil {
				t.Fatal(err)
			}
			hists[si][shares[1][0]]++ // share with x=2
		}
		if chi := chiSquareUniform(&hists[si], trials); chi > threshold {
			t.Errorf("secret %#02x: chi-square %.1f > %.0f, share value not uniform", secret, chi, threshold)
		}
	}
	// Two-sample homogeneity test: the two secrets give the same
	// distribution (equal sample sizes: sum (a-b)^2/(a+b), 255 d.o.f.).
	var chi float64
	for v := range 256 {
		a, b := float64(hists[0][v]), float64(hists[1][v])
		if a+b > 0 {
			chi += (a - b) * (a - b) / (a + b)
		}
	}
	if chi > threshold {
		t.Errorf("two-sample chi-square %.1f > %.0f: distribution depends on the secret", chi, threshold)
	}
}

// Exact version of the above for k=3: over all 65536 coefficient pairs,
// every pair of share values (y_i, y_j) occurs exactly once, for any secret,
// i.e. k-1 shares are perfectly independent of the secret.
func TestKMinusOneSharesExactlyIndependent(t *testing.T) {
	for _, secret := range []byte{0x00, 0x01, 0xc3} {
		for _, pair := range [][2]int{{0, 1}, {1, 3}, {2, 4}} {
			var seen [65536]bool
			for c := range 65536 {
				rnd := bytes.NewReader([]byte{byte(c), byte(c >> 8)})
				shares, err := SplitWithRand(rnd, []byte{secret}, 5, 3)
				if err != nil {
					t.Fatal(err)
				}
				v := int(shares[pair[0]][0])<<8 | int(shares[pair[1]][0])
				if seen[v] {
					t.Fatalf("secret %#02x shares %v: value pair %#04x occurs twice", secret, pair, v)
				}
				seen[v] = true
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Errors

func TestSplitErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret []byte
		n, k   int
	}{
		{"k>n", []byte{1}, 3, 4},
		{"k=0", []byte{1}, 3, 0},
		{"k<0", []byte{1}, 3, -1},
		{"n=0", []byte{1}, 0, 0},
		{"n>255", []byte{1}, 256, 2},
		{"n,k>255", []byte{1}, 300, 300},
		{"empty secret", []byte{}, 3, 2},
		{"nil secret", nil, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shares, err := SplitWithRand(errReader{}, tc.secret, tc.n, tc.k)
			if !errors.Is(err, ErrInvalidParams) {
				t.Errorf("err = %v, want ErrInvalidParams", err)
			}
			if shares != nil {
				t.Errorf("shares = %x, want nil", shares)
			}
			if _, err := Split(tc.secret, tc.n, tc.k); !errors.Is(err, ErrInvalidParams) {
				t.Errorf("Split err = %v, want ErrInvalidParams", err)
			}
		})
	}
}

func TestSplitRandError(t *testing.T) {
	// 32-byte secret with k=3 needs 64 bytes; give 63.
	_, err := SplitWithRand(bytes.NewReader(make([]byte, 63)), make([]byte, 32), 5, 3)
	if err == nil {
		t.Fatal("short randomness accepted")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrInvalidParams) {
		t.Errorf("err = %v, want wrapped io.ErrUnexpectedEOF", err)
	}
	_, err = SplitWithRand(errReader{}, []byte{1}, 2, 2)
	if err == nil {
		t.Fatal("failing randomness accepted")
	}
}

func TestCombineErrors(t *testing.T) {
	tooMany := make([][]byte, 256)
	for i := range tooMany {
		tooMany[i] = []byte{0, byte(i)}
	}
	for _, tc := range []struct {
		name   string
		shares [][]byte
	}{
		{"nil", nil},
		{"no shares", [][]byte{}},
		{"empty share", [][]byte{{}}},
		{"1-byte share", [][]byte{{1}}},
		{"1-byte second share", [][]byte{{1, 1}, {2}}},
		{"nil share", [][]byte{{1, 1}, nil}},
		{"mismatched lengths", [][]byte{{1, 2, 1}, {1, 2}}},
		{"mismatched lengths longer", [][]byte{{1, 2, 1}, {1, 2, 3, 2}}},
		{"duplicate x", [][]byte{{1, 2, 1}, {3, 4, 2}, {5, 6, 1}}},
		{"duplicate share", [][]byte{{1, 2, 7}, {1, 2, 7}}},
		{"zero x", [][]byte{{1, 2, 0}}},
		{"zero x second", [][]byte{{1, 2, 1}, {1, 2, 0}}},
		{"256 shares", tooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Combine(tc.shares)
			if !errors.Is(err, ErrInvalidShares) {
				t.Errorf("err = %v, want ErrInvalidShares", err)
			}
			if got != nil {
				t.Errorf("secret = %x, want nil", got)
			}
		})
	}
}

func TestCombineSingleShare(t *testing.T) {
	got, err := Combine([][]byte{{9, 8, 7, 42}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte{9, 8, 7}) {
		t.Errorf("Combine = %x, want 090807", got)
	}
}

func TestErrorMessages(t *testing.T) {
	for _, err := range []error{ErrInvalidParams, ErrInvalidShares} {
		msg := err.Error()
		if msg != string(bytes.ToLower([]byte(msg))) || msg[len(msg)-1] == '.' {
			t.Errorf("bad error message style: %q", msg)
		}
	}
}
