//go:build !windows

package main

import (
	"errors"
	"syscall"
)

// isBrokenPipe reports whether err is a write to a pipe nobody reads any
// more. tvault ignores SIGPIPE (see main), so such a write fails with EPIPE
// instead of killing the process before the vault is closed.
func isBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }
