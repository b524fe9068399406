// Package vault is tvault's engine: it creates and opens vaults and seals,
// lists, shows and opens records, acting as one member of the vault's policy.
//
// A Vault is a directory holding a marker file (VAULT) and one Badger
// database (db/), reached only through package store. Every operation that
// reads or changes the vault appends an entry to the audit log (package
// audit) in the same transaction as its effect, or in a transaction of its
// own before any plaintext is released; if the entry cannot be written, the
// operation fails.
//
// Access is enforced by the key hierarchy, not by checks: a record's data key
// (DEK) for each class is wrapped to the class's slot keys, and slot secrets
// are wrapped to the members who hold the class. A member without a wrap for
// a slot cannot open the class whatever this package decides; the policy
// checks here only turn a certain failure into a clear, audited denial.
//
// Errors a caller branches on: ErrNotFound, ErrIntegrity, ErrNotVault,
// *DeniedError and *InputError. Everything else is an operational error.
package vault
