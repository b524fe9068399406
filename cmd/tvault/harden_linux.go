package main

import "golang.org/x/sys/unix"

// hardenProcess keeps secrets and plaintext out of core dumps and other
// processes' reach, and makes every file tvault creates private. On Linux:
//
//   - RLIMIT_CORE 0: a crash writes no core file holding key material or
//     plaintext;
//   - PR_SET_DUMPABLE 0: no core either way, and other processes of the
//     same user cannot ptrace tvault or read /proc/PID/mem (root, or a
//     process with CAP_SYS_PTRACE, still can);
//   - umask 077: every file and folder tvault creates, Badger's included
//     (it asks for 0644), is private to the user.
//
// Each is best effort: a failure leaves tvault working, less hardened.
func hardenProcess() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	unix.Umask(0o077)
}
