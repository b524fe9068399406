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

// TestPluginPINPrompt: a hardware key's plugin asks for its PIN and to be
// touched; tvault forwards the request to the terminal (without echo) and
// the message to stderr, and the PIN reaches the plugin only.
func TestPluginPINPrompt(t *testing.T) {
	ptmx, pts, err := openPty()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer pts.Close()
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

	const pin = "2468-secret"
	c := exec.Command("tvault", "card", "-i", idPath)
	c.Env = append(env, "TVTEST_PIN="+pin, "TVTEST_TOUCH=1")
	var stdout, stderr bytes.Buffer
	c.Stdin, c.Stdout, c.Stderr = pts, &stdout, &stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()

	var seen bytes.Buffer
	buf := make([]byte, 256)
	deadline := time.Now().Add(30 * time.Second)
	for !bytes.Contains(seen.Bytes(), []byte("age-plugin-tvtest: Enter the PIN of the tvtest key:")) {
		ptmx.SetReadDeadline(deadline)
		n, err := ptmx.Read(buf)
		if err != nil {
			c.Process.Kill()
			t.Fatalf("no PIN prompt: %v (saw %q, stderr %q)", err, seen.String(), stderr.String())
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
			t.Fatal("echo never went off for the PIN")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := ptmx.Write([]byte(pin + "\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("card: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		c.Process.Kill()
		t.Fatal("card did not finish after the PIN")
	}
	if !strings.HasPrefix(stdout.String(), `recipient = "`+r+`"`) {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "tvault: age-plugin-tvtest: touch the tvtest key") {
		t.Errorf("the plugin's message is not on stderr:\n%s", stderr.String())
	}
	ptmx.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	n, _ := ptmx.Read(buf)
	seen.Write(buf[:max(n, 0)])
	for what, s := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "the terminal": seen.String()} {
		if strings.Contains(s, pin) {
			t.Errorf("the PIN shows on %s", what)
		}
	}
}
