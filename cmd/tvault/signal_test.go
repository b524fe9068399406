package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tvault/tvault/internal/testkit"
)

// TestSignalOf pins what signalOf relies on: the text of the cause that
// signal.NotifyContext gives its context, for each signal tvault handles.
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
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := signalOf(ctx); got != 0 {
		t.Errorf("signalOf of a plain cancellation = %v, want 0", got)
	}
	// Only the cancellation itself becomes an interruption.
	if err := interrupted(ctx, errUnrelated); err != errUnrelated {
		t.Errorf("interrupted replaced an unrelated error: %v", err)
	}
}

var errUnrelated = errors.New("record not found")

// TestPromptInterrupted: Ctrl-C at the passphrase prompt ends tvault at
// once with exit 130, and the terminal echoes again. (Before signals were
// caught, the signal killed tvault with echo still off; catching them
// without an interruptible prompt would leave it waiting for Enter.)
func TestPromptInterrupted(t *testing.T) {
	ptmx, pts, err := openPty()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer pts.Close()
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("tvault", "card", "-i", team.Get("olena").Path)
	c.Env = append(os.Environ(), "TVAULT_PASSPHRASE_FILE=")
	c.Stdin, c.Stdout = pts, pts
	var stderr bytes.Buffer
	c.Stderr = &stderr
	// A new session whose controlling terminal is the pty: /dev/tty in
	// tvault is pts.
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()

	// Wait for the prompt, then for echo to go off.
	var seen bytes.Buffer
	buf := make([]byte, 256)
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains(seen.Bytes(), []byte("Enter passphrase")) {
		ptmx.SetReadDeadline(deadline)
		n, err := ptmx.Read(buf)
		if err != nil {
			c.Process.Kill()
			t.Fatalf("no prompt: %v (saw %q, stderr %q)", err, seen.String(), stderr.String())
		}
		seen.Write(buf[:n])
	}
	for {
		tio, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatal("echo never went off")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.Process.Kill()
		<-done
		t.Fatal("tvault kept waiting for the passphrase after SIGINT")
	}
	if code := c.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d (%v), want 130; stderr:\n%s", code, c.ProcessState, stderr.String())
	}
	if !strings.Contains(stderr.String(), "tvault: error: interrupted by SIGINT") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	tio, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ECHO == 0 {
		t.Error("the terminal was left without echo")
	}
}

// openPty opens a new pseudo-terminal pair.
func openPty() (ptmx, pts *os.File, err error) {
	ptmx, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(ptmx.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		ptmx.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		ptmx.Close()
		return nil, nil, err
	}
	pts, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		return nil, nil, err
	}
	return ptmx, pts, nil
}
