//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tvault/tvault/internal/testkit"
)

// interruptCanary marks every byte of plaintext in these tests: it starts
// each 64 KiB of the large attachment (so any piece of it longer than the
// canary holds one) and is part of every private field and small file.
const interruptCanary = "TVAULT-INTERRUPT-CANARY-q7Zx"

// interruptCanaryEvery is the canary's interval in the large attachment.
const interruptCanaryEvery = 64 << 10

// interruptSize is the large attachment's size: large enough that a signal
// sent once its first bytes are on disk lands long before the operation
// could finish.
func interruptSize() int64 {
	if testing.Short() {
		return 96 << 20
	}
	return 300 << 20
}

// TestInterrupt sends SIGINT or SIGTERM to the real binary while it writes a
// large attachment — open into a folder, cat -o into a file, seal into the
// vault — and requires a clean stop: exit 128 plus the signal's number, no
// plaintext (no canary) in any file left under the output folder, the vault
// or TMPDIR, and for seal a vault that check passes (orphaned blobs are a
// note) with no new record in list. A second SIGINT during the cleanup must
// not change that.
func TestInterrupt(t *testing.T) {
	f := newInterruptFixture(t)
	for _, tc := range []struct {
		name string
		sigs []syscall.Signal
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}},
		{"SIGINT-twice", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}},
	} {
		t.Run("open/"+tc.name, func(t *testing.T) {
			out := filepath.Join(f.dir, "out-"+tc.name)
			res := f.interrupt(t, tc.sigs, out, "open", f.id, "-o", out, "-i", f.key("iryna"))
			f.requireStopped(t, res, tc.sigs[0])
			f.requireNoPlaintext(t, out, f.tmp)
			f.requireEmpty(t, out)
			os.RemoveAll(out)
		})
		t.Run("cat-o/"+tc.name, func(t *testing.T) {
			dl := filepath.Join(f.dir, "dl-"+tc.name)
			os.Mkdir(dl, 0o700)
			file := filepath.Join(dl, "interview.opus")
			res := f.interrupt(t, tc.sigs, dl, "cat", f.id, "testimony/interview.opus", "-o", file, "-i", f.key("iryna"))
			f.requireStopped(t, res, tc.sigs[0])
			f.requireNoPlaintext(t, dl, f.tmp)
			f.requireEmpty(t, dl)
			os.RemoveAll(dl)
		})
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run("seal/"+signalName(sig), func(t *testing.T) {
			before := f.list(t)
			res := f.interrupt(t, []syscall.Signal{sig}, filepath.Join(f.vdir, "db", "blobs"), "seal", "--no-progress", f.form, "-i", f.key("olena"))
			f.requireStopped(t, res, sig)
			if res.stdout != "" {
				t.Errorf("the interrupted seal printed %q", res.stdout)
			}
			if after := f.list(t); !slices.Equal(before, after) {
				t.Errorf("records before the interrupted seal %v, after %v: the interrupted seal added a record", before, after)
			}
			out, errs, code := f.bin.run("check", "-i", f.key("iryna"))
			if code != 0 {
				t.Errorf("check after the interrupted seal: exit %d\n%s%s", code, out, errs)
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if strings.HasPrefix(line, "error") {
					t.Errorf("check: %s", line)
				}
			}
			f.requireNoPlaintext(t, f.vdir, f.tmp)
		})
	}
}

// interruptFixture is a vault holding one record with a large attachment,
// its form (which seal tests seal again), and a built tvault whose TMPDIR is
// a folder of the test's own.
type interruptFixture struct {
	dir, vdir, tmp string
	team           *testkit.Team
	bin            *binary
	form           string
	id             string
}

func newInterruptFixture(t *testing.T) *interruptFixture {
	dir := t.TempDir()
	team, err := testkit.NewTeam(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := &interruptFixture{dir: dir, vdir: filepath.Join(dir, "vault"), tmp: filepath.Join(dir, "tmp"), team: team}
	os.Mkdir(f.tmp, 0o700)
	f.bin = newBuiltBinary(t, "", f.vdir, team.PassFile)
	f.bin.env = append(f.bin.env, "TMPDIR="+f.tmp)
	f.bin.must("init", "--policy", filepath.Join(dir, "policy.toml"), "-i", f.key("admin-kyiv"))

	formDir := filepath.Join(dir, "form")
	os.Mkdir(formDir, 0o700)
	writeCanaryFile(t, filepath.Join(formDir, "interview.opus"), interruptSize())
	os.WriteFile(filepath.Join(formDir, "consent.txt"), []byte("consent of "+interruptCanary+"-consent\n"), 0o600)
	f.form = filepath.Join(formDir, "form.toml")
	os.WriteFile(f.form, []byte(fmt.Sprintf(`[public]
category = "pow-family"
region = "Kharkiv oblast"

[testimony]
summary = "%[1]s-summary"
files = ["interview.opus"]

[identity]
interviewee = "%[1]s-name"
contact = "%[1]s-contact"
files = ["consent.txt"]
`, interruptCanary)), 0o600)
	start := time.Now()
	f.id = strings.TrimSpace(f.bin.must("seal", "--no-progress", f.form, "-i", f.key("olena")))
	t.Logf("sealed %d MiB in %v", interruptSize()>>20, time.Since(start).Round(time.Millisecond))
	return f
}

func (f *interruptFixture) key(name string) string { return f.team.Get(name).Path }

// writeCanaryFile writes size bytes of seeded pseudo-random data with the
// canary at the start of every interruptCanaryEvery bytes.
func writeCanaryFile(t *testing.T, path string, size int64) {
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{'i', 'n', 't'})
	block := make([]byte, interruptCanaryEvery)
	for off := int64(0); off < size; off += int64(len(block)) {
		rng.Read(block)
		copy(block, interruptCanary)
		n := min(int64(len(block)), size-off)
		if _, err := w.Write(block[:n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// interruptResult is how an interrupted tvault ended.
type interruptResult struct {
	state          *os.ProcessState
	stdout, stderr string
	after          time.Duration // from the first signal to the exit
}

// interrupt starts tvault with args, waits until a new file under watch
// holds at least 1 MiB (the large attachment is being written), sends sigs
// one right after the other, and waits for the process to end.
func (f *interruptFixture) interrupt(t *testing.T, sigs []syscall.Signal, watch string, args ...string) interruptResult {
	t.Helper()
	// Files there before (the vault's other blobs) say nothing; a signal
	// sent before tvault has set up its handler would just kill it.
	old := map[string]bool{}
	filepath.WalkDir(watch, func(p string, d fs.DirEntry, err error) error {
		old[p] = true
		return nil
	})
	c := f.bin.cmd(nil, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for !writing(watch, old) {
		select {
		case <-done:
			t.Fatalf("tvault %s ended before it could be interrupted (%v):\n%s", args[0], c.ProcessState, stderr.String())
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			<-done
			t.Fatalf("tvault %s wrote nothing under %s in 2 minutes", args[0], watch)
		}
	}
	sent := time.Now()
	for _, s := range sigs {
		if err := c.Process.Signal(s); err != nil {
			t.Fatalf("signal %v: %v", s, err)
		}
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		c.Process.Kill()
		<-done
		t.Fatalf("tvault %s still ran 2 minutes after %v", args[0], sigs)
	}
	return interruptResult{state: c.ProcessState, stdout: stdout.String(), stderr: stderr.String(), after: time.Since(sent)}
}

// writing reports whether some regular file under root, not among old,
// holds 1 MiB or more.
func writing(root string, old map[string]bool) bool {
	found := false
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return nil
		}
		if d.Type().IsRegular() && !old[p] {
			if fi, err := d.Info(); err == nil && fi.Size() >= 1<<20 {
				found = true
			}
		}
		return nil
	})
	return found
}

// requireStopped: tvault caught the signal and exited 128 plus its number,
// saying it was interrupted, rather than dying of it or finishing the work.
func (f *interruptFixture) requireStopped(t *testing.T, res interruptResult, sig syscall.Signal) {
	t.Helper()
	want := 128 + int(sig)
	code := res.state.ExitCode()
	switch {
	case code == want:
	case code == 0:
		t.Errorf("exited 0 %v after %s: the work ran to completion instead of stopping (want exit %d)", res.after.Round(time.Millisecond), signalName(sig), want)
	case code == -1:
		t.Errorf("died of the signal (%v) instead of stopping cleanly with exit %d", res.state, want)
	default:
		t.Errorf("exited %d %v after %s, want %d:\n%s", code, res.after.Round(time.Millisecond), signalName(sig), want, res.stderr)
	}
	if code == want && !strings.Contains(res.stderr, "tvault: error: interrupted by "+signalName(sig)) {
		t.Errorf("stderr does not say it was interrupted:\n%s", res.stderr)
	}
	if t.Failed() && res.stderr != "" {
		t.Logf("stderr: %q", res.stderr)
	}
}

// requireNoPlaintext: no regular file under any root, hidden ones included,
// contains the canary.
func (f *interruptFixture) requireNoPlaintext(t *testing.T, roots ...string) {
	t.Helper()
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return filepath.SkipAll // nothing there, nothing left
				}
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			has, err := fileContains(p, []byte(interruptCanary))
			if err != nil {
				return err
			}
			if has {
				fi, _ := d.Info()
				t.Errorf("plaintext left behind: %s (%d bytes) contains the canary", p, fi.Size())
			}
			return nil
		})
		if err != nil {
			t.Errorf("searching %s: %v", root, err)
		}
	}
}

// requireEmpty: no file at all is left under root (an empty folder may be).
func (f *interruptFixture) requireEmpty(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// fileContains streams the file, so that a 300 MiB one costs no memory.
func fileContains(path string, needle []byte) (bool, error) {
	r, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer r.Close()
	buf := make([]byte, 1<<20)
	keep := 0 // bytes carried over, so that a needle across two reads is found
	for {
		n, err := io.ReadFull(r, buf[keep:])
		n += keep
		if bytes.Contains(buf[:n], needle) {
			return true, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		keep = min(len(needle)-1, n)
		copy(buf, buf[n-keep:n])
	}
}

// list returns the ids of every record, sorted.
func (f *interruptFixture) list(t *testing.T) []string {
	t.Helper()
	out := f.bin.must("list", "--json", "-i", f.key("mykola"))
	var recs []struct{ ID string }
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}
