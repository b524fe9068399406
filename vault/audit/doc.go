// Package audit is tvault's audit log: signed entries in a Merkle tree,
// signed checkpoints of the tree, exports as JSON Lines and CSV, and the
// offline verification a court can run on an export.
//
// The log is a transparency log in the style of Certificate Transparency
// (RFC 6962, RFC 9162), built with golang.org/x/mod/sumdb/tlog; its head is
// a C2SP tlog-checkpoint in the signed note format of
// golang.org/x/mod/sumdb/note. Entries live behind the small Backend
// interface, which the vault implements on one Badger transaction, so that
// an operation and its entry commit together or not at all.
//
// This documentation specifies the formats precisely enough to write an
// independent verifier.
//
// # What it owns, and what it must not do
//
// The package owns the audit log's formats and their checks, and nothing
// else: the entry and its canonical encoding (entry.go); appending to the
// Merkle tree and signing checkpoints (log.go, checkpoint.go); the export
// as JSON Lines and CSV (export.go); and verification: the shared
// TamperError and Summary (verify.go), an export fed one line at a time to
// a state machine that lists the rules it enforces (verifyexport.go,
// exportlines.go), its entry lines checked in chunks on every core
// (verifyentries.go, fastline.go), the vault's own log and an earlier
// checkpoint (verifylog.go), with the key set, the batched signature
// checker and the recomputed tree (keyset.go, checker.go, batch.go,
// tree.go).
//
// It must not import vault, the vault's store (vault/internal/store),
// Badger or any other storage engine, nor any other tvault package but
// vault/internal/fault, whose ErrIntegrity its ErrTampered is, and
// internal/csvsafe, the one rule for every CSV tvault writes: storage reaches it only through Backend, which its
// caller implements, and the caller decides who may act and writes the
// entry in its own transaction. VerifyExport needs nothing but the
// export. Like every tvault library it never prints, prompts, exits or
// reads the environment or flags, and reads the clock only to stamp an
// entry given without a time. It never sees plaintext: an entry carries
// record ids, member names and keys, never an interviewee's identity.
// TestImports keeps its imports to the standard library, x/mod's tlog and
// note, filippo.io/edwards25519, vault/internal/fault and internal/csvsafe.
//
// # Entries
//
// An entry records one operation, denied and failed attempts included:
//
//	seq        its position in the log, from 0, with no gaps
//	time       when, RFC 3339 in UTC, fraction digits as needed (Go's RFC3339Nano),
//	           years 0001 to 9999, e.g. "2024-05-01T12:00:00.5Z"; never before
//	           the previous entry's time (equal is allowed): the writer takes
//	           the later of its clock and the last entry's time (Log.Stamp)
//	actor      the member's name in the policy. A vault appends entries only
//	           for members: a refused attempt by a non-member leaves no entry,
//	           since anyone can make keys and would fill the log
//	actor_key  the actor's Ed25519 signing key, "ed25519:" + standard base64 (padded)
//	action     the command run: lower-case ASCII letters and digits, words joined
//	           by single '-' ("seal", "open", "policy-apply", "audit-export")
//	record     the record id concerned, or ""
//	class      the class concerned, or ""
//	outcome    "ok", "denied" or "error"
//	detail     free text, at most 1024 bytes (never an interviewee's identity)
//	digest     optional: "sha256:" and the lower-case hex SHA-256 of the bytes
//	           the operation created and the entry commits to; a seal entry's
//	           is of the record's stored, signed header, which binds the header
//	           to the log: a header that no longer hashes to its seal entry's
//	           digest has been rewritten. Absent (not empty) when there is none,
//	           as in every entry written before tvault format 3.
//	sig        the actor's Ed25519 signature over the entry's signed bytes,
//	           standard base64 (padded) of its 64 bytes
//
// Every string is valid UTF-8 without bidirectional-override characters
// (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and without
// control characters (Unicode category Cc), except that detail may contain
// '\n' and '\t'. actor, actor_key, action, record and class are at most 256
// bytes; actor is non-empty and contains no white space and no '+' (it is
// also the signer name of checkpoints). Base64 must be canonical: the only
// encoding that decodes to the same bytes.
//
// An entry's signed bytes are its RFC 8785 (JSON Canonicalization Scheme)
// encoding without "sig", with the version tag "format": "tvault-audit-entry
// v1" and seq as a JSON number; that is, these members in this order, no
// white space:
//
//	{"action":…,"actor":…,"actor_key":…,"class":…,"detail":…,
//	 "format":"tvault-audit-entry v1","outcome":…,"record":…,"seq":17,"time":…}
//
// with "digest":… between "detail" and "format" when the entry has one.
//
// Strings are escaped as RFC 8785 requires: '"' and '\' with a backslash;
// U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r; other
// characters below U+0020 as \u00xx with lower-case hex digits; every other
// character as its UTF-8 bytes, unescaped (including '/', '<', U+2028). The
// entry's leaf is the same encoding with "sig" added between "seq" and
// "time":
//
//	{"action":"open","actor":"iryna","actor_key":"ed25519:…","class":"testimony",
//	 "detail":"","format":"tvault-audit-entry v1","outcome":"ok","record":"r1",
//	 "seq":17,"sig":"…","time":"2024-05-01T12:00:00Z"}
//
// (shown on three lines; it is one). The leaf is what the vault stores and
// what the tree hashes. Any RFC 8785 implementation reproduces both
// encodings from the field values.
//
// # The tree and checkpoints
//
// Entry n is leaf n of an RFC 6962 Merkle tree: its leaf hash is
// SHA-256(0x00 || leaf), an interior node is SHA-256(0x01 || left ||
// right), the empty tree's hash is SHA-256 of nothing (tlog.RecordHash,
// tlog.NodeHash, tlog.TreeHash). Every append writes a new checkpoint
// signed by the actor who appended: a signed note whose text is
//
//	<origin>\n<tree size in decimal>\n<root hash in standard base64>\n
//
// where origin is "tvault/<vault id>" in every checkpoint tvault writes (a
// verifier accepts any valid origin, which C2SP leaves to the log: non-empty,
// at most 256 bytes of valid UTF-8 without control or bidirectional-override
// characters, not beginning with '{'), followed by a blank line and one
// signature line "— <actor name> <base64(key hash || Ed25519 signature)>\n".
// The key hash is the first four bytes, big-endian, of SHA-256(actor name ||
// "\n" || 0x01 || public key), as in note.NewEd25519VerifierKey; the
// signature is over the note text including its final newline.
//
// Verifiers follow C2SP tlog-checkpoint and signed-note: the size has no
// leading zeros and is at most 2^40 (a size of 0 has the empty tree's
// root); extension lines after the root (at
// most 16, none empty) are accepted and ignored (tvault writes none); a
// note has at most 100 signature lines; signatures by keys the verifier
// does not know, such as witnesses' cosignatures nobody asked for, are
// ignored; every signature by a known key (same name and key hash) must
// verify and be in canonical base64, a repeated one too (note.Open checks
// only the first of each key, and decodes base64 loosely, so tvault checks
// the rest); and at least one signature must be by a
// listed key, under that key's name. Keys must be canonical encodings of
// curve points not of small order (a key of small order would "sign"
// anything under the batch equation below); every tvault layer refuses
// others where a key comes in.
//
// Who may sign a log's checkpoints: every member of every version of the
// vault's policy, under their member name, with the signing key of their
// card. An outside verifier or witness learns these keys from the vault's
// signed policy chain (tvault policy export), or from the members' cards,
// and adds the keys of new members when the policy changes; a member
// removed from the policy signed only checkpoints made while they were a
// member.
//
// A witness (C2SP tlog-witness) cosigns a checkpoint it was shown with a
// consistency proof from the last one it saw: a C2SP tlog-cosignature
// line (key type 0x04, "cosignature/v1"), added to the member's note. The
// vault keeps the latest checkpoint each witness cosigned; exports carry
// them as earlier checkpoints (below).
//
// A member's Ed25519 key signs both entries and checkpoints (and, elsewhere
// in tvault, other messages); the two cannot be confused: signed entry
// bytes begin with '{"action":', a checkpoint text with its origin, which
// may not begin with '{'.
//
// # Export
//
// An export (Log.Export) is JSON Lines: UTF-8, one JSON object per line,
// each line ending in '\n'. Lines are written with the string escaping
// above, members in the order shown, no white space, and a verifier
// rejects any other encoding of the same values: a line, without its line
// end, must be byte-identical to what Export writes for its values. As
// files cross Windows and mail, a verifier accepts "\r\n" line ends and a
// last line without its end (a lone '\r' is not a line end); no line, with
// its end, is longer than 1 MiB.
//
// Line 1, the header; "filter" is present exactly when the export is
// filtered, with only the criteria set, times as above:
//
//	{"tvault_audit_export":1,"origin":"tvault/…","tree_size":1234}
//	{"tvault_audit_export":1,"origin":"tvault/…","tree_size":1234,"filter":{"record":"…","actor":"…","since":"…","until":"…","also":[17,42]}}
//
// Line 2, the verification material: the member keys the vault vouches for
// (normally every member of every policy version, with the versions that
// list them; "policy_versions" is omitted when empty), each under the name
// it signs as; "member" is true for each (a verifier accepts false, which
// tvault does not write, as any other key). Every key that signed an entry
// or the checkpoint is there. A key may be listed under several
// names and a name with several keys; the same (name, key) pair only once:
//
//	{"keys":[{"name":"iryna","key":"ed25519:…","member":true,"policy_versions":[1,2]},…]}
//
// Then any earlier-checkpoint lines, at most 64, in increasing tree size,
// at most one per size: a checkpoint the log had before (one an auditor kept, given to
// tvault audit export --from-checkpoint; the latest each witness
// cosigned, with its cosignatures), as a signed note with all its
// signatures, and the consistency proof from its tree to the export's
// (tlog.ProveTree: the RFC 9162 consistency proof, each hash base64; empty
// when the sizes are equal, or when the earlier tree is empty, which is a
// prefix of every tree):
//
//	{"earlier_checkpoint":"tvault/…\n1200\n…=\n\n— iryna …\n— witness.example/w1 …\n","consistency":["…",…]}
//
// Then one line per entry, in increasing seq; "hash" is the base64 leaf
// hash; in a filtered export, "proof" is the entry's inclusion proof in the
// tree of tree_size entries (tlog.ProveRecord: the RFC 9162 audit path,
// leaf to root, each hash base64; empty for a tree of one entry):
//
//	{"seq":17,"time":"…","actor":"…","actor_key":"…","action":"…","record":"…","class":"…","outcome":"…","detail":"…","sig":"…","hash":"…"}
//	{"seq":18,…,"detail":"…","digest":"sha256:…","sig":"…","hash":"…"}
//	{"seq":17,…,"hash":"…","proof":["…",…]}
//
// Last, the checkpoint, the signed note above as one JSON string:
//
//	{"checkpoint":"tvault/…\n1234\n…=\n\n— iryna …\n"}
//
// A filtered export selects entries whose record and actor equal the
// criteria given and whose time t satisfies since <= t < until, and
// besides them the entries whose seqs "also" lists (at most 1024, in
// increasing order, never without another criterion): a custody report
// adds the entry that imported a record from a bundle, which names no
// record.
//
// # Verifying an export
//
// VerifyExport checks, in order, failing on the first problem:
//
//   - the header: format 1, a valid origin, 0 <= tree_size <= 2^40;
//   - the keys: each name valid, each key "ed25519:" + 32 bytes, no
//     (name, key) pair twice, nor two keys under one name with the same
//     key hash;
//   - each earlier-checkpoint line: at most 64 of them, its proof at most
//     128 canonical hashes, the line canonical, its note verifying as a
//     checkpoint does (below), of the header's origin, its size at most
//     tree_size and above the previous earlier checkpoint's;
//   - each entry: seq order (unfiltered: 0, 1, 2, … without gaps,
//     duplicates or reordering; filtered: strictly increasing), seq below
//     tree_size, every field valid as above, a filtered entry matching the
//     filter, hash equal to the leaf hash recomputed from the fields, the
//     line canonical, actor_key listed under the actor's name, its time
//     not before the previous entry's in the export, and sig a
//     valid Ed25519 signature of the signed bytes by actor_key (checked 64
//     at a time with the cofactored batch equation, and one by one with
//     crypto/ed25519 when a batch fails; the two agree on every signature an
//     honest signer makes, so an independent verifier using RFC 8032 checks
//     reaches the same verdict);
//   - unfiltered: as many entries as tree_size;
//   - the checkpoint: the last line, nothing after it, a note as described
//     under "The tree and checkpoints" (a listed member's valid signature,
//     others by unknown keys ignored), with the header's origin and tree
//     size and, unfiltered, the root of the tree of all entries; filtered,
//     each entry's inclusion proof must lead from its leaf hash to the
//     checkpoint's root; and every earlier checkpoint's consistency proof
//     must lead from it to the checkpoint (tlog.CheckTree; an earlier
//     checkpoint of size 0 needs an empty proof and nothing else).
//
// What a verifier brings from outside the export (VerifyOptions, the
// flags of tvault audit verify) adds checks:
//
//   - trusted keys (--trust: the members' cards or the vault's signed
//     policy chain) replace the keys line, which is still checked for form;
//     a policy chain also names the only origin accepted;
//     without them the summary says that the keys came from the export;
//   - a kept checkpoint (--against) must verify with the keys, name the
//     header's origin and have at most tree_size entries; unfiltered, the
//     tree recomputed from the first entries at its size must have its
//     root; filtered, an earlier-checkpoint line of its size must have its
//     root (or it is the checkpoint itself);
//   - witnesses (--witness, with a quorum; each given once): enough of
//     them must have a valid cosignature on the checkpoint or on an
//     earlier checkpoint.
//
// What verification proves, and what it cannot: the entries were signed
// by the listed keys, and, unfiltered, they are all of the log's first
// tree_size entries, in order, as a listed key signed; filtered, each is in
// that log at its seq. A changed, dropped, reordered or added entry is
// found. The keys line travels with the export, so whoever alters the
// export can also replace keys and re-sign everything with keys of their
// own: only trusted keys from outside the export rule that out. A member
// who exports can truncate the log and re-sign its checkpoint with their
// real key: only a checkpoint kept from before (--against) or a witness's
// cosignature shows that the history continued. Entries after the last
// checkpoint anyone kept or cosigned are vouched for by the members' keys
// alone. A filtered export cannot show that other entries about the same
// record were left out; compare it with an unfiltered one for that.
//
// # Failures
//
// Every verification failure is a *TamperError wrapping ErrTampered, whose
// message names the first bad entry ("entry 17: signature does not verify",
// "entry 18 missing (seq jumps from 17 to 19)") or the checkpoint
// ("checkpoint: root does not match entries"). Signatures are verified on
// all CPUs in batches (an export's entry lines are checked wholly there),
// and the entry reported is still the first bad one.
// Other errors (reading the input or the backend, invalid options such as
// a witness given twice) are returned as they are.
package audit
