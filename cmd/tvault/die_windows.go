//go:build tvaultdebug

package main

import "golang.org/x/sys/windows"

// dieExitCode is the exit code of a process that died at a failpoint on
// Windows: 128 plus SIGKILL's number, as a shell would report a kill -9.
const dieExitCode = 137

// die ends the process with TerminateProcess, Windows' kill -9: no deferred
// function, no Badger Close, no console handler runs.
func die() {
	_ = windows.TerminateProcess(windows.CurrentProcess(), dieExitCode)
	select {}
}
