package shamir

import (
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"io"
)

// MaxShares is the maximum number of shares (and of distinct non-zero x
// coordinates) in GF(2^8).
const MaxShares = 255

var (
	// ErrInvalidParams is returned by Split and SplitWithRand for an empty
	// secret or for n, k outside 1 <= k <= n <= 255.
	ErrInvalidParams = errors.New("shamir: invalid parameters")
	// ErrInvalidShares is returned by Combine when no shares are given or
	// the shares are malformed: shorter than 2 bytes, of differing lengths,
	// or with a zero or duplicate x coordinate.
	ErrInvalidShares = errors.New("shamir: invalid shares")
)

// Split splits secret into n shares, any k of which recover it.
// 1 <= k <= n <= 255, len(secret) >= 1.
// Share i (0-based) has x coordinate i+1, stored as the LAST byte of the
// share; a share is len(secret)+1 bytes.
// With k == 1 every share is secret||x (the polynomial is constant).
func Split(secret []byte, n, k int) ([][]byte, error) {
	return SplitWithRand(cryptorand.Reader, secret, n, k)
}

// SplitWithRand is Split with an explicit randomness source (for
// known-answer tests). It reads exactly len(secret)*(k-1) bytes from rand;
// byte i*(k-1)+j is the coefficient of x^(j+1) for secret byte i.
// A nil rand means crypto/rand.
func SplitWithRand(rand io.Reader, secret []byte, n, k int) ([][]byte, error) {
	if k < 1 || n < k || n > MaxShares {
		return nil, fmt.Errorf("%w: need 1 <= k <= n <= %d, got k=%d n=%d", ErrInvalidParams, MaxShares, k, n)
	}
	xs := make([]byte, n)
	for i := range xs {
		xs[i] = byte(i + 1)
	}
	return splitAt(rand, secret, xs, k)
}

// SplitAt is Split evaluated at the given x coordinates instead of 1..n: a
// fresh random polynomial of degree k-1 whose constant term is secret,
// evaluated at each xs[i], share i carrying xs[i] as its last byte. The x
// coordinates must be distinct and non-zero, 1 <= k <= len(xs) <= 255. It
// serves share redistribution: each old holder splits their own share to
// the new holders' x coordinates.
func SplitAt(secret, xs []byte, k int) ([][]byte, error) {
	return SplitAtWithRand(cryptorand.Reader, secret, xs, k)
}

// SplitAtWithRand is SplitAt with an explicit randomness source; it reads
// randomness exactly as SplitWithRand does.
func SplitAtWithRand(rand io.Reader, secret, xs []byte, k int) ([][]byte, error) {
	if k < 1 || len(xs) < k || len(xs) > MaxShares {
		return nil, fmt.Errorf("%w: need 1 <= k <= len(xs) <= %d, got k=%d and %d x coordinates", ErrInvalidParams, MaxShares, k, len(xs))
	}
	var seen [256]bool
	for _, x := range xs {
		if x == 0 || seen[x] {
			return nil, fmt.Errorf("%w: x coordinates must be distinct and non-zero", ErrInvalidParams)
		}
		seen[x] = true
	}
	return splitAt(rand, secret, xs, k)
}

// splitAt evaluates a fresh polynomial at xs, whose bounds the callers
// have checked.
func splitAt(rand io.Reader, secret, xs []byte, k int) ([][]byte, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty secret", ErrInvalidParams)
	}
	const maxInt = int(^uint(0) >> 1)
	if len(secret) > maxInt/MaxShares-1 {
		return nil, fmt.Errorf("%w: secret too long", ErrInvalidParams)
	}
	if rand == nil {
		rand = cryptorand.Reader
	}

	// coeffs[i*d+j] is the coefficient of x^(j+1) for secret byte i.
	d := k - 1
	coeffs := make([]byte, len(secret)*d)
	defer clear(coeffs)
	if _, err := io.ReadFull(rand, coeffs); err != nil {
		return nil, fmt.Errorf("shamir: reading randomness: %w", err)
	}

	n := len(xs)
	l := len(secret) + 1
	buf := make([]byte, n*l)
	shares := make([][]byte, n)
	for s, x := range xs {
		share := buf[s*l : (s+1)*l : (s+1)*l]
		// Horner, f(x) = c0 + x*(c1 + x*(c2 + ... + x*c(k-1))), run for all
		// secret bytes side by side so the multiplies are independent.
		mx := newMulBy(x)
		y := share[:len(secret)]
		for j := d - 1; j >= 0; j-- {
			for i := range y {
				y[i] = mx.mul(y[i]) ^ coeffs[i*d+j]
			}
		}
		for i, c0 := range secret {
			y[i] = mx.mul(y[i]) ^ c0
		}
		share[l-1] = x
		shares[s] = share
	}
	return shares, nil
}

// Combine recovers the secret from k or more distinct shares (it uses all
// given shares; callers pass exactly k or more). Errors: fewer than 1 share,
// mismatched lengths, duplicate or zero x coordinate, share shorter than 2
// bytes. Fewer than k shares, or shares from different splits, yield a wrong
// secret without an error.
func Combine(shares [][]byte) ([]byte, error) {
	if len(shares) < 1 {
		return nil, fmt.Errorf("%w: no shares", ErrInvalidShares)
	}
	l := len(shares[0])
	if l < 2 {
		return nil, fmt.Errorf("%w: share shorter than 2 bytes", ErrInvalidShares)
	}
	if len(shares) > MaxShares {
		// More than 255 shares must contain a zero or duplicate x; report
		// it without scanning further.
		return nil, fmt.Errorf("%w: more than %d shares", ErrInvalidShares, MaxShares)
	}
	var seen [256]bool
	xs := make([]byte, len(shares))
	for i, s := range shares {
		if len(s) != l {
			return nil, fmt.Errorf("%w: mismatched share lengths", ErrInvalidShares)
		}
		x := s[l-1]
		if x == 0 {
			return nil, fmt.Errorf("%w: zero x coordinate", ErrInvalidShares)
		}
		if seen[x] {
			return nil, fmt.Errorf("%w: duplicate x coordinate %d", ErrInvalidShares, x)
		}
		seen[x] = true
		xs[i] = x
	}

	// Lagrange basis at 0: L_i(0) = prod_{j!=i} x_j / (x_j - x_i), with
	// subtraction being XOR. The x coordinates are public.
	basis := make([]byte, len(xs))
	for i, xi := range xs {
		num, den := byte(1), byte(1)
		for j, xj := range xs {
			if j == i {
				continue
			}
			num = gfMul(num, xj)
			den = gfMul(den, xj^xi)
		}
		basis[i] = gfMul(num, gfInv(den))
	}

	secret := make([]byte, l-1)
	for i, s := range shares {
		mb := newMulBy(basis[i])
		for j := range secret {
			secret[j] ^= mb.mul(s[j])
		}
	}
	return secret, nil
}

// gfMul multiplies a and b in GF(2^8) modulo x^8+x^4+x^3+x+1 without
// secret-dependent branches or memory accesses.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= a & -(b & 1)   // add a if the low bit of b is set
		hi := a >> 7        // 1 if the shift overflows
		a = a<<1 ^ 0x1b&-hi // reduce by 0x11b
		b >>= 1
	}
	return p
}

// gfInv returns the multiplicative inverse of a in GF(2^8), computed as
// a^254 with a fixed square-and-multiply sequence; gfInv(0) == 0.
func gfInv(a byte) byte {
	// 254 = 0b11111110: seven multiply steps then a final square.
	r := a
	for range 6 {
		r = gfMul(gfMul(r, r), a) // r = a^(2^(m+1)-1)
	}
	return gfMul(r, r) // (a^127)^2 = a^254
}

// mulBy multiplies by a fixed public constant c. It holds c*x^t for
// t = 0..7, so that mul(y) = XOR of the entries selected by the bits of y:
// no branches or memory accesses depend on y, and unlike gfMul the eight
// terms are independent of each other.
type mulBy [8]byte

func newMulBy(c byte) (m mulBy) {
	for t := range m {
		m[t] = c
		c = gfMul(c, 2)
	}
	return m
}

func (m *mulBy) mul(y byte) byte {
	return m[0]&-(y&1) ^
		m[1]&-(y>>1&1) ^
		m[2]&-(y>>2&1) ^
		m[3]&-(y>>3&1) ^
		m[4]&-(y>>4&1) ^
		m[5]&-(y>>5&1) ^
		m[6]&-(y>>6&1) ^
		m[7]&-(y>>7)
}
