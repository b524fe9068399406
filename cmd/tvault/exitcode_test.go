package main

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
)

// TestInterruptedExitCodes: on every platform, a command stopped by one of
// the signals tvault catches exits 128 plus its number (130 for Ctrl-C, 143
// for SIGTERM, which Windows sends when the console closes) and says which;
// only a cancellation becomes an interruption.
func TestInterruptedExitCodes(t *testing.T) {
	want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGHUP: 129}
	names := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP"}
	for _, s := range interruptSignals {
		sig, ok := s.(syscall.Signal)
		if !ok || want[sig] == 0 {
			t.Fatalf("interruptSignals holds %#v", s)
		}
		err := &interruptedError{sig: sig}
		if code := exitCode(err); code != want[sig] {
			t.Errorf("%v: exit code %d, want %d", sig, code, want[sig])
		}
		if !strings.Contains(err.Error(), "interrupted by "+names[sig]) {
			t.Errorf("%v: %q", sig, err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := signalOf(ctx); got != 0 {
		t.Errorf("signalOf of a plain cancellation = %v, want 0", got)
	}
	if code := exitCode(interrupted(ctx, context.Canceled)); code != 130 {
		t.Errorf("a plain cancellation: exit code %d, want 130", code)
	}
	// Only the cancellation itself becomes an interruption.
	if err := interrupted(ctx, errUnrelated); err != errUnrelated {
		t.Errorf("interrupted replaced an unrelated error: %v", err)
	}
}

var errUnrelated = errors.New("record not found")
