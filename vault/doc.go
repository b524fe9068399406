// Package vault is tvault's engine and its one facade: it creates and opens
// vaults, and it is the one place where an action is authorized and its
// audit entry written.
//
// A Vault is a directory holding a marker file (VAULT) and one Badger
// database (db/); Open opens it once, and a Vault is safe for concurrent
// use. Members act on it through an Actor (Vault.As): every verb — Seal,
// List, Show, OpenRecord, Cat, Check, the audit verbs — is a method of
// Actor, takes a context that interrupts it cleanly, authorizes its action
// against the policy in force, and appends an entry to the audit log in the
// same transaction as its effect, or in a transaction of its own before any
// plaintext is released. If the entry cannot be written, the operation
// fails.
//
// A record is bound to the audit log: its seal entry names the digest of
// its stored header, and every read checks the header against it
// (binding.go); list verifies what it shows the same way, keeping a
// per-member mark of what it verified (listcache.go). What the vault trusts
// about its own origin and policy versions comes from signed entries of the
// log (origin.go, policy.go), never from its unsigned metadata. Class keys
// too: epoch 1 is vouched for by the init entry, every later epoch, and any
// epoch a holder re-signed to give new holders keys, by the keys-rotate or
// keys-sync entry that names its digest (epoch.go); keysync.go, rotate.go
// and rewrap.go make them (rotateoffer.go and rewrapshare.go for threshold
// classes, whose holders each take part), keystatus.go reports who holds
// what, unmask*.go open one threshold record with other holders' approval.
//
// Where the policy lists purposes, open and cat must name one the
// interviewee consented to at sealing (the header's public consent field,
// consent.go) that was not withdrawn since: each withdrawal is a value of
// its own bound to its consent-withdraw entry by digest, as a header is to
// its seal entry, never a rewrite of the header (withdraw.go); check finds
// one deleted (checkconsent.go).
//
// A record is removed for good by erase.go: the erase entry, an erasure
// mark and the deletion of the record's keys commit together, then the
// store rewrites its files until no byte of them is left (store.Scrub);
// checkerase.go verifies the marks against the log. A field vault's bundle
// purge removes records the same way, without a mark.
//
// A field vault (field.go) is made from a seal kit (kit.go): it seals for
// the vault the kit came from and can never open what it sealed. Bundles
// carry its records home (bundle.go exports; bundleimport.go and
// bundlerecord.go verify a bundle whole and import it); an imported header
// is bound to its bundle's manifest and its seal entry from the field
// (importbinding.go) instead of a seal entry of this log.
//
// Access is enforced by the key hierarchy, not by checks: a record's data key
// (DEK) for each part is wrapped to the class's slot keys, and slot secrets
// are wrapped to the members who hold the class. A member without a wrap for
// a slot cannot open the part whatever this package decides; the policy
// checks here only turn a certain failure into a clear, audited denial.
//
// What it delegates, and must not do itself:
//
//   - internal/record: every signed wire format and its verification, and
//     the padding of every blob (pad.go);
//   - internal/keys: epochs, slots, DEK wrap and unwrap, Shamir;
//   - internal/store: Badger, the key layout, the free-space guard;
//   - blobs: large ciphertext, behind a small interface (files, memory,
//     later an object store); small blobs stay inline in Badger, and the
//     router in blob.go decides by size alone;
//   - audit: the Merkle log, checkpoints, export and offline verification;
//   - internal/sigbatch: many Ed25519 signatures checked at once.
//
// It never prints, prompts or reads flags. Errors a caller branches on:
// ErrNotFound, ErrIntegrity (every layer's damage wraps it), ErrNotVault,
// ErrLocked, ErrNoSpace, *DeniedError and *InputError. Everything else is an
// operational error.
package vault
