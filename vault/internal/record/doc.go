// Package record owns every signed wire format the vault stores and the one
// signed envelope they share: the record header with its parts and blob
// references, the encrypted class manifest, the DEK wrap, the policy
// version and the epoch of a class's keys; what changes keys — a key grant
// (keys sync), a slot offer (a threshold rotation), a contribution (a
// threshold rewrap), an unmask request and approval; and the field — the
// seal kit, its intake key, a field vault's origin and a bundle's manifest.
// Bundles, seal kits and custody reports verify these without a vault, so
// nothing here reads storage.
//
// Every signed value is "tvs1" || Ed25519 signature || body, and the
// signature is checked over the stored body bytes, never over a re-encoding
// (Decode). Decoding checks what the bytes alone can prove — the signature
// against the key the body names, and the body's own consistency. Whether
// that key was entitled (a member allowed to seal, the vault's creator, a
// holder of a class) is a question of trust that the caller answers: package
// keys for epochs, package vault for headers and policy versions.
//
// It must not import the vault, its storage or the audit log. Every error
// that reports bad bytes wraps fault.ErrIntegrity.
package record
