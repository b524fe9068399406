//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tvault/tvault/internal/testkit"
)

// These tests drive the real binary through a Linux pseudo-terminal
// (/dev/ptmx, TIOCGPTN) and read its state in /proc.

// TestPromptInterrupted: Ctrl-C at the passphrase prompt ends tvault at
// once with exit 130, and the terminal echoes again. While tvault waits at
// the prompt, it also checks that the process hardened itself. (Before signals were
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
	// tvault waits for the passphrase: it has hardened itself by now.
	checkHardened(t, c.Process.Pid)
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

// checkHardened reads in /proc what hardenProcess (harden_linux.go) did to
// the running tvault pid: no core files, umask 077, and not dumpable, which
// makes the kernel give its /proc files to root (seen only when the test
// does not run as root).
func checkHardened(t *testing.T, pid int) {
	t.Helper()
	proc := "/proc/" + strconv.Itoa(pid)
	limits, err := os.ReadFile(proc + "/limits")
	if err != nil {
		t.Fatal(err)
	}
	core := regexp.MustCompile(`(?m)^Max core file size +(\S+) +(\S+)`).FindStringSubmatch(string(limits))
	if core == nil || core[1] != "0" || core[2] != "0" {
		t.Errorf("core file size limit: %q, want 0 0", core)
	}
	status, err := os.ReadFile(proc + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Umask:\s+0077$`).Match(status) {
		t.Errorf("umask is not 077:\n%s", status)
	}
	if os.Geteuid() != 0 {
		fi, err := os.Stat(proc + "/mem")
		if err != nil {
			t.Fatal(err)
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 0 {
			t.Errorf("%s/mem belongs to uid %d: tvault is still dumpable", proc, uid)
		}
	}
}
