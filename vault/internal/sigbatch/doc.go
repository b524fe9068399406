// Package sigbatch verifies many Ed25519 signatures at once, several times
// faster than one by one: the audit log's verifiers and the record
// listing use it. It answers only "all valid" or "not all valid"; a caller
// that needs to know which signature is bad checks them one by one with
// crypto/ed25519 after a batch fails, so that a rejection always has the
// standard library's meaning.
//
// It imports only the standard library and filippo.io/edwards25519.
package sigbatch
