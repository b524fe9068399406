package main

// Standard output, checked in one place. Every command writes its result
// through env.stdout, a *stdoutWriter; run looks at it once the command
// returns. So no command, today's or a future one, can exit 0 with its
// result lost to a full disk, a closed pipe or a vanished terminal, even
// where it ignores what fmt.Fprint returns.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"golang.org/x/term"
)

// stdoutWriter passes writes on to standard output and remembers the first
// that failed; every write after it fails at once with the same error, so
// that a command stops printing at the first loss instead of producing a
// storm of errors or a partial, shifted result.
type stdoutWriter struct {
	w   io.Writer
	err error
}

func (s *stdoutWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// isTerminal reports whether standard output is a terminal.
func (s *stdoutWriter) isTerminal() bool {
	f, ok := s.w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// outputError is a command's result that could not be written to standard
// output.
type outputError struct {
	err error
	// done says what the command did all the same and how to find it
	// ("the record was sealed: …"), or is empty if it changed nothing.
	done string
}

func (e *outputError) Error() string {
	msg := fmt.Sprintf("cannot write to standard output: %v", unwrapPathError(e.err))
	if e.done != "" {
		msg += "; " + e.done
	}
	return msg
}

func (e *outputError) Unwrap() error { return e.err }

// brokenPipe reports whether standard output is a pipe whose reader went
// away, as in "tvault list | head -1".
func (e *outputError) brokenPipe() bool { return isBrokenPipe(e.err) }

// sigpipe is the signal a shell reports for a writer whose pipe closed:
// 128 + 13 = 141, what "tvault list | head -1" gave before tvault caught
// it, and what other tools give.
const sigpipe = syscall.Signal(13)

// committed records what the running command has done that stands even if
// its result cannot be printed, so that the error then says so (see
// outputError). Commands call it after their change is durable and before
// they print.
func (e *env) committed(format string, args ...any) {
	e.done = fmt.Sprintf(format, args...)
}

// checkOutput returns the error run reports once the command returned err:
// a failed write to standard output, unless err says more (a denial, an
// integrity failure, an interruption), in which case err.
func (e *env) checkOutput(err error) error {
	werr := e.out.err
	if werr == nil {
		return err
	}
	if err != nil && !errors.Is(err, werr) && exitCode(err) != exitError {
		return err
	}
	return &outputError{err: werr, done: e.done}
}
