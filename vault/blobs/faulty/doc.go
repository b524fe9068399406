// Package faulty wraps a blobs.Store to inject failures, in the spirit of
// restic's errorBackend: a write that fails halfway, a Commit that fails,
// a read that breaks off after some bytes, a List that stops after some
// entries, a Remove that removes nothing. Tests of the engine use it to
// prove that every such failure surfaces as an error and leaves no
// half-stored record behind.
//
// Injected failures wrap ErrInjected (and through it fault.ErrStorage), so
// a test can tell them from real ones. Counters tell a test how often each
// operation ran.
//
// It owns only its configuration and counters; the blobs are the inner
// Store's. It must not change what the inner Store returns beyond the
// failures it was told to inject.
package faulty
