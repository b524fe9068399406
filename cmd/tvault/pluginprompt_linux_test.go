//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tvault/tvault/internal/testkit/ageplugin"
)

// pinSession is `tvault card` of a hardware key whose plugin asks for a
// PIN, started on a pseudo-terminal and waiting at the PIN prompt.
type pinSession struct {
	c              *exec.Cmd
	ptmx, pts      *os.File
	stdout, stderr bytes.Buffer
	seen           bytes.Buffer // what the terminal showed
	done           chan error
	recipient      string
}

const testPIN = "2468-secret"

func startPINSession(t *testing.T) *pinSession {
	t.Helper()
	ptmx, pts, err := openPty()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close(); pts.Close() })
	plug, err := buildPlugin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	idStr, r, err := ageplugin.Generate()
	if err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dir, "token.txt")
	if err := os.WriteFile(token, []byte(ageplugin.IdentityFile(idStr, r)), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+filepath.Dir(plug)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TVAULT_PASSPHRASE_FILE=")
	idPath := filepath.Join(dir, "id.age")
	keygen := exec.Command("tvault", "keygen", "--plugin", token, "-o", idPath)
	keygen.Env = env
	if out, err := keygen.CombinedOutput(); err != nil {
		t.Fatalf("keygen --plugin: %v\n%s", err, out)
	}

	s := &pinSession{ptmx: ptmx, pts: pts, done: make(chan error, 1), recipient: r}
	s.c = exec.Command("tvault", "card", "-i", idPath)
	s.c.Env = append(env, "TVTEST_PIN="+testPIN, "TVTEST_TOUCH=1")
	s.c.Stdin, s.c.Stdout, s.c.Stderr = pts, &s.stdout, &s.stderr
	// A new session whose controlling terminal is the pty.
	s.c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := s.c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.c.Wait() }()

	buf := make([]byte, 256)
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains(s.seen.Bytes(), []byte("age-plugin-tvtest: Enter the PIN of the tvtest key:")) {
		ptmx.SetReadDeadline(deadline)
		n, err := ptmx.Read(buf)
		if err != nil {
			s.c.Process.Kill()
			t.Fatalf("no PIN prompt: %v (saw %q, stderr %q)", err, s.seen.String(), s.stderr.String())
		}
		s.seen.Write(buf[:n])
	}
	for !s.echoOff(t) {
		if time.Now().After(deadline) {
			s.c.Process.Kill()
			t.Fatal("echo never went off for the PIN")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s
}

func (s *pinSession) echoOff(t *testing.T) bool {
	tio, err := unix.IoctlGetTermios(int(s.pts.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO == 0
}

func (s *pinSession) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		s.c.Process.Kill()
		t.Fatal("card did not finish")
		return nil
	}
}

// TestPluginPINPrompt: a hardware key's plugin asks for its PIN and to be
// touched; tvault forwards the request to the terminal (without echo) and
// the message to stderr, and the PIN reaches the plugin only.
func TestPluginPINPrompt(t *testing.T) {
	s := startPINSession(t)
	if _, err := s.ptmx.Write([]byte(testPIN + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.wait(t); err != nil {
		t.Fatalf("card: %v; stderr:\n%s", err, s.stderr.String())
	}
	if !strings.HasPrefix(s.stdout.String(), `recipient = "`+s.recipient+`"`) {
		t.Errorf("stdout:\n%s", s.stdout.String())
	}
	if !strings.Contains(s.stderr.String(), "tvault: age-plugin-tvtest: touch the tvtest key") {
		t.Errorf("the plugin's message is not on stderr:\n%s", s.stderr.String())
	}
	buf := make([]byte, 256)
	s.ptmx.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	n, _ := s.ptmx.Read(buf)
	s.seen.Write(buf[:max(n, 0)])
	for what, out := range map[string]string{"stdout": s.stdout.String(), "stderr": s.stderr.String(), "the terminal": s.seen.String()} {
		if strings.Contains(out, testPIN) {
			t.Errorf("the PIN shows on %s", what)
		}
	}
}

// TestPluginPINInterrupted: Ctrl-C at the plugin's PIN prompt ends tvault
// with exit 130, as at a passphrase prompt, with echo back on.
func TestPluginPINInterrupted(t *testing.T) {
	s := startPINSession(t)
	s.c.Process.Signal(syscall.SIGINT)
	s.wait(t)
	if code := s.c.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, s.stderr.String())
	}
	if !strings.Contains(s.stderr.String(), "tvault: error: interrupted by SIGINT") {
		t.Errorf("stderr:\n%s", s.stderr.String())
	}
	if s.echoOff(t) {
		t.Error("the terminal was left without echo")
	}
}
