package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	tcrypto "github.com/tvault/tvault/crypto"
	"github.com/tvault/tvault/internal/text"
	"github.com/tvault/tvault/policy"
	"github.com/tvault/tvault/vault"
)

// Exit codes: the contract in shared/CLI.md, and one addition.
//
// A command stopped by SIGINT, SIGTERM or SIGHUP exits 128 plus the
// signal's number — 130, 143 or 129 — the code a shell gives a process the
// signal killed, so that scripts and service managers read it as they
// always have (bash's $? after Ctrl-C, systemd's "terminated"). tvault does
// not die of the signal: it stops, removes what it had half written, and
// only then exits with that code and the message "interrupted by SIGINT".
// A command that finished although a signal came exits as if none had.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitDenied    = 3
	exitIntegrity = 4
	exitNotFound  = 5
	// exitSignal + the signal's number: interrupted (see interruptedError).
	exitSignal = 128
)

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// hinted carries a hint line to print under the error.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }

func withHint(err error, format string, args ...any) error {
	return hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// interruptedError is a command stopped by a signal.
type interruptedError struct {
	sig syscall.Signal // 0 if ctx was cancelled otherwise (a test)
}

func (e *interruptedError) Error() string {
	if e.sig == 0 {
		return "interrupted before the command finished"
	}
	return fmt.Sprintf("interrupted by %s before the command finished", signalName(e.sig))
}

func (e *interruptedError) Unwrap() error { return context.Canceled }

// interrupted turns err into an *interruptedError if it is the command
// giving up because ctx was cancelled. Any other error stays what it is: an
// integrity failure found just before a Ctrl-C is still exit 4.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	return &interruptedError{sig: signalOf(ctx)}
}

// signalOf is the signal that cancelled a context made by
// signal.NotifyContext, or 0. os/signal gives no other way to learn it than
// the text of the context's cause ("interrupt signal received");
// TestSignalOf pins that text.
func signalOf(ctx context.Context) syscall.Signal {
	cause := context.Cause(ctx)
	if cause == nil {
		return 0
	}
	for _, s := range interruptSignals {
		if cause.Error() == s.String()+" signal received" {
			return s.(syscall.Signal)
		}
	}
	return 0
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// exitCode is the one place errors become exit codes.
func exitCode(err error) int {
	var ue usageError
	var ie *vault.InputError
	var ps policy.Problems
	var intr *interruptedError
	var oe *outputError
	switch {
	case errors.As(err, &oe) && oe.brokenPipe():
		return exitSignal + int(sigpipe)
	case errors.As(err, &intr):
		if intr.sig == 0 {
			return exitSignal + int(syscall.SIGINT)
		}
		return exitSignal + int(intr.sig)
	case errors.As(err, &ue), errors.As(err, &ie), errors.As(err, &ps):
		return exitUsage
	case errors.Is(err, vault.ErrDenied):
		return exitDenied
	case errors.Is(err, vault.ErrIntegrity):
		// Every layer's damage (store, blobs, audit log) wraps it.
		return exitIntegrity
	case errors.Is(err, vault.ErrNotFound):
		return exitNotFound
	default:
		return exitError
	}
}

// fail prints err as "tvault: error: …" with its hints and returns the exit
// code. Errors are one sentence; Go type names and stack traces never reach
// the user.
func (e *env) fail(err error) int {
	var oe *outputError
	if errors.As(err, &oe) && oe.brokenPipe() {
		// Whoever read the output stopped reading ("tvault list | head
		// -1"): their choice, not an error to report, unless the command
		// had changed something they may not have seen.
		if oe.done != "" {
			fmt.Fprintf(e.stderr, "tvault: standard output was closed before tvault finished; %s\n", oe.done)
		}
		return exitCode(err)
	}
	msg := err.Error()
	msg = strings.TrimSuffix(msg, ".")
	fmt.Fprintf(e.stderr, "tvault: error: %s\n", escapeLines(msg))
	var h hinted
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(e.stderr, "tvault: hint: %s\n", escapeLines(h.hint))
	} else if hint := defaultHint(err); hint != "" {
		fmt.Fprintf(e.stderr, "tvault: hint: %s\n", hint)
	}
	return exitCode(err)
}

func defaultHint(err error) string {
	var ue usageError
	var pe *tcrypto.PermissionError
	var intr *interruptedError
	var oe *outputError
	switch {
	case errors.As(err, &oe):
		if oe.done != "" {
			return "" // the message says what was done and how to find it: running the command again would do it twice
		}
		return "check where standard output was sent (a full disk, a closed terminal), then run the command again"
	case errors.As(err, &intr):
		return "what it had half written was removed; run the command again to finish"
	case errors.As(err, &ue):
		return "run 'tvault --help' or 'tvault COMMAND --help' for usage"
	case errors.As(err, &pe):
		return permissionHint(pe)
	case errors.Is(err, tcrypto.ErrWrongPassphrase):
		return "check the passphrase (or the file given with --passphrase-file)"
	case errors.Is(err, vault.ErrLocked):
		return "wait for the other tvault command to finish, then try again"
	case errors.Is(err, vault.ErrNoSpace):
		return "free some disk space on the vault's drive, then try again; nothing was written"
	case errors.Is(err, vault.ErrNotVault):
		return "check --vault (or TVAULT_VAULT), or create a vault with 'tvault init --policy FILE'"
	case exitCode(err) == exitIntegrity:
		return "the vault's data may have been damaged or tampered with: run 'tvault check --read-data' and keep a copy of the vault as it is"
	}
	return ""
}

// note prints an informational line on stderr.
func (e *env) note(format string, args ...any) {
	fmt.Fprintf(e.stderr, "tvault: %s\n", escapeLines(fmt.Sprintf(format, args...)))
}

// escapeLines is text.Escape for a message of one or more lines: a message
// may quote a name, an id, a path or a field from a vault, a policy or a
// flag, and whatever of it is not plain text is shown as an escape
// (\x1b, \u202e) rather than sent to the terminal. The lines themselves
// stay lines.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = text.Escape(l)
	}
	return strings.Join(lines, "\n")
}
