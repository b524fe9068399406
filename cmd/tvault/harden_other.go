//go:build !linux && !darwin && !windows

package main

// hardenProcess does nothing where tvault is not supported (see SECURITY.md
// for what Linux, macOS and Windows get): the build works, unhardened.
func hardenProcess() {}
