// Package blobs is the seam between the vault engine and wherever large
// encrypted attachments are kept: the Store interface, the Info a store
// reports, the errors every store returns, and the rules for blob ids.
//
// A blob is an immutable byte string named by an id: written once through a
// Writer, made durable and visible by Writer.Commit, read whole or in ranges
// through a Reader, listed, and removed. The engine keeps blobs of up to
// 1 MiB inline in its database; only larger ones come here.
//
// The backends are packages of their own: local (files on a local file
// system, the on-disk layout of every existing vault), mem (in memory, for
// tests of the engine) and faulty (a wrapper that injects failures).
// blobtest is the conformance suite each of them passes.
//
// This package owns only the contract. It must not do I/O, import a backend,
// or import anything of tvault beyond vault/internal/fault. Blobs hold
// ciphertext: a store never sees a key or a plaintext, and its errors name
// the operation, the blob id and a coarse cause, never a file path or an
// operating-system message (which may quote one).
package blobs
