// Package fault holds the kinds of failure that every layer of the vault
// shares, so that one classification reaches the user whichever layer
// noticed: the store, a blob backend, the audit log or the engine.
//
// It owns only sentinels. Each layer wraps them with its own words
// (fmt.Errorf("blob %s is missing: %w", id, fault.ErrIntegrity)); package
// vault re-exports them for its callers, and cmd/tvault maps them to exit
// codes. It must not import anything of tvault.
package fault
