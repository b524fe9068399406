package main

import "golang.org/x/sys/unix"

// hardenProcess keeps secrets and plaintext out of core dumps and other
// processes' reach, and makes every file tvault creates private. On macOS:
//
//   - RLIMIT_CORE 0: a crash writes no core file to /cores;
//   - ptrace(PT_DENY_ATTACH): no debugger can attach to tvault with ptrace
//     from now on (lldb, which attaches that way, is refused), and if one
//     is attached already the kernel ends tvault at once. It does not stop
//     the Mach interface (task_for_pid) through which root, and tools
//     signed with the debugging entitlement, read another process's
//     memory; macOS also keeps crash reports (thread stacks and registers,
//     no memory image) in ~/Library/Logs/DiagnosticReports;
//   - umask 077: every file and folder tvault creates, Badger's included
//     (it asks for 0644), is private to the user.
//
// Each is best effort: a failure leaves tvault working, less hardened.
// Running tvault itself under a debugger therefore ends it: debug the
// tests, which call run, not main.
func hardenProcess() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.PtraceDenyAttach()
	unix.Umask(0o077)
}
