// Package edkey holds the one rule for an Ed25519 public key that tvault
// accepts from outside: a member's signing key in a policy or card, a key
// in an audit export, a key a signed record names.
//
// A key must be the canonical encoding of a point of the curve that is
// not of small order. crypto/ed25519 alone accepts any 32 bytes as a key,
// and tvault verifies many signatures at once with the cofactored batch
// equation (vault/internal/sigbatch), under which a key of small order
// "signs" every message with the signature (identity, 0): whoever names
// such a key as theirs could later deny any entry, and anyone could write
// entries in their name. Refusing these keys where they come in keeps the
// batch and the one-by-one verdicts the same for every key tvault accepts.
//
// It imports only filippo.io/edwards25519, so that every layer may use it.
package edkey
