// Package blobtest is the conformance suite of blobs.Store: Run holds every
// backend to the same contract — round trips across the sizes where
// buffers and blocks meet, ranges, visibility only after Commit, Abort and
// cancellation leaving nothing, List, Remove and RemovePartial, refused ids
// — and, through package faulty, proves that a failure in the middle of a
// write, a read or a list surfaces as an error rather than as silently
// short or missing data.
//
// A backend's own tests call Run with a constructor of empty stores. Tests
// of what only one backend has (files, links, full disks) stay in that
// backend's package. This package must not depend on any backend but
// faulty, which it wraps around the store under test.
package blobtest
