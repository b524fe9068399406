// Package crypto holds tvault's key material and the few constructions it
// builds on top of age: member identities and their signing keys, identity
// files, member cards, the tvault-dek recipient stanza, and the wrapping of
// small secrets to slots and holders.
//
// Everything here is made of standard primitives from filippo.io/age,
// golang.org/x/crypto and the Go standard library. The package does no I/O
// except reading and writing identity files, never prompts (passphrases are
// obtained through a callback supplied by the caller) and never prints.
//
// # Identities and signing keys
//
// A member's [Identity] is an ordinary age identity, post-quantum hybrid
// (AGE-SECRET-KEY-PQ-1…) by default or X25519 (AGE-SECRET-KEY-1…). The
// member's Ed25519 signing key is derived from it:
//
//	seed = HKDF-SHA256(ikm = canonical secret key string, salt = nil,
//	                   info = "tvault signing key v1")[:32]
//
// so backing up the identity file backs up the signing key too.
//
// # Hardware keys (age plugins)
//
// A member's key may instead be on a token (a YubiKey, a Secure Enclave)
// reached through an age plugin, a program age-plugin-NAME on PATH: the
// recipient is "age1NAME1…", the identity file holds only the plugin's stub
// (AGE-PLUGIN-NAME-1…) and the recipient in a comment. Every wrap to such a
// recipient and every unwrap with such an identity runs the plugin through
// filippo.io/age/plugin; a missing plugin is a *[PluginError]. As the
// secret never leaves the token, the signing key is random, kept in a
// signing key file next to the identity file ([SigningKeyFilePath]),
// age-encrypted to the token: see [GeneratePluginIdentity],
// [WriteSigningKeyFile] and [ReadIdentity]. The plugin's prompts (PIN,
// touch) go through the caller's plugin.ClientUI; this package never
// prompts, and refuses to run a plugin while AGEDEBUG=plugin would print
// the keys it exchanges.
//
// # Identity files
//
// Identity files are standard age identity files, as written by age-keygen,
// optionally encrypted with a passphrase exactly as "age -p -a" would: the age
// CLI can use them unchanged. See [WriteIdentityFile] and [ReadIdentityFile].
//
// # The tvault-dek stanza
//
// Attachments and encrypted field sets are normal age v1 files whose only
// recipient stanza is
//
//	-> tvault-dek <blob-id>
//	base64(ChaCha20-Poly1305(key, nonce = 12 zero bytes, file key))
//
// with key = HKDF-SHA256(ikm = DEK, salt = nil, info = "tvault-dek v1\x00" ||
// blob-id). See [NewDEKRecipient] and [NewDEKIdentity]. age does the
// streaming, the authentication and the random access.
//
// # Secrets in errors
//
// No secret key, passphrase or line of an identity file ever appears in an
// error message, in the result of a String method, or in a panic.
package crypto
