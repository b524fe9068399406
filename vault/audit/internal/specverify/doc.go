// Package specverify is an independent verifier of tvault audit exports,
// written only from the package documentation of vault/audit (its doc.go)
// and the C2SP specifications it names (tlog-checkpoint, signed-note,
// tlog-cosignature), as an outside auditor would write one, to keep that
// documentation honest.
//
// It uses the standard library and golang.org/x/mod's sumdb/note and
// sumdb/tlog, and nothing of this project: TestImports enforces that. It
// must never import vault/audit or share code with it; where the two
// disagree, either the documentation or the code is wrong, and
// vault/audit's specverify tests (TestSpecVerify*, FuzzSpecVerify) say so.
//
// Verify reads an export line by line and rejects it on the first rule it
// breaks, with a *RejectError naming the line: the header, the keys line,
// earlier-checkpoint lines with their consistency proofs, entries (fields,
// canonical encoding, signature, time order, filter, inclusion proof) and
// the checkpoint. Options add what a verifier knows from outside the
// export: trusted keys, a kept checkpoint, witnesses and a quorum.
//
// It holds every entry's leaf hash (and, in a filtered export, its proof)
// until the checkpoint: it is a test oracle, not a tool for exports of
// millions of entries. Each check carries, in a comment, the phrase of
// doc.go it implements, so that a reader can hold the two side by side.
package specverify
