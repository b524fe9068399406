// Package trust owns the two files from which an auditor learns the
// members' signing keys from outside an audit export (whose keys line
// travels with it, so that whoever alters an export can replace it): the
// vault's signed policy chain, which 'tvault policy export' writes, and a
// cards file of the members' self-signed cards. 'tvault audit verify
// --trust FILE' and 'tvault custody verify --trust FILE' read either,
// offline. The package also owns the checks that link one policy version
// to the next, which the vault runs on every open: the chain file is
// checked by exactly the code that checks the vault's own chain.
//
// # The chain
//
// Version 1 of a vault's policy is signed by the member who created the
// vault, who holds the policy action in it; the vault id is a hash of its
// signed bytes (vault id = lower-case unpadded base32 of the first 12 bytes
// of SHA-256("tvault vault id v1\n" || signed version 1)), and the audit
// log's origin is "tvault/<vault id>". Every later version N names the
// SHA-256 of version N-1's signed bytes ("prev"), is signed by a member who
// holds the policy action in version N-1, with the key version N-1 gives
// them, and was put in force by a policy-apply audit entry, signed by the
// same member with the same key, whose digest is "sha256:" and the hex
// SHA-256 of version N's signed bytes. The chain therefore starts at the
// vault id and every link is signed by someone the link before entitled.
//
// A signed version is the envelope of package vault/internal/record:
// "tvs1" || Ed25519 signature (64 bytes) || body, the signature over the
// body, which is JSON with version, policy (the TOML, as base64), signed_by,
// signer_key, signed_at, and prev (after version 1) or nonce (version 1).
//
// # The chain file
//
// One JSON object followed by a newline, at most MaxFileSize bytes:
//
//	{"tvault_policy_chain":1,"origin":"tvault/<vault id>","versions":[
//	 {"signed":"<standard base64 of signed version 1>"},
//	 {"signed":"<… version 2>","entry":"<its policy-apply entry's leaf>"},
//	 …]}
//
// (shown on several lines; it is one). The versions are in order from 1,
// none missing. "entry" is absent for version 1 and required after it: the
// audit entry that applied the version, as the leaf the log stores (see
// package vault/audit, "Entries"), as one JSON string. Unknown members,
// another format number, trailing data or an origin that is not the one
// version 1 hashes to are refused.
//
// # Verifying a chain file
//
// ParseChain checks everything above and, given a vault id, that the chain is
// that vault's. It returns the verified versions; Keys lists every member
// signing key of every version with the versions that list it, and InForce
// says which version was in force at an audit entry's seq: version 1 from
// seq 0, version N from the entry after its policy-apply entry (the
// policy-apply entry itself was made under version N-1).
//
// # Which key signed when
//
// A member removed from the policy, or whose key changed, keeps the old key
// in Keys (with the versions that list it), because the entries they signed
// while they were a member must still verify. An entry signed with that
// key after the version that dropped it was in force is another matter:
// the vault writes no entry for an identity that is not a member of the
// policy in force (one process holds the vault at a time, and policy apply
// changes the policy in force at once), so a verifier holding the chain
// checks that the version InForce at each entry's seq is among those Keys
// lists for the entry's actor and key (package vault's
// TrustedKeys.CheckExport does, before the export is verified with Keys).
// It also checks that each policy-apply entry the export holds is the
// chain's (same seq, same leaf hash), and, for an unfiltered export, that
// it holds every one below its tree size: a chain and an export that do
// not tell the same history are refused. A cards file carries no
// versions: with it, every card's key verifies entries at every seq.
//
// What a verified chain proves: every version was signed by a member the
// version before allowed to change the policy, from the version that
// defines the vault id. Alone, it cannot prove that it is complete (a
// chain exported before a later policy change ends early; an export that
// applied a version the chain lacks is then refused, as a chain to export
// again) nor that the vault applied its versions (an admin could sign
// versions the vault never applied: checked with an export, their
// policy-apply entries are not the log's).
//
// # The cards file
//
// TOML, at most MaxCardsSize bytes, with nothing but [[members]] blocks,
// each the name of a member and the three lines 'tvault card' (or
// 'tvault keygen') prints for them:
//
//	[[members]]
//	name = "iryna"
//	recipient = "age1…"
//	signing_key = "ed25519:…"
//	card_sig = "…"
//
// A policy's member blocks may be pasted as they are: "roles" is allowed
// and ignored. Every card_sig must verify (crypto.Card.Verify): it binds
// the recipient to the signing key and proves that whoever made the card
// held the key; that the card is the member's is what the auditor knows by
// having received it from them. A name may have several cards (a member
// whose key changed); every card's key then signs under that name.
//
// It must not import package vault or the vault's storage: the vault
// imports it.
package trust
