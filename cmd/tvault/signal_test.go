//go:build unix

package main

import (
	"context"
	"errors"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// TestSignalOf pins what signalOf relies on: the text of the cause that
// signal.NotifyContext gives its context, for each signal tvault handles.
// It sends real signals to the test process, which Unix can do; on Windows
// Ctrl-C would reach every process on the console (TestInterruptedExitCodes
// covers the rest everywhere).
func TestSignalOf(t *testing.T) {
	for _, s := range interruptSignals {
		sig := s.(syscall.Signal)
		ctx, stop := signal.NotifyContext(context.Background(), sig)
		if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("%v did not cancel the context", sig)
		}
		if got := signalOf(ctx); got != sig {
			t.Errorf("signalOf after %v = %v (cause %q)", sig, got, context.Cause(ctx))
		}
		err := interrupted(ctx, errors.Join(errors.New("stopped"), context.Canceled))
		if code := exitCode(err); code != 128+int(sig) {
			t.Errorf("%v: exit code %d, want %d", sig, code, 128+int(sig))
		}
		stop()
	}
}
