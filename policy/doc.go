// Package policy parses, validates and evaluates a vault's policy: its
// classes of encrypted content, the roles that may decrypt them or act on the
// vault, the members holding those roles, and the schema of the public
// (unencrypted) metadata a record may carry.
//
// The package is pure: it reads bytes handed to it, never files, and it
// never prints. [Parse] checks a policy completely and returns every problem
// it finds at once, each located by line, so that `tvault policy check` can
// list them all; a *Policy that Parse returns is known to be consistent (every
// member's roles exist, every class has enough holders to meet its threshold,
// someone can administer the policy) and is read-only afterwards, so it is
// safe for concurrent use.
//
// Deciding who may decrypt what is advisory here: the cryptography enforces
// it, because class keys are only ever wrapped to the members [Policy.Holders]
// names. [Policy.May] decides the non-cryptographic actions (seal, policy,
// audit, erase, keys).
package policy
