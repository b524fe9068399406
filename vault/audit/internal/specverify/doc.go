// Package specverify is an independent verifier of tvault audit exports,
// written only from the package documentation of vault/audit (its doc.go),
// as an outside auditor would write one, to keep that documentation honest.
//
// It uses the standard library and golang.org/x/mod's sumdb/note and
// sumdb/tlog, and nothing of this project: TestImports enforces that. It
// must never import vault/audit or share code with it; where the two
// disagree, either the documentation or the code is wrong, and
// vault/audit's TestSpecVerify and FuzzSpecVerify say so.
//
// Verify reads an export line by line and rejects it on the first rule it
// breaks, with a *RejectError naming the line. It holds every entry's leaf
// hash (and, in a filtered export, its proof) until the checkpoint: it is a
// test oracle, not a tool for exports of millions of entries.
//
// Each check carries the phrase of doc.go it implements, so that a reader
// can hold the two side by side.
package specverify
