// Package litewitness runs a real C2SP tlog-witness for tests:
// litewitness from filippo.io/torchwood, at the version tvault's go.mod
// pins, with its key in a dedicated ssh-agent, on 127.0.0.1.
//
// Build compiles litewitness and witnessctl once per version into a cache
// beside Go's build cache (GOCACHE/../tvault-tools), never into the
// checkout. Start creates a witness key with ssh-keygen, starts ssh-agent
// -D on a private socket, adds the key, registers a log with witnessctl
// and starts litewitness; t.Cleanup stops both processes it started, by
// their own process handles. A test skips, with one message, only when
// Build fails (no Go toolchain, no module download); anything that fails
// after is a test failure.
package litewitness

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/witness"
)

// Module is the Go module litewitness comes from.
const Module = "filippo.io/torchwood"

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Build returns the directory holding the litewitness and witnessctl
// binaries of the torchwood version tvault's go.mod requires, building
// them on first use (go install pkg@version, so that torchwood's own
// go.mod and go.sum decide their dependencies).
func Build() (string, error) {
	buildOnce.Do(func() { buildDir, buildErr = build() })
	return buildDir, buildErr
}

func build() (string, error) {
	version, err := goOutput("list", "-m", "-f", "{{.Version}}", Module)
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %v", Module, err)
	}
	cache, err := goOutput("env", "GOCACHE")
	if err != nil || cache == "" || cache == "off" {
		return "", fmt.Errorf("no Go build cache: %v", err)
	}
	dir := filepath.Join(filepath.Dir(cache), "tvault-tools", "litewitness-"+version)
	if exists(filepath.Join(dir, "litewitness")) && exists(filepath.Join(dir, "witnessctl")) {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	// Build into a fresh directory, then rename: two test binaries
	// building at once never see half a tool.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "install", Module+"/cmd/litewitness@"+version, Module+"/cmd/witnessctl@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=", "CGO_ENABLED=0")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install litewitness@%s: %v: %s", version, err, lastLine(out))
	}
	if err := os.Rename(tmp, dir); err != nil && !exists(filepath.Join(dir, "litewitness")) {
		return "", err
	}
	return dir, nil
}

func goOutput(args ...string) (string, error) {
	out, err := exec.Command("go", args...).Output()
	return strings.TrimSpace(string(out)), err
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// Witness is a running litewitness.
type Witness struct {
	URL  string // http://127.0.0.1:<port>
	VKey string // its verifier key, as litewitness prints it
	Name string // its name in cosignature lines

	bin, db string
	t       testing.TB
}

// Start builds (or skips the test if it cannot) and starts a witness named
// name that knows one log: origin, whose checkpoints the given signed-note
// vkeys (type 0x01, note.NewEd25519VerifierKey) may sign.
func Start(t testing.TB, name, origin string, vkeys []string) *Witness {
	t.Helper()
	bin, err := Build()
	if err != nil {
		t.Skipf("litewitness cannot be built, so the test against a real witness is skipped: %v", err)
	}
	dir := shortTempDir(t)
	w := &Witness{Name: name, bin: bin, db: filepath.Join(dir, "witness.db"), t: t}
	w.ctl("add-log", "-origin", origin)
	for _, k := range vkeys {
		w.AddKey(origin, k)
	}
	sock := filepath.Join(dir, "agent.sock")
	pub := startAgent(t, dir, sock)
	port := freePort(t)
	w.URL = "http://127.0.0.1:" + port
	v, err := witness.NewVerifier(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	w.VKey = v.String()
	logs := &syncBuffer{}
	cmd := exec.Command(filepath.Join(bin, "litewitness"), "-name", name, "-db", w.db, "-ssh-agent", sock,
		"-key", fingerprint(pub), "-listen", "127.0.0.1:"+port)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting litewitness: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("litewitness log:\n%s", logs.String())
		}
	})
	waitListening(t, port, cmd, logs)
	// litewitness prints its vkey: it must be the one computed here.
	if m := regexp.MustCompile(`vkey=(\S+)`).FindStringSubmatch(logs.String()); m == nil || m[1] != w.VKey {
		t.Fatalf("litewitness's verifier key is not %s; its log:\n%s", w.VKey, logs.String())
	}
	return w
}

// AddKey lets vkey sign origin's checkpoints, as a new member's key must.
func (w *Witness) AddKey(origin, vkey string) { w.ctl("add-key", "-origin", origin, "-key", vkey) }

func (w *Witness) ctl(args ...string) {
	w.t.Helper()
	args = append(args[:1:1], append([]string{"-db", w.db}, args[1:]...)...)
	if out, err := exec.Command(filepath.Join(w.bin, "witnessctl"), args...).CombinedOutput(); err != nil {
		w.t.Fatalf("witnessctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// shortTempDir is a temporary directory with a path short enough for a
// Unix socket (108 bytes), which t.TempDir's may not be.
func shortTempDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "lw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startAgent makes an Ed25519 key with ssh-keygen, runs ssh-agent in the
// foreground on sock and adds the key; it returns the public key.
func startAgent(t testing.TB, dir, sock string) ed25519.PublicKey {
	t.Helper()
	key := filepath.Join(dir, "witness-key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "litewitness", "-f", key).CombinedOutput(); err != nil {
		t.Skipf("ssh-keygen is not available, so the test against a real witness is skipped: %v: %s", err, out)
	}
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Skipf("ssh-agent is not available, so the test against a real witness is skipped: %v", err)
	}
	t.Cleanup(func() {
		agent.Process.Kill()
		agent.Wait()
	})
	for i := 0; !exists(sock); i++ {
		if i == 100 {
			t.Fatal("ssh-agent did not create its socket")
		}
		time.Sleep(50 * time.Millisecond)
	}
	add := exec.Command("ssh-add", key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v: %s", err, out)
	}
	pubLine, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := parseSSHEd25519(pubLine)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// parseSSHEd25519 reads an OpenSSH public key line "ssh-ed25519 <base64
// of string "ssh-ed25519", string key> comment".
func parseSSHEd25519(line []byte) (ed25519.PublicKey, error) {
	f := strings.Fields(string(line))
	if len(f) < 2 || f[0] != "ssh-ed25519" {
		return nil, errors.New("not an ssh-ed25519 public key")
	}
	wire, err := base64.StdEncoding.DecodeString(f[1])
	want := append(sshString([]byte("ssh-ed25519")), 0, 0, 0, 32)
	if err != nil || len(wire) != len(want)+32 || !bytes.Equal(wire[:len(want)], want) {
		return nil, errors.New("malformed ssh-ed25519 public key")
	}
	return ed25519.PublicKey(wire[len(want):]), nil
}

func sshString(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// fingerprint is ssh-keygen's SHA256 fingerprint of an Ed25519 key,
// litewitness's -key.
func fingerprint(pub ed25519.PublicKey) string {
	wire := append(sshString([]byte("ssh-ed25519")), sshString(pub)...)
	sum := sha256.Sum256(wire)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func waitListening(t testing.TB, port string, cmd *exec.Cmd, logs *syncBuffer) {
	t.Helper()
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if i == 200 || cmd.ProcessState != nil {
			t.Fatalf("litewitness is not listening on port %s: %v; its log:\n%s", port, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
