// Package shamir implements Shamir's k-of-n secret sharing over the finite
// field GF(2^8), as used by tvault to split 32-byte data keys among key
// holders.
//
// # Scheme
//
// Every byte of the secret is shared independently. For secret byte s a
// random polynomial
//
//	f(x) = s + a1*x + a2*x^2 + ... + a(k-1)*x^(k-1)
//
// of degree at most k-1 is chosen, where the coefficients a1..a(k-1) are
// drawn uniformly at random, and share number i (0-based) receives f(i+1).
// Arithmetic is in GF(2^8) with the AES reduction polynomial
// x^8 + x^4 + x^3 + x + 1 (0x11b); addition is XOR. Multiplication is done
// with branch-free, table-free masked shift-and-add ("Russian peasant")
// arithmetic and inversion as a^254, so that timing and memory access
// patterns do not depend on secret values.
//
// Any k distinct shares determine the polynomial and thus the secret, which
// [Combine] recovers by Lagrange interpolation at x = 0. Any k-1 or fewer
// shares are statistically independent of the secret: for every candidate
// secret there is exactly the same number of polynomials consistent with
// them, so they reveal nothing about it beyond its length.
//
// # Share format
//
// A share is len(secret)+1 bytes: the evaluations f(x) for each secret byte,
// in order, followed by the x coordinate as the LAST byte. Share i returned
// by [Split] has x coordinate i+1, so x is never 0 (f(0) is the secret).
// With k == 1 the polynomial is constant and every share is secret||x.
//
// # Limits
//
// 1 <= k <= n <= 255 and len(secret) >= 1. Shares carry no integrity
// protection and no record of k: [Combine] interpolates through all the
// shares it is given, so passing fewer than k shares (or a corrupted share)
// silently yields a wrong value rather than an error. Callers must
// authenticate the recovered secret (for example by using it as an AEAD key)
// and must pass k or more shares from the same split.
//
// # Randomness
//
// [Split] draws coefficients from crypto/rand. [SplitWithRand] takes an
// explicit source for known-answer tests; it reads exactly len(secret)*(k-1)
// bytes, where byte i*(k-1)+j is coefficient a(j+1) of the polynomial for
// secret byte i. The coefficient buffer is zeroed before returning.
package shamir
