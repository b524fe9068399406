//go:build !windows

package store

// removeUnstartedLogFiles does nothing here: a file can be removed while
// another process has it open, so an empty log file is removed only after
// Badger, holding its lock, fails on it (removeEmptyLogFiles). See
// recover_windows.go.
func removeUnstartedLogFiles(string) {}
