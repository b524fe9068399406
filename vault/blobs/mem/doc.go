// Package mem is a blobs.Store in memory, for tests of the engine: fast,
// with no files to clean up, and with the errors and semantics of every
// other store (blobtest proves it).
//
// A writer that was neither committed nor aborted is what an interrupted
// write leaves: List reports it as partial, and RemovePartial or Remove
// drop it, after which its Commit fails — as package local does with its
// .part files. A test simulates a crash during a write by abandoning the
// writer.
//
// It owns only its map. It must not touch the file system, and it is not
// a store for real data: nothing it holds survives the process, and it
// keeps every blob whole in memory, which no other part of tvault may do.
package mem
