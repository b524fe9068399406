package main

import "os"

// killedOutright reports whether a tvault process died without any cleanup: ended
// by the test's Process.Kill (TerminateProcess, exit code 1, which only
// killSent tells from an error exit), or at a failpoint, which ends it with
// exit code 137 (die_windows.go).
func killedOutright(ps *os.ProcessState, killSent bool) bool {
	return ps.ExitCode() == 137 || (killSent && ps.ExitCode() == 1)
}
