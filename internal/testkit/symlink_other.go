//go:build !windows

package testkit

// symlinkRefused: elsewhere than on Windows, any user may make a link.
func symlinkRefused(error) bool { return false }
