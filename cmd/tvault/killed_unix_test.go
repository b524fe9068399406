//go:build unix

package main

import (
	"os"
	"syscall"
)

// killedOutright reports whether a tvault process died without any cleanup: by
// SIGKILL, sent by the test or at a failpoint (die_unix.go).
func killedOutright(ps *os.ProcessState, killSent bool) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
