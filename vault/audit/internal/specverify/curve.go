package specverify

import (
	"errors"
	"math/big"
)

// checkPoint: "Keys must be canonical encodings of curve points not of
// small order". The curve is edwards25519 (RFC 8032 section 5.1):
// -x² + y² = 1 + d·x²·y² over GF(2^255 - 19). A key is y in little-endian
// with x's sign in the top bit; it is canonical when y < p and the sign of
// x = 0 is 0, and of small order when [8]P is the identity. math/big is
// slow but plain; keys are few.
func checkPoint(key []byte) error {
	x, y, ok := decodePoint(key)
	if !ok {
		return errors.New("is not the canonical encoding of a curve point")
	}
	for range 3 {
		x, y = addPoints(x, y, x, y)
	}
	if x.Sign() == 0 && y.Cmp(big.NewInt(1)) == 0 {
		return errors.New("is a point of small order")
	}
	return nil
}

var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// curveD is -121665/121666.
	curveD = new(big.Int).Mod(new(big.Int).Mul(big.NewInt(-121665),
		new(big.Int).ModInverse(big.NewInt(121666), fieldP)), fieldP)
)

func decodePoint(key []byte) (x, y *big.Int, ok bool) {
	le := make([]byte, 32)
	for i := range le {
		le[i] = key[31-i]
	}
	sign := le[0] >> 7
	le[0] &= 0x7f
	y = new(big.Int).SetBytes(le)
	if y.Cmp(fieldP) >= 0 {
		return nil, nil, false
	}
	yy := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(yy, big.NewInt(1))                           // y² - 1
	v := new(big.Int).Add(new(big.Int).Mul(curveD, yy), big.NewInt(1)) // d·y² + 1
	xx := new(big.Int).Mul(u, new(big.Int).ModInverse(v.Mod(v, fieldP), fieldP))
	x = new(big.Int).ModSqrt(xx.Mod(xx, fieldP), fieldP)
	if x == nil || x.Sign() == 0 && sign == 1 {
		return nil, nil, false
	}
	if uint8(x.Bit(0)) != sign {
		x.Sub(fieldP, x)
	}
	return x, y, true
}

// addPoints is the complete twisted Edwards addition with a = -1:
// x3 = (x1y2 + y1x2)/(1 + d·x1x2y1y2), y3 = (y1y2 + x1x2)/(1 - d·x1x2y1y2).
func addPoints(x1, y1, x2, y2 *big.Int) (x3, y3 *big.Int) {
	mod := func(z *big.Int) *big.Int { return z.Mod(z, fieldP) }
	t := mod(new(big.Int).Mul(curveD, mod(new(big.Int).Mul(mod(new(big.Int).Mul(x1, x2)), mod(new(big.Int).Mul(y1, y2))))))
	nx := mod(new(big.Int).Add(new(big.Int).Mul(x1, y2), new(big.Int).Mul(y1, x2)))
	ny := mod(new(big.Int).Add(new(big.Int).Mul(y1, y2), new(big.Int).Mul(x1, x2)))
	dx := mod(new(big.Int).Add(big.NewInt(1), t))
	dy := mod(new(big.Int).Sub(big.NewInt(1), t))
	x3 = mod(nx.Mul(nx, new(big.Int).ModInverse(dx, fieldP)))
	y3 = mod(ny.Mul(ny, new(big.Int).ModInverse(dy, fieldP)))
	return x3, y3
}
